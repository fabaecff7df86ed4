import { Field, ID, InputType } from '@nestjs/graphql';
import { IsIn, IsOptional, IsString, IsUUID, MaxLength } from 'class-validator';
import { SALES_CHANNELS, type SalesChannel } from '@kam/kernel';
import { CommandInput, SalesChannelEnum } from '@kam/graphql';

@InputType()
export class ChangeRepChannelInput extends CommandInput {
  @Field(() => ID)
  @IsUUID()
  repId!: string;

  @Field(() => SalesChannelEnum)
  @IsIn(SALES_CHANNELS)
  channel!: SalesChannel;

  @Field(() => String, { nullable: true, description: 'Why the rep moves channel (free text).' })
  @IsOptional()
  @IsString()
  @MaxLength(500)
  reason?: string | null;
}
