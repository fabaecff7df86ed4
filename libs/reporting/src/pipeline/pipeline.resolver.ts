import { Inject, Optional } from '@nestjs/common';
import { Args, ID, Query, Resolver } from '@nestjs/graphql';
import { CurrentScope, DateTimeScalar, type ReadScope } from '@kam/graphql';
import { QUERY_CACHE, cachedRead, type QueryCache } from '../common/query-cache';
import { READ_FRESHNESS, type ReadFreshness } from '../feed/read-freshness';
import { AtLeastPosition } from '../kpis/common/args';
import { Pipeline } from './pipeline.model';
import { PipelineQueries } from './pipeline.queries';

@Resolver()
export class PipelineResolver {
  constructor(
    private readonly queries: PipelineQueries,
    @Inject(READ_FRESHNESS) private readonly freshness: ReadFreshness,
    @Optional() @Inject(QUERY_CACHE) private readonly cache?: QueryCache,
  ) {}

  @Query(() => Pipeline, { description: "The team's open deals as they stood at asOf (default now), by stage." })
  async pipeline(
    @Args('teamId', { type: () => ID }) teamId: string,
    @Args('asOf', { type: () => DateTimeScalar, nullable: true }) asOf: string | null,
    @AtLeastPosition() atLeastPosition: string | null,
    @CurrentScope() scope: ReadScope,
  ): Promise<Pipeline> {
    await this.freshness.waitFor(atLeastPosition);
    // Without asOf the answer is "now": kept for at most the cache's clock step (its asOf says which instant).
    return cachedRead(this.cache, 'pipeline', [teamId, asOf], scope, () => this.queries.pipeline(scope, teamId, asOf), {
      dependsOnNow: asOf === null || asOf === undefined,
    });
  }
}
