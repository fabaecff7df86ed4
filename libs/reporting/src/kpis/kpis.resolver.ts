import { Inject, Optional } from '@nestjs/common';
import { Args, Context, ID, Parent, Query, ResolveField, Resolver } from '@nestjs/graphql';
import { CurrentScope, LeaderboardMetricEnum, type ReadScope } from '@kam/graphql';
import { QUERY_CACHE, cachedRead, periodDependsOnNow, type QueryCache } from '../common/query-cache';
import { RepModel } from '../entities/reps/rep.model';
import { READ_FRESHNESS, type ReadFreshness } from '../feed/read-freshness';
import { AtLeastPosition } from './common/args';
import { EntityLinks } from './common/entity-links';
import { PeriodInput } from './common/period.input';
import { RepPerformance, TeamPerformance } from './kpis.model';
import { KpiQueries, type LeaderboardMetric } from './kpis.queries';

@Resolver(() => RepPerformance)
export class KpiResolver {
  constructor(
    private readonly queries: KpiQueries,
    private readonly links: EntityLinks,
    @Inject(READ_FRESHNESS) private readonly freshness: ReadFreshness,
    @Optional() @Inject(QUERY_CACHE) private readonly cache?: QueryCache,
  ) {}

  private dependsOnNow(period: PeriodInput): boolean {
    return periodDependsOnNow(period, this.cache?.now() ?? Date.now());
  }

  @Query(() => TeamPerformance, { description: "A team's KPIs over a period and those of its members during it." })
  async teamPerformance(
    @Args('teamId', { type: () => ID }) teamId: string,
    @Args('period', { type: () => PeriodInput }) period: PeriodInput,
    @AtLeastPosition() atLeastPosition: string | null,
    @CurrentScope() scope: ReadScope,
  ): Promise<TeamPerformance> {
    await this.freshness.waitFor(atLeastPosition);
    return cachedRead(this.cache, 'teamPerformance', [teamId, period], scope, () => this.queries.teamPerformance(scope, teamId, period), {
      dependsOnNow: this.dependsOnNow(period),
    });
  }

  @Query(() => RepPerformance, { description: "A rep's KPIs over a period, whatever team they were in." })
  async repPerformance(
    @Args('repId', { type: () => ID }) repId: string,
    @Args('period', { type: () => PeriodInput }) period: PeriodInput,
    @AtLeastPosition() atLeastPosition: string | null,
    @CurrentScope() scope: ReadScope,
  ): Promise<RepPerformance> {
    await this.freshness.waitFor(atLeastPosition);
    return cachedRead(this.cache, 'repPerformance', [repId, period], scope, () => this.queries.repPerformance(scope, repId, period), {
      dependsOnNow: this.dependsOnNow(period),
    });
  }

  @Query(() => [RepPerformance], { description: 'Members of the team during the period, best first by the metric (nulls last, ties by repId).' })
  async leaderboard(
    @Args('teamId', { type: () => ID }) teamId: string,
    @Args('period', { type: () => PeriodInput }) period: PeriodInput,
    @Args('metric', { type: () => LeaderboardMetricEnum }) metric: LeaderboardMetric,
    @AtLeastPosition() atLeastPosition: string | null,
    @CurrentScope() scope: ReadScope,
  ): Promise<RepPerformance[]> {
    await this.freshness.waitFor(atLeastPosition);
    return cachedRead(this.cache, 'leaderboard', [teamId, period, metric], scope, () => this.queries.leaderboard(scope, teamId, period, metric), {
      dependsOnNow: this.dependsOnNow(period),
    });
  }

  @ResolveField('rep', () => RepModel, { nullable: true })
  async rep(@Parent() parent: RepPerformance, @Context() context: object, @CurrentScope() scope: ReadScope): Promise<RepModel | null> {
    return this.links.rep(context, scope, parent.repId);
  }
}
