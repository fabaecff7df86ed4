import { Inject } from '@nestjs/common';
import { Args, ID, Query, Resolver } from '@nestjs/graphql';
import { CurrentScope, type ReadScope } from '@kam/graphql';
import { READ_FRESHNESS, type ReadFreshness } from '../feed/read-freshness';
import { AtLeastPosition } from '../kpis/common/args';
import { PeriodInput } from '../kpis/common/period.input';
import { ChannelPerformance, ChannelSpan } from './channels.model';
import { ChannelQueries } from './channels.queries';

@Resolver()
export class ChannelResolver {
  constructor(
    private readonly queries: ChannelQueries,
    @Inject(READ_FRESHNESS) private readonly freshness: ReadFreshness,
  ) {}

  @Query(() => [ChannelPerformance], { description: "Every sales channel's closed deals in the team over the period." })
  async channelPerformance(
    @Args('teamId', { type: () => ID }) teamId: string,
    @Args('period', { type: () => PeriodInput }) period: PeriodInput,
    @AtLeastPosition() atLeastPosition: string | null,
    @CurrentScope() scope: ReadScope,
  ): Promise<ChannelPerformance[]> {
    await this.freshness.waitFor(atLeastPosition);
    return this.queries.channelPerformance(scope, teamId, period);
  }

  @Query(() => [ChannelSpan], { description: "The rep's own sales channel over time, oldest first." })
  async channelHistory(
    @Args('repId', { type: () => ID }) repId: string,
    @AtLeastPosition() atLeastPosition: string | null,
    @CurrentScope() scope: ReadScope,
  ): Promise<ChannelSpan[]> {
    await this.freshness.waitFor(atLeastPosition);
    return this.queries.channelHistory(scope, repId);
  }
}
