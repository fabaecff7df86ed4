import { Inject } from '@nestjs/common';
import { Args, ID, Query, Resolver } from '@nestjs/graphql';
import { CurrentScope, type ConnectionShape, type ReadScope } from '@kam/graphql';
import { READ_FRESHNESS, type ReadFreshness } from '../../feed/read-freshness';
import { After, AtLeastPosition, First } from '../common/args';
import { AccountConnection, AccountFilterInput, AccountModel } from './account.model';
import { AccountsQuery } from './accounts.query';

@Resolver(() => AccountModel)
export class AccountsResolver {
  constructor(
    private readonly accountsQuery: AccountsQuery,
    @Inject(READ_FRESHNESS) private readonly freshness: ReadFreshness,
  ) {}

  @Query(() => AccountModel, { description: 'One account; NOT_FOUND when unknown or outside your scope.' })
  async account(
    @Args('id', { type: () => ID }) id: string,
    @AtLeastPosition() atLeastPosition: string | null,
    @CurrentScope() scope: ReadScope,
  ): Promise<AccountModel> {
    await this.freshness.waitFor(atLeastPosition);
    return this.accountsQuery.get(id, scope);
  }

  @Query(() => AccountConnection, { description: 'Accounts in your scope, by id.' })
  async accounts(
    @Args('filter', { type: () => AccountFilterInput, nullable: true }) filter: AccountFilterInput | null,
    @First() first: number | null,
    @After() after: string | null,
    @AtLeastPosition() atLeastPosition: string | null,
    @CurrentScope() scope: ReadScope,
  ): Promise<ConnectionShape<AccountModel>> {
    await this.freshness.waitFor(atLeastPosition);
    return this.accountsQuery.list(filter, { first, after }, scope);
  }
}
