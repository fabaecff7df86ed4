import { Inject } from '@nestjs/common';
import { Args, ID, Int, Query, Resolver } from '@nestjs/graphql';
import type { Skill } from '@kam/kernel';
import { CurrentScope, SkillEnum, type ReadScope } from '@kam/graphql';
import { READ_FRESHNESS, type ReadFreshness } from '../feed/read-freshness';
import { AtLeastPosition } from '../kpis/common/args';
import { RepTraining, TrainingEffect } from './training-reports.model';
import { DEFAULT_EFFECT_DAYS, TrainingReportQueries } from './training-reports.queries';

@Resolver()
export class TrainingReportResolver {
  constructor(
    private readonly queries: TrainingReportQueries,
    @Inject(READ_FRESHNESS) private readonly freshness: ReadFreshness,
  ) {}

  @Query(() => RepTraining, { description: "A rep's training sessions, attendance and scores per skill." })
  async repTraining(
    @Args('repId', { type: () => ID }) repId: string,
    @AtLeastPosition() atLeastPosition: string | null,
    @CurrentScope() scope: ReadScope,
  ): Promise<RepTraining> {
    await this.freshness.waitFor(atLeastPosition);
    return this.queries.repTraining(scope, repId);
  }

  @Query(() => [TrainingEffect], {
    description: "Attendees' deals closed in the `days` before vs after completed sessions; one entry per skill (every skill when none is given).",
  })
  async trainingEffectiveness(
    @Args('skill', { type: () => SkillEnum, nullable: true }) skill: Skill | null,
    @Args('days', { type: () => Int, nullable: true, defaultValue: DEFAULT_EFFECT_DAYS }) days: number | null,
    @Args('teamId', { type: () => ID, nullable: true, description: 'Only attendees in this team at the session; default every team you may read.' })
    teamId: string | null,
    @AtLeastPosition() atLeastPosition: string | null,
    @CurrentScope() scope: ReadScope,
  ): Promise<TrainingEffect[]> {
    await this.freshness.waitFor(atLeastPosition);
    return this.queries.trainingEffectiveness(scope, skill, days ?? DEFAULT_EFFECT_DAYS, teamId);
  }
}
