import { Field, ID, InputType } from '@nestjs/graphql';
import { IsInt, IsUUID, Matches, Max, Min } from 'class-validator';
import { MAX_MONEY_MINOR } from '@kam/kernel';
import { CommandInput, MoneyScalar } from '@kam/graphql';

@InputType()
export class SetRepQuotaInput extends CommandInput {
  @Field(() => ID)
  @IsUUID()
  repId!: string;

  @Field({ description: 'Calendar month "YYYY-MM", e.g. "2026-11".' })
  @Matches(/^\d{4}-(0[1-9]|1[0-2])$/, { message: 'month must be a calendar month YYYY-MM, e.g. 2026-11' })
  month!: string;

  /** Integer minor units: the Money scalar has already parsed and range-checked the decimal string. */
  @Field(() => MoneyScalar)
  @IsInt()
  @Min(0)
  @Max(MAX_MONEY_MINOR)
  amount!: number;
}
