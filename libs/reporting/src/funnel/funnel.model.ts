import { Field, Float, Int, ObjectType } from '@nestjs/graphql';
import type { OpenDealStage } from '@kam/kernel';
import { DealStageEnum } from '@kam/graphql';

@ObjectType({ description: 'One open stage of the funnel: deals of the team that entered it in the period.' })
export class FunnelStage {
  @Field(() => DealStageEnum)
  stage!: OpenDealStage;
  @Field(() => Int, { description: 'Distinct deals that entered the stage in the period.' })
  entered!: number;
  @Field(() => Int, { description: 'Of those, deals that later reached a later stage or WON.' })
  advanced!: number;
  @Field(() => Float, { nullable: true, description: 'advanced / entered.' })
  conversion!: number | null;
  @Field(() => Float, { nullable: true, description: 'Mean days of the stays begun in the period that have ended (left the stage, won or lost).' })
  averageDaysInStage!: number | null;
  @Field(() => Int, { description: 'Of the deals that entered in the period, those still in the stage now (not in the average).' })
  stillInStage!: number;
}
