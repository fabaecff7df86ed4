import { Field, ID, InputType } from '@nestjs/graphql';
import { IsIn, IsInt, IsOptional, IsString, IsUUID, Length, Max, Min } from 'class-validator';
import { MAX_MONEY_MINOR, SALES_CHANNELS, type SalesChannel } from '@kam/kernel';
import { CommandInput, DateScalar, MoneyScalar, SalesChannelEnum } from '@kam/graphql';

@InputType()
export class OpenDealInput extends CommandInput {
  @Field(() => ID, {
    nullable: true,
    description: 'Id for the new deal (UUID); the server makes one when omitted.',
  })
  @IsOptional()
  @IsUUID()
  dealId?: string | null;

  @Field(() => ID)
  @IsUUID()
  accountId!: string;

  @Field(() => ID, { description: 'The rep who owns the deal.' })
  @IsUUID()
  repId!: string;

  @Field()
  @IsString()
  @Length(1, 200)
  title!: string;

  /** Integer minor units: MoneyScalar has already parsed the decimal string. */
  @Field(() => MoneyScalar)
  @IsInt()
  @Min(0)
  @Max(MAX_MONEY_MINOR)
  value!: number;

  @Field(() => SalesChannelEnum, { nullable: true, description: "Defaults to the rep's current channel." })
  @IsOptional()
  @IsIn(SALES_CHANNELS)
  channel?: SalesChannel | null;

  @Field(() => DateScalar)
  @IsString()
  expectedCloseDate!: string;
}
