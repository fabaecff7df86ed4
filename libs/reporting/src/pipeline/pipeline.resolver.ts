import { Inject } from '@nestjs/common';
import { Args, ID, Query, Resolver } from '@nestjs/graphql';
import { CurrentScope, DateTimeScalar, type ReadScope } from '@kam/graphql';
import { READ_FRESHNESS, type ReadFreshness } from '../feed/read-freshness';
import { AtLeastPosition } from '../kpis/common/args';
import { Pipeline } from './pipeline.model';
import { PipelineQueries } from './pipeline.queries';

@Resolver()
export class PipelineResolver {
  constructor(
    private readonly queries: PipelineQueries,
    @Inject(READ_FRESHNESS) private readonly freshness: ReadFreshness,
  ) {}

  @Query(() => Pipeline, { description: "The team's open deals as they stood at asOf (default now), by stage." })
  async pipeline(
    @Args('teamId', { type: () => ID }) teamId: string,
    @Args('asOf', { type: () => DateTimeScalar, nullable: true }) asOf: string | null,
    @AtLeastPosition() atLeastPosition: string | null,
    @CurrentScope() scope: ReadScope,
  ): Promise<Pipeline> {
    await this.freshness.waitFor(atLeastPosition);
    return this.queries.pipeline(scope, teamId, asOf);
  }
}
