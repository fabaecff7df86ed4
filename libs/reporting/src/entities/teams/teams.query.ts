import { NotFoundError, assertNever } from '@kam/kernel';
import type { ReadScope } from '@kam/graphql';
import type { ReadModelAccess } from '@kam/read-store';
import { NEVER } from '../common/sql';
import { isIn, type Predicate } from '../common/predicates';
import { TEAMS_PROJECTION, TEAMS_TABLE, teamFromRow, type TeamRow } from './teams.projection';

/** Teams a scope may read: all; a supervisor's teams; none for a rep (product.md §5 via ReadScope). */
export function teamScope(scope: ReadScope, alias: string): Predicate | null {
  switch (scope.kind) {
    case 'all':
      return null;
    case 'teams':
      return isIn(`${alias}.id`, scope.teamIds);
    case 'rep':
      return NEVER;
    default:
      return assertNever(scope);
  }
}

export class TeamsQuery {
  constructor(private readonly access: ReadModelAccess) {}

  private table(): string {
    return `${this.access.table(TEAMS_PROJECTION, TEAMS_TABLE)} as t`;
  }

  private scoped(scope: ReadScope) {
    const query = this.access.db.selectFrom(this.table()).selectAll('t');
    const predicate = teamScope(scope, 't');
    return predicate ? query.where(predicate) : query;
  }

  /** NOT_FOUND for an unknown team and for one outside the scope alike. */
  async get(id: string, scope: ReadScope): Promise<TeamRow> {
    const row = await this.scoped(scope).where('t.id', '=', id).executeTakeFirst();
    if (!row) throw new NotFoundError('Team', id);
    return teamFromRow(row);
  }

  /** Every team in scope, by name then id. */
  async list(scope: ReadScope): Promise<TeamRow[]> {
    const rows = await this.scoped(scope).orderBy('t.name').orderBy('t.id').execute();
    return rows.map(teamFromRow);
  }

  /** Ids of the teams whose supervisor is `supervisorId` (a SUPERVISOR's read scope). */
  async supervisedBy(supervisorId: string): Promise<string[]> {
    const rows = await this.access.db
      .selectFrom(this.table())
      .select('t.id')
      .where('t.supervisor_id', '=', supervisorId)
      .orderBy('t.id')
      .execute();
    return rows.map((r) => String(r.id));
  }

  async visibleIds(ids: readonly string[], scope: ReadScope): Promise<Set<string>> {
    if (ids.length === 0) return new Set();
    const rows = await this.scoped(scope)
      .where('t.id', 'in', [...ids])
      .execute();
    return new Set(rows.map((r) => String(r.id)));
  }
}
