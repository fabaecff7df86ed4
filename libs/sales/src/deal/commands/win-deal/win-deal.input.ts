import { Field, ID, InputType } from '@nestjs/graphql';
import { IsInt, IsOptional, IsString, IsUUID, Max, MaxLength, Min } from 'class-validator';
import { MAX_MONEY_MINOR } from '@kam/kernel';
import { CommandInput, MoneyScalar } from '@kam/graphql';

@InputType()
export class WinDealInput extends CommandInput {
  @Field(() => ID)
  @IsUUID()
  dealId!: string;

  /** Integer minor units: MoneyScalar has already parsed the decimal string. */
  @Field(() => MoneyScalar, { nullable: true, description: 'Defaults to the deal value.' })
  @IsOptional()
  @IsInt()
  @Min(0)
  @Max(MAX_MONEY_MINOR)
  wonValue?: number | null;

  @Field(() => String, { nullable: true })
  @IsOptional()
  @IsString()
  @MaxLength(100)
  contractNumber?: string | null;
}
