import { Inject } from '@nestjs/common';
import { Args, Context, Float, ID, Parent, Query, ResolveField, Resolver } from '@nestjs/graphql';
import { CurrentScope, type ReadScope } from '@kam/graphql';
import { AccountModel } from '../entities/accounts/account.model';
import { READ_FRESHNESS, type ReadFreshness } from '../feed/read-freshness';
import { AtLeastPosition } from '../kpis/common/args';
import { EntityLinks } from '../kpis/common/entity-links';
import { PeriodInput } from '../kpis/common/period.input';
import { KeyAccountReport, KeyAccountRow } from './key-accounts.model';
import { DEFAULT_KEY_ACCOUNT_THRESHOLD, KeyAccountQueries } from './key-accounts.queries';

@Resolver(() => KeyAccountRow)
export class KeyAccountResolver {
  constructor(
    private readonly queries: KeyAccountQueries,
    private readonly links: EntityLinks,
    @Inject(READ_FRESHNESS) private readonly freshness: ReadFreshness,
  ) {}

  @Query(() => KeyAccountReport, { description: 'Accounts ranked by revenue won in the period, with ABC tiers and the HHI.' })
  async keyAccounts(
    @Args('period', { type: () => PeriodInput }) period: PeriodInput,
    @Args('threshold', { type: () => Float, nullable: true, defaultValue: DEFAULT_KEY_ACCOUNT_THRESHOLD, description: 'Cumulative share that ends tier A.' })
    threshold: number | null,
    @Args('teamId', { type: () => ID, nullable: true, description: 'Only deals closed in this team; default every team you may read.' })
    teamId: string | null,
    @AtLeastPosition() atLeastPosition: string | null,
    @CurrentScope() scope: ReadScope,
  ): Promise<KeyAccountReport> {
    await this.freshness.waitFor(atLeastPosition);
    return this.queries.keyAccounts(scope, period, threshold ?? DEFAULT_KEY_ACCOUNT_THRESHOLD, teamId);
  }

  @ResolveField('account', () => AccountModel, { nullable: true })
  async account(@Parent() parent: KeyAccountRow, @Context() context: object, @CurrentScope() scope: ReadScope): Promise<AccountModel | null> {
    return this.links.account(context, scope, parent.accountId);
  }
}
