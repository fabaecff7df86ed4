import { Inject, Optional } from '@nestjs/common';
import { Args, Context, ID, Parent, Query, ResolveField, Resolver } from '@nestjs/graphql';
import { CurrentScope, DateTimeScalar, type ConnectionShape, type ReadScope } from '@kam/graphql';
import { QUERY_CACHE, cachedRead, type QueryCache } from '../../common/query-cache';
import { READ_FRESHNESS, type ReadFreshness } from '../../feed/read-freshness';
import { AccountModel } from '../accounts/account.model';
import { After, AtLeastPosition, First } from '../common/args';
import { EntityLoaderRegistry } from '../common/loaders';
import { RepModel } from '../reps/rep.model';
import { DealConnection, DealFilterInput, DealModel, toDealModel } from './deal.model';
import { DealsQuery } from './deals.query';

@Resolver(() => DealModel)
export class DealsResolver {
  constructor(
    private readonly dealsQuery: DealsQuery,
    private readonly loaders: EntityLoaderRegistry,
    @Inject(READ_FRESHNESS) private readonly freshness: ReadFreshness,
    @Optional() @Inject(QUERY_CACHE) private readonly cache?: QueryCache,
  ) {}

  @Query(() => DealModel, {
    description:
      'One deal, now or as of an instant; NOT_FOUND when unknown, outside your scope or not opened yet at asOf.',
  })
  async deal(
    @Args('id', { type: () => ID }) id: string,
    @Args('asOf', { type: () => DateTimeScalar, nullable: true }) asOf: string | null,
    @AtLeastPosition() atLeastPosition: string | null,
    @CurrentScope() scope: ReadScope,
  ): Promise<DealModel> {
    await this.freshness.waitFor(atLeastPosition);
    return toDealModel(await this.dealsQuery.get(id, scope, asOf));
  }

  @Query(() => DealConnection, { description: 'Deals in your scope, by id.' })
  async deals(
    @Args('filter', { type: () => DealFilterInput, nullable: true }) filter: DealFilterInput | null,
    @First() first: number | null,
    @After() after: string | null,
    @AtLeastPosition() atLeastPosition: string | null,
    @CurrentScope() scope: ReadScope,
  ): Promise<ConnectionShape<DealModel>> {
    await this.freshness.waitFor(atLeastPosition);
    return cachedRead(this.cache, 'deals', [filter, first, after], scope, async () => {
      const page = await this.dealsQuery.list(filter, { first, after }, scope);
      return { ...page, edges: page.edges.map((e) => ({ cursor: e.cursor, node: toDealModel(e.node) })) };
    });
  }

  @ResolveField('account', () => AccountModel, {
    nullable: true,
    description: 'Null when the account is outside your scope.',
  })
  async account(
    @Parent() deal: DealModel,
    @Context() context: object,
    @CurrentScope() scope: ReadScope,
  ): Promise<AccountModel | null> {
    return this.loaders.for(context, scope).accountById.load(deal.accountId);
  }

  @ResolveField('rep', () => RepModel, {
    nullable: true,
    description: 'The owner now; null when outside your scope.',
  })
  async rep(
    @Parent() deal: DealModel,
    @Context() context: object,
    @CurrentScope() scope: ReadScope,
  ): Promise<RepModel | null> {
    return this.loaders.for(context, scope).repById.load(deal.repId);
  }
}
