import { Inject } from '@nestjs/common';
import { Args, ID, Query, Resolver } from '@nestjs/graphql';
import { CurrentScope, DateTimeScalar, type ConnectionShape, type ReadScope } from '@kam/graphql';
import { READ_FRESHNESS, type ReadFreshness } from '../../feed/read-freshness';
import { After, AtLeastPosition, First } from '../common/args';
import { RepConnection, RepFilterInput, RepModel } from './rep.model';
import { RepsQuery } from './reps.query';

@Resolver(() => RepModel)
export class RepsResolver {
  constructor(
    private readonly repsQuery: RepsQuery,
    @Inject(READ_FRESHNESS) private readonly freshness: ReadFreshness,
  ) {}

  @Query(() => RepModel, {
    description:
      'One rep, now or as of an instant; NOT_FOUND when unknown, outside your scope or not hired yet at asOf.',
  })
  async rep(
    @Args('id', { type: () => ID }) id: string,
    @Args('asOf', { type: () => DateTimeScalar, nullable: true }) asOf: string | null,
    @AtLeastPosition() atLeastPosition: string | null,
    @CurrentScope() scope: ReadScope,
  ): Promise<RepModel> {
    await this.freshness.waitFor(atLeastPosition);
    return this.repsQuery.get(id, scope, asOf);
  }

  @Query(() => RepConnection, { description: 'Reps in your scope, by id.' })
  async reps(
    @Args('filter', { type: () => RepFilterInput, nullable: true }) filter: RepFilterInput | null,
    @First() first: number | null,
    @After() after: string | null,
    @AtLeastPosition() atLeastPosition: string | null,
    @CurrentScope() scope: ReadScope,
  ): Promise<ConnectionShape<RepModel>> {
    await this.freshness.waitFor(atLeastPosition);
    return this.repsQuery.list(filter, { first, after }, scope);
  }
}
