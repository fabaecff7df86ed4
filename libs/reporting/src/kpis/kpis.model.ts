import { Field, Float, ID, Int, ObjectType } from '@nestjs/graphql';
import { MoneyScalar } from '@kam/graphql';
import { RepModel } from '../entities/reps/rep.model';

/** The KPIs of product.md §3; Money fields carry minor units, formatted by the Money scalar. */
@ObjectType({ description: 'Performance KPIs over a period; rates are null where their denominator is 0.' })
export class Kpis {
  @Field(() => Int)
  wonCount!: number;
  @Field(() => MoneyScalar)
  wonValue!: number;
  @Field(() => Int)
  lostCount!: number;
  @Field(() => MoneyScalar)
  lostValue!: number;
  @Field(() => Float, { nullable: true, description: 'won / (won + lost), by count.' })
  winRate!: number | null;
  @Field(() => MoneyScalar, { nullable: true, description: 'wonValue / wonCount.' })
  averageDealSize!: number | null;
  @Field(() => Float, { nullable: true, description: 'Mean of (closedAt − openedAt) in days over won deals.' })
  averageSalesCycleDays!: number | null;
  @Field(() => MoneyScalar, { description: 'Deals open at the end of the period or now, whichever is earlier.' })
  openPipelineValue!: number;
  @Field(() => MoneyScalar)
  weightedPipelineValue!: number;
  @Field(() => MoneyScalar, { description: 'Monthly quotas prorated by the days of each month inside the period.' })
  quota!: number;
  @Field(() => Float, { nullable: true, description: 'wonValue / quota.' })
  quotaAttainment!: number | null;
  @Field(() => Float, { nullable: true, description: 'openPipelineValue / max(quota − wonValue, 0).' })
  pipelineCoverage!: number | null;
}

@ObjectType({ description: "A rep's KPIs over a period (in a team report: their part of that team's)." })
export class RepPerformance {
  @Field(() => ID)
  repId!: string;
  @Field(() => RepModel, { nullable: true, description: 'The rep now; null when outside your scope.' })
  rep?: RepModel | null;
  @Field(() => Kpis)
  kpis!: Kpis;
}

@ObjectType({ description: "A team's KPIs over a period, and those of every rep who was a member during it." })
export class TeamPerformance {
  @Field(() => ID)
  teamId!: string;
  @Field(() => Kpis)
  kpis!: Kpis;
  @Field(() => [RepPerformance], { description: 'Members during the period, by repId.' })
  reps!: RepPerformance[];
}
