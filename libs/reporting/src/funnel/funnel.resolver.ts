import { Inject } from '@nestjs/common';
import { Args, ID, Query, Resolver } from '@nestjs/graphql';
import { CurrentScope, type ReadScope } from '@kam/graphql';
import { READ_FRESHNESS, type ReadFreshness } from '../feed/read-freshness';
import { AtLeastPosition } from '../kpis/common/args';
import { PeriodInput } from '../kpis/common/period.input';
import { FunnelStage } from './funnel.model';
import { FunnelQueries } from './funnel.queries';

@Resolver()
export class FunnelResolver {
  constructor(
    private readonly queries: FunnelQueries,
    @Inject(READ_FRESHNESS) private readonly freshness: ReadFreshness,
  ) {}

  @Query(() => [FunnelStage], { description: 'The four open stages: deals of the team that entered each in the period, and how many moved on.' })
  async stageFunnel(
    @Args('teamId', { type: () => ID }) teamId: string,
    @Args('period', { type: () => PeriodInput }) period: PeriodInput,
    @AtLeastPosition() atLeastPosition: string | null,
    @CurrentScope() scope: ReadScope,
  ): Promise<FunnelStage[]> {
    await this.freshness.waitFor(atLeastPosition);
    return this.queries.stageFunnel(scope, teamId, period);
  }
}
