import { Field, ID, InputType } from '@nestjs/graphql';
import { IsIn, IsOptional, IsString, IsUUID, MaxLength } from 'class-validator';
import { LOSS_REASONS, type LossReason } from '@kam/kernel';
import { CommandInput, LossReasonEnum } from '@kam/graphql';

@InputType()
export class LoseDealInput extends CommandInput {
  @Field(() => ID)
  @IsUUID()
  dealId!: string;

  @Field(() => LossReasonEnum)
  @IsIn(LOSS_REASONS)
  reason!: LossReason;

  @Field(() => String, { nullable: true, description: 'The competitor the deal went to, if any.' })
  @IsOptional()
  @IsString()
  @MaxLength(100)
  competitor?: string | null;
}
