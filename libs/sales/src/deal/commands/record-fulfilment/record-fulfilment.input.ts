import { Field, ID, InputType } from '@nestjs/graphql';
import { IsInt, IsOptional, IsString, IsUUID, Max, MaxLength, Min } from 'class-validator';
import { MAX_MONEY_MINOR } from '@kam/kernel';
import { CommandInput, MoneyScalar } from '@kam/graphql';

@InputType()
export class RecordFulfilmentInput extends CommandInput {
  @Field(() => ID)
  @IsUUID()
  dealId!: string;

  /**
   * Integer minor units: MoneyScalar has already parsed the decimal string. Zero passes the edge
   * on purpose: "above zero" is the decider's rule (AMOUNT_MUST_BE_POSITIVE), not an input format.
   */
  @Field(() => MoneyScalar)
  @IsInt()
  @Min(0)
  @Max(MAX_MONEY_MINOR)
  amount!: number;

  @Field(() => String, { nullable: true })
  @IsOptional()
  @IsString()
  @MaxLength(1000)
  note?: string | null;
}
