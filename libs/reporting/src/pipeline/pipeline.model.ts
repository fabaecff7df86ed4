import { Field, Int, ObjectType } from '@nestjs/graphql';
import type { OpenDealStage } from '@kam/kernel';
import { DateTimeScalar, DealStageEnum, MoneyScalar } from '@kam/graphql';

@ObjectType({ description: 'Deals open in one stage at the instant asked for.' })
export class PipelineStage {
  @Field(() => DealStageEnum)
  stage!: OpenDealStage;
  @Field(() => Int)
  dealCount!: number;
  @Field(() => MoneyScalar)
  value!: number;
  @Field(() => MoneyScalar, { description: 'value × the stage probability.' })
  weightedValue!: number;
}

@ObjectType({ description: "A team's open pipeline as it stood at asOf: the four open stages, in order." })
export class Pipeline {
  @Field(() => DateTimeScalar)
  asOf!: string;
  @Field(() => Int)
  dealCount!: number;
  @Field(() => MoneyScalar)
  openPipelineValue!: number;
  @Field(() => MoneyScalar)
  weightedPipelineValue!: number;
  @Field(() => [PipelineStage])
  stages!: PipelineStage[];
}
