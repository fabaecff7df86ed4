import { Field, ID, InputType } from '@nestjs/graphql';
import { IsIn, IsUUID } from 'class-validator';
import { DEAL_STAGES, type DealStage } from '@kam/kernel';
import { CommandInput, DealStageEnum } from '@kam/graphql';

@InputType()
export class AdvanceDealInput extends CommandInput {
  @Field(() => ID)
  @IsUUID()
  dealId!: string;

  /** Any DealStage is accepted here so that WON/LOST get the decider's specific reason (STAGE_NOT_OPEN). */
  @Field(() => DealStageEnum, { description: 'Open stages only; WON/LOST go through winDeal/loseDeal.' })
  @IsIn(DEAL_STAGES)
  stage!: DealStage;
}
