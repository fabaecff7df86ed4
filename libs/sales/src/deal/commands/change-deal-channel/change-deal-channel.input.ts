import { Field, ID, InputType } from '@nestjs/graphql';
import { IsIn, IsUUID } from 'class-validator';
import { SALES_CHANNELS, type SalesChannel } from '@kam/kernel';
import { CommandInput, SalesChannelEnum } from '@kam/graphql';

@InputType()
export class ChangeDealChannelInput extends CommandInput {
  @Field(() => ID)
  @IsUUID()
  dealId!: string;

  @Field(() => SalesChannelEnum)
  @IsIn(SALES_CHANNELS)
  channel!: SalesChannel;
}
