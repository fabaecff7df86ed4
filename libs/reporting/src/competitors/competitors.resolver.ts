import { Inject } from '@nestjs/common';
import { Args, ID, Query, Resolver } from '@nestjs/graphql';
import { CurrentScope, type ReadScope } from '@kam/graphql';
import { READ_FRESHNESS, type ReadFreshness } from '../feed/read-freshness';
import { AtLeastPosition } from '../kpis/common/args';
import { PeriodInput } from '../kpis/common/period.input';
import { CompetitorStats } from './competitors.model';
import { CompetitorQueries } from './competitors.queries';

@Resolver()
export class CompetitorResolver {
  constructor(
    private readonly queries: CompetitorQueries,
    @Inject(READ_FRESHNESS) private readonly freshness: ReadFreshness,
  ) {}

  @Query(() => [CompetitorStats], { description: 'Competitors met on deals closed in the period; most deals faced first.' })
  async competitorAnalysis(
    @Args('period', { type: () => PeriodInput }) period: PeriodInput,
    @Args('teamId', { type: () => ID, nullable: true, description: 'Only deals closed in this team; default every team you may read.' })
    teamId: string | null,
    @AtLeastPosition() atLeastPosition: string | null,
    @CurrentScope() scope: ReadScope,
  ): Promise<CompetitorStats[]> {
    await this.freshness.waitFor(atLeastPosition);
    return this.queries.competitorAnalysis(scope, period, teamId);
  }
}
