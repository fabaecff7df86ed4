import { Field, ID, InputType } from '@nestjs/graphql';
import { IsInt, IsOptional, IsString, IsUUID, Max, MaxLength, Min } from 'class-validator';
import { MAX_MONEY_MINOR } from '@kam/kernel';
import { CommandInput, MoneyScalar } from '@kam/graphql';

@InputType()
export class ReviseDealValueInput extends CommandInput {
  @Field(() => ID)
  @IsUUID()
  dealId!: string;

  /** Integer minor units: MoneyScalar has already parsed the decimal string. */
  @Field(() => MoneyScalar)
  @IsInt()
  @Min(0)
  @Max(MAX_MONEY_MINOR)
  value!: number;

  @Field(() => String, { nullable: true })
  @IsOptional()
  @IsString()
  @MaxLength(1000)
  reason?: string | null;
}
