import { sql, type SqlBool } from 'kysely';
import { NotFoundError, assertNever } from '@kam/kernel';
import type { ConnectionShape, ReadScope } from '@kam/graphql';
import { inListChunks, type ReadModelAccess } from '@kam/read-store';
import { afterId, connectionOf, pageSize, type PageArgs } from '../common/paging';
import { eq, isIn, type Predicate } from '../common/predicates';
import { containsPattern } from '../common/sql';
import {
  ACCOUNTS_PROJECTION,
  ACCOUNTS_TABLE,
  accountFromRow,
  nameKey,
  type AccountRow,
} from './accounts.projection';

export interface AccountFilter {
  ownerRepId?: string | null;
  teamId?: string | null;
  nameContains?: string | null;
}

/** Accounts a scope may read: all; those owned by reps now in a supervisor's teams; a rep's own. */
export function accountScope(scope: ReadScope, alias: string): Predicate | null {
  switch (scope.kind) {
    case 'all':
      return null;
    case 'teams':
      return isIn(`${alias}.owner_team_id`, scope.teamIds);
    case 'rep':
      return eq(`${alias}.owner_rep_id`, scope.repId);
    default:
      return assertNever(scope);
  }
}

export class AccountsQuery {
  constructor(private readonly access: ReadModelAccess) {}

  private scoped(scope: ReadScope) {
    const query = this.access.db
      .selectFrom(`${this.access.table(ACCOUNTS_PROJECTION, ACCOUNTS_TABLE)} as a`)
      .selectAll('a');
    const predicate = accountScope(scope, 'a');
    return predicate ? query.where(predicate) : query;
  }

  async get(id: string, scope: ReadScope): Promise<AccountRow> {
    const row = await this.scoped(scope).where('a.id', '=', id).executeTakeFirst();
    if (!row) throw new NotFoundError('Account', id);
    return accountFromRow(row);
  }

  async list(
    filter: AccountFilter | null | undefined,
    page: PageArgs,
    scope: ReadScope,
  ): Promise<ConnectionShape<AccountRow>> {
    const size = pageSize(page.first);
    const after = afterId(page.after);
    let query = this.scoped(scope);
    if (filter?.ownerRepId != null) query = query.where('a.owner_rep_id', '=', filter.ownerRepId);
    if (filter?.teamId != null) query = query.where('a.owner_team_id', '=', filter.teamId);
    if (filter?.nameContains != null && filter.nameContains !== '') {
      const pattern = containsPattern(nameKey(filter.nameContains));
      query = query.where(sql<SqlBool>`${sql.ref('a.name_key')} like ${pattern} escape '\\'`);
    }
    if (after !== undefined) query = query.where('a.id', '>', after);
    const rows = await query
      .orderBy('a.id')
      .limit(size + 1)
      .execute();
    return connectionOf(rows.map(accountFromRow), size, (a) => a);
  }

  async byIds(ids: readonly string[], scope: ReadScope): Promise<Map<string, AccountRow>> {
    const out = new Map<string, AccountRow>();
    for (const chunk of inListChunks([...new Set(ids)], 500)) {
      for (const row of await this.scoped(scope).where('a.id', 'in', chunk).execute()) {
        const account = accountFromRow(row);
        out.set(account.id, account);
      }
    }
    return out;
  }

  async visibleIds(ids: readonly string[], scope: ReadScope): Promise<Set<string>> {
    return new Set((await this.byIds(ids, scope)).keys());
  }
}
