import { Injectable } from '@nestjs/common';
import { ModuleRef } from '@nestjs/core';
import DataLoader from 'dataloader';
import { perRequest, type ReadScope } from '@kam/graphql';
import type { AccountModel } from '../../entities/accounts/account.model';
import { AccountsQuery } from '../../entities/accounts/accounts.query';
import type { RepModel } from '../../entities/reps/rep.model';
import { RepsQuery } from '../../entities/reps/reps.query';

interface Loaders {
  rep: DataLoader<string, RepModel | null>;
  account: DataLoader<string, AccountModel | null>;
}

/**
 * The nested `rep` of RepPerformance and `account` of KeyAccountRow, answered by the entity
 * queries when the app serves them (found in the app's container, not imported: the reports do
 * not depend on the entity read models to work), batched per request and filtered by the caller's
 * scope; null when the entity queries are absent or the entity is out of scope.
 */
@Injectable()
export class EntityLinks {
  /** This instance's loaders on a context object (perRequest: not a WeakMap keyed by the context). */
  private readonly key = Symbol('kam.entityLinks');
  private queries: { reps: RepsQuery; accounts: AccountsQuery } | null | undefined;

  constructor(private readonly moduleRef: ModuleRef) {}

  private entityQueries(): { reps: RepsQuery; accounts: AccountsQuery } | null {
    if (this.queries === undefined) {
      try {
        this.queries = {
          reps: this.moduleRef.get(RepsQuery, { strict: false }),
          accounts: this.moduleRef.get(AccountsQuery, { strict: false }),
        };
      } catch {
        this.queries = null;
      }
    }
    return this.queries;
  }

  private loaders(context: object, scope: ReadScope): Loaders | null {
    const queries = this.entityQueries();
    if (!queries) return null;
    return perRequest(context, this.key, () => ({
      rep: new DataLoader(async (ids: readonly string[]) => {
        const found = await queries.reps.byIds(ids, scope);
        return ids.map((id) => found.get(id) ?? null);
      }),
      account: new DataLoader(async (ids: readonly string[]) => {
        const found = await queries.accounts.byIds(ids, scope);
        return ids.map((id) => found.get(id) ?? null);
      }),
    }));
  }

  async rep(context: object, scope: ReadScope, repId: string): Promise<RepModel | null> {
    return (await this.loaders(context, scope)?.rep.load(repId)) ?? null;
  }

  async account(context: object, scope: ReadScope, accountId: string): Promise<AccountModel | null> {
    return (await this.loaders(context, scope)?.account.load(accountId)) ?? null;
  }
}
