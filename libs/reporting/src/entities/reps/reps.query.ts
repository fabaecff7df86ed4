import { NotFoundError, assertNever, type SalesChannel } from '@kam/kernel';
import type { ConnectionShape, ReadScope } from '@kam/graphql';
import { inListChunks, type ReadModelAccess } from '@kam/read-store';
import { afterId, connectionOf, pageSize, type PageArgs } from '../common/paging';
import { eq, isIn, type Predicate } from '../common/predicates';
import { fromBool, isoInstant } from '../common/sql';
import { REPS_PROJECTION, REPS_TABLE, REP_VERSIONS_TABLE, repFromRow, type RepRow } from './reps.projection';

export interface RepFilter {
  teamId?: string | null;
  channel?: SalesChannel | null;
  active?: boolean | null;
}

/**
 * Reps a scope may read, on a `reps` or `rep_versions` alias: all; the reps of a supervisor's
 * teams; a rep's own row.
 */
export function repScope(scope: ReadScope, alias: string, idColumn = 'id'): Predicate | null {
  switch (scope.kind) {
    case 'all':
      return null;
    case 'teams':
      return isIn(`${alias}.team_id`, scope.teamIds);
    case 'rep':
      return eq(`${alias}.${idColumn}`, scope.repId);
    default:
      return assertNever(scope);
  }
}

export class RepsQuery {
  constructor(private readonly access: ReadModelAccess) {}

  private scoped(scope: ReadScope) {
    const query = this.access.db
      .selectFrom(`${this.access.table(REPS_PROJECTION, REPS_TABLE)} as r`)
      .selectAll('r');
    const predicate = repScope(scope, 'r');
    return predicate ? query.where(predicate) : query;
  }

  /**
   * The rep now, or as it stood at `asOf` (one interval lookup). A rep is visible when it is in
   * scope now or was at `asOf` (a supervisor sees a former member as it was while in the team).
   * NOT_FOUND when unknown, out of scope, or not hired yet at `asOf`.
   */
  async get(id: string, scope: ReadScope, asOf?: string | null): Promise<RepRow> {
    if (asOf === null || asOf === undefined) {
      const row = await this.scoped(scope).where('r.id', '=', id).executeTakeFirst();
      if (!row) throw new NotFoundError('Rep', id);
      return repFromRow(row);
    }
    const versions = this.access.table(REPS_PROJECTION, REP_VERSIONS_TABLE);
    const version = await this.access.db
      .selectFrom(`${versions} as v`)
      .selectAll('v')
      .where('v.rep_id', '=', id)
      .where('v.valid_from', '<=', isoInstant(asOf))
      .orderBy('v.valid_from', 'desc')
      .limit(1)
      .executeTakeFirst();
    if (!version) throw new NotFoundError('Rep', id);
    const rep = repFromRow(version);
    if (!this.visibleRow(rep, scope) && !(await this.visibleIds([id], scope)).has(id))
      throw new NotFoundError('Rep', id);
    return rep;
  }

  private visibleRow(rep: RepRow, scope: ReadScope): boolean {
    switch (scope.kind) {
      case 'all':
        return true;
      case 'teams':
        return scope.teamIds.includes(rep.teamId);
      case 'rep':
        return scope.repId === rep.id;
      default:
        return assertNever(scope);
    }
  }

  async list(
    filter: RepFilter | null | undefined,
    page: PageArgs,
    scope: ReadScope,
  ): Promise<ConnectionShape<RepRow>> {
    const size = pageSize(page.first);
    const after = afterId(page.after);
    let query = this.scoped(scope);
    if (filter?.teamId != null) query = query.where('r.team_id', '=', filter.teamId);
    if (filter?.channel != null) query = query.where('r.channel', '=', filter.channel);
    if (filter?.active != null) query = query.where('r.active', '=', fromBool(filter.active));
    if (after !== undefined) query = query.where('r.id', '>', after);
    const rows = await query
      .orderBy('r.id')
      .limit(size + 1)
      .execute();
    return connectionOf(rows.map(repFromRow), size, (r) => r);
  }

  /** Reps in scope by id (absent ones are missing from the map). */
  async byIds(ids: readonly string[], scope: ReadScope): Promise<Map<string, RepRow>> {
    const out = new Map<string, RepRow>();
    for (const chunk of inListChunks([...new Set(ids)], 500)) {
      for (const row of await this.scoped(scope).where('r.id', 'in', chunk).execute()) {
        const rep = repFromRow(row);
        out.set(rep.id, rep);
      }
    }
    return out;
  }

  /** Current members (active or not) of these teams, in scope, by name then id. */
  async byTeams(teamIds: readonly string[], scope: ReadScope): Promise<Map<string, RepRow[]>> {
    const out = new Map<string, RepRow[]>(teamIds.map((id) => [id, []]));
    for (const chunk of inListChunks([...new Set(teamIds)], 500)) {
      const rows = await this.scoped(scope)
        .where('r.team_id', 'in', chunk)
        .orderBy('r.name')
        .orderBy('r.id')
        .execute();
      for (const row of rows) {
        const rep = repFromRow(row);
        out.get(rep.teamId)?.push(rep);
      }
    }
    return out;
  }

  async visibleIds(ids: readonly string[], scope: ReadScope): Promise<Set<string>> {
    return new Set((await this.byIds(ids, scope)).keys());
  }
}
