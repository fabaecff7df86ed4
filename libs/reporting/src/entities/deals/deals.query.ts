import {
  BadUserInputError,
  DAY_MS,
  NotFoundError,
  assertNever,
  isCalendarDate,
  streamIdOf,
  type DealStage,
  type SalesChannel,
} from '@kam/kernel';
import { StreamNotFound, type EventStore } from '@kam/event-store';
import type { ConnectionShape, ReadScope } from '@kam/graphql';
import { inListChunks, type ReadModelAccess } from '@kam/read-store';
import type { DealEvent } from '@kam/sales';
import { handledEvents, occurredAt } from '../common/events';
import { afterId, connectionOf, pageSize, type PageArgs } from '../common/paging';
import { anyOf, eq, inSubquery, isIn, type Predicate } from '../common/predicates';
import { fromBool, isoInstant } from '../common/sql';
import { REPS_PROJECTION, REP_VERSIONS_TABLE } from '../reps/reps.projection';
import {
  DEALS_PROJECTION,
  DEALS_TABLE,
  DEAL_EVENT_TYPES,
  DEAL_REP_TEAMS_TABLE,
  dealAfter,
  dealFromRow,
  type DealRow,
} from './deals.projection';

export interface DealFilter {
  teamId?: string | null;
  repId?: string | null;
  accountId?: string | null;
  stage?: DealStage | null;
  channel?: SalesChannel | null;
  open?: boolean | null;
  closedIn?: { from: string; to: string } | null;
  updatedSince?: string | null;
}

/** The half-open instant range [from 00:00Z, day after `to` 00:00Z) of an inclusive date period. */
export function periodRange(
  period: { from: string; to: string },
  field: string,
): { start: string; end: string } {
  if (!isCalendarDate(period.from) || !isCalendarDate(period.to) || period.from > period.to) {
    throw new BadUserInputError([{ field, message: 'A period needs calendar dates with from <= to' }]);
  }
  const start = `${period.from}T00:00:00.000Z`;
  const end = new Date(Date.parse(`${period.to}T00:00:00.000Z`) + DAY_MS).toISOString();
  return { start, end };
}

export class DealsQuery {
  constructor(
    private readonly access: ReadModelAccess,
    /** The log: `deal(id, asOf)` folds the deal's own stream. */
    private readonly store: EventStore,
  ) {}

  /**
   * Deals a scope may read, on a `deals` alias: all; a supervisor's: deals of their teams plus
   * every deal of a rep now in one of them; a rep's own (current owner).
   */
  scopePredicate(scope: ReadScope, alias: string): Predicate | null {
    switch (scope.kind) {
      case 'all':
        return null;
      case 'teams':
        return anyOf(
          isIn(`${alias}.team_id`, scope.teamIds),
          inSubquery(
            `${alias}.rep_id`,
            this.access.table(DEALS_PROJECTION, DEAL_REP_TEAMS_TABLE),
            'rt',
            'rep_id',
            isIn('rt.team_id', scope.teamIds),
          ),
        );
      case 'rep':
        return eq(`${alias}.rep_id`, scope.repId);
      default:
        return assertNever(scope);
    }
  }

  private scoped(scope: ReadScope) {
    const query = this.access.db
      .selectFrom(`${this.access.table(DEALS_PROJECTION, DEALS_TABLE)} as d`)
      .selectAll('d');
    const predicate = this.scopePredicate(scope, 'd');
    return predicate ? query.where(predicate) : query;
  }

  /**
   * The deal now, or as it stood at `asOf`: its own stream folded up to that instant (a stream's
   * business times never go back, so that is a prefix of it). Its team then: frozen at close (the
   * current row's), else its owner's team at `asOf` (the reps read model's history). Visible when
   * in scope now or at `asOf`; NOT_FOUND when unknown, out of scope, or not opened yet at `asOf`.
   */
  async get(id: string, scope: ReadScope, asOf?: string | null): Promise<DealRow> {
    if (asOf === null || asOf === undefined) {
      const row = await this.scoped(scope).where('d.id', '=', id).executeTakeFirst();
      if (!row) throw new NotFoundError('Deal', id);
      return dealFromRow(row);
    }
    const at = isoInstant(asOf);
    let deal: DealRow | undefined;
    for (const event of handledEvents<DealEvent>(await this.streamOf(id), DEAL_EVENT_TYPES)) {
      const when = occurredAt(event);
      if (when > at) break;
      deal = dealAfter(deal, event, when, () => null);
    }
    if (!deal) throw new NotFoundError('Deal', id);
    deal.teamId = deal.open ? await this.teamAt(deal.repId, at) : await this.teamAtClose(deal);
    if (!(await this.visibleThen(deal, scope)) && !(await this.visibleIds([id], scope)).has(id)) throw new NotFoundError('Deal', id);
    return deal;
  }

