import DataLoader from 'dataloader';
import { perRequest, type ReadScope } from '@kam/graphql';
import type { AccountsQuery } from '../accounts/accounts.query';
import type { AccountRow } from '../accounts/accounts.projection';
import type { RepsQuery } from '../reps/reps.query';
import type { RepRow } from '../reps/reps.projection';

/**
 * The batch loaders of one GraphQL request (nested fields resolve with one query per level, not
 * one per parent). They are created per request because they cache and because they answer
 * within the caller's scope: a nested entity out of scope resolves to null / is left out.
 */
export class EntityLoaders {
  readonly repsByTeam: DataLoader<string, RepRow[]>;
  readonly repById: DataLoader<string, RepRow | null>;
  readonly accountById: DataLoader<string, AccountRow | null>;

  constructor(reps: RepsQuery, accounts: AccountsQuery, scope: ReadScope) {
    this.repsByTeam = new DataLoader(async (teamIds: readonly string[]) => {
      const byTeam = await reps.byTeams(teamIds, scope);
      return teamIds.map((id) => byTeam.get(id) ?? []);
    });
    this.repById = new DataLoader(async (ids: readonly string[]) => {
      const found = await reps.byIds(ids, scope);
      return ids.map((id) => found.get(id) ?? null);
    });
    this.accountById = new DataLoader(async (ids: readonly string[]) => {
      const found = await accounts.byIds(ids, scope);
      return ids.map((id) => found.get(id) ?? null);
    });
  }
}

/** Hands out the loaders of a request, keyed by its GraphQL context object (one per request). */
export class EntityLoaderRegistry {
  /** This registry's loaders on a context object (perRequest: not a WeakMap keyed by the context). */
  private readonly key = Symbol('kam.entityLoaders');

  constructor(
    private readonly reps: RepsQuery,
    private readonly accounts: AccountsQuery,
  ) {}

  for(context: object, scope: ReadScope): EntityLoaders {
    return perRequest(context, this.key, () => new EntityLoaders(this.reps, this.accounts, scope));
  }
}
