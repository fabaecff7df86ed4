import {
  BadUserInputError,
  DAY_MS,
  NotFoundError,
  assertNever,
  isCalendarDate,
  type DealStage,
  type SalesChannel,
} from '@kam/kernel';
import type { ConnectionShape, ReadScope } from '@kam/graphql';
import { inListChunks, type ReadModelAccess } from '@kam/read-store';
import { afterId, connectionOf, pageSize, type PageArgs } from '../common/paging';
import { anyOf, eq, inSubquery, isIn, type Predicate } from '../common/predicates';
import { fromBool, isoInstant } from '../common/sql';
import {
  DEALS_PROJECTION,
  DEALS_TABLE,
  DEAL_REP_TEAMS_TABLE,
  DEAL_VERSIONS_TABLE,
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
  constructor(private readonly access: ReadModelAccess) {}

  /**
   * Deals a scope may read, on a `deals` or `deal_versions` alias: all; a supervisor's: deals
   * of their teams plus every deal of a rep now in one of them; a rep's own (current owner).
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
   * The deal now, or as it stood at `asOf` (one interval lookup). Visible when in scope now or
   * at `asOf`; NOT_FOUND when unknown, out of scope, or not opened yet at `asOf`.
   */
  async get(id: string, scope: ReadScope, asOf?: string | null): Promise<DealRow> {
    if (asOf === null || asOf === undefined) {
      const row = await this.scoped(scope).where('d.id', '=', id).executeTakeFirst();
      if (!row) throw new NotFoundError('Deal', id);
      return dealFromRow(row);
    }
    const versions = () =>
      this.access.db
        .selectFrom(`${this.access.table(DEALS_PROJECTION, DEAL_VERSIONS_TABLE)} as v`)
        .selectAll('v')
        .where('v.deal_id', '=', id);
    const at = isoInstant(asOf);
    const version = await versions()
      .where('v.valid_from', '<=', at)
      .orderBy('v.valid_from', 'desc')
      .limit(1)
      .executeTakeFirst();
    if (!version) throw new NotFoundError('Deal', id);
    const predicate = this.scopePredicate(scope, 'v');
    if (predicate) {
      const visibleThen = await versions()
        .where('v.valid_from', '=', version.valid_from)
        .where(predicate)
        .executeTakeFirst();
      if (!visibleThen && !(await this.visibleIds([id], scope)).has(id)) throw new NotFoundError('Deal', id);
    }
    return dealFromRow(version);
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