  /** A closed deal's team stays what it was at close: the current row's (the owner's then, if not projected yet). */
  private async teamAtClose(deal: DealRow): Promise<string | null> {
    const current = await this.access.db
      .selectFrom(this.access.table(DEALS_PROJECTION, DEALS_TABLE))
      .select(['team_id'])
      .where('id', '=', deal.id)
      .executeTakeFirst();
    return current !== undefined ? ((current.team_id as string | null) ?? null) : this.teamAt(deal.repId, deal.closedAt!);
  }

  private async streamOf(id: string) {
    try {
      return await this.store.readStream(streamIdOf('deal', id));
    } catch (error) {
      if (error instanceof StreamNotFound) return [];
      throw error;
    }
  }

  /** A rep's team at an instant (their interval then, else their first one), null for an unknown rep. */
  private async teamAt(repId: string, at: string): Promise<string | null> {
    const versions = this.access.table(REPS_PROJECTION, REP_VERSIONS_TABLE);
    const row =
      (await this.access.db
        .selectFrom(versions)
        .select(['team_id'])
        .where('rep_id', '=', repId)
        .where('valid_from', '<=', at)
        .orderBy('valid_from', 'desc')
        .limit(1)
        .executeTakeFirst()) ??
      (await this.access.db.selectFrom(versions).select(['team_id']).where('rep_id', '=', repId).orderBy('valid_from').limit(1).executeTakeFirst());
    return (row?.team_id as string | undefined) ?? null;
  }

  /** The scope rule of scopePredicate, on a deal as it stood then (its owner's team is today's). */
  private async visibleThen(deal: DealRow, scope: ReadScope): Promise<boolean> {
    switch (scope.kind) {
      case 'all':
        return true;
      case 'rep':
        return deal.repId === scope.repId;
      case 'teams': {
        if (deal.teamId !== null && scope.teamIds.includes(deal.teamId)) return true;
        if (scope.teamIds.length === 0) return false;
        const now = await this.access.db
          .selectFrom(this.access.table(DEALS_PROJECTION, DEAL_REP_TEAMS_TABLE))
          .select(['team_id'])
          .where('rep_id', '=', deal.repId)
          .executeTakeFirst();
        return now !== undefined && scope.teamIds.includes(now.team_id as string);
      }
      default:
        return assertNever(scope);
    }
  }

  async list(
    filter: DealFilter | null | undefined,
    page: PageArgs,
    scope: ReadScope,
  ): Promise<ConnectionShape<DealRow>> {
    const size = pageSize(page.first);
    const after = afterId(page.after);
    let query = this.scoped(scope);
    if (filter?.teamId != null) query = query.where('d.team_id', '=', filter.teamId);
    if (filter?.repId != null) query = query.where('d.rep_id', '=', filter.repId);
    if (filter?.accountId != null) query = query.where('d.account_id', '=', filter.accountId);
    if (filter?.stage != null) query = query.where('d.stage', '=', filter.stage);
    if (filter?.channel != null) query = query.where('d.channel', '=', filter.channel);
    if (filter?.open != null) query = query.where('d.is_open', '=', fromBool(filter.open));
    if (filter?.closedIn != null) {
      const { start, end } = periodRange(filter.closedIn, 'filter.closedIn');
      query = query.where('d.closed_at', '>=', start).where('d.closed_at', '<', end);
    }
    if (filter?.updatedSince != null)
      query = query.where('d.updated_at', '>=', isoInstant(filter.updatedSince));
    if (after !== undefined) query = query.where('d.id', '>', after);
    const rows = await query
      .orderBy('d.id')
      .limit(size + 1)
      .execute();
    return connectionOf(rows.map(dealFromRow), size, (d) => d);
  }

  async visibleIds(ids: readonly string[], scope: ReadScope): Promise<Set<string>> {
    const out = new Set<string>();
    for (const chunk of inListChunks([...new Set(ids)], 500)) {
      const rows = await this.scoped(scope).where('d.id', 'in', chunk).execute();
      for (const row of rows) out.add(String(row.id));
    }
    return out;
  }
}
