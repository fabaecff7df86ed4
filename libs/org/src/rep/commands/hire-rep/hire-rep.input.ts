import { Field, ID, InputType } from '@nestjs/graphql';
import { IsEmail, IsIn, IsNotEmpty, IsOptional, IsString, IsUUID, MaxLength } from 'class-validator';
import { SALES_CHANNELS, type SalesChannel } from '@kam/kernel';
import { CommandInput, SalesChannelEnum } from '@kam/graphql';

@InputType()
export class HireRepInput extends CommandInput {
  @Field(() => ID, {
    nullable: true,
    description: 'Id for the new rep (UUID); the server makes one when omitted.',
  })
  @IsOptional()
  @IsUUID()
  repId?: string;

  @Field()
  @IsString()
  @IsNotEmpty()
  @MaxLength(200)
  name!: string;

  @Field()
  @IsEmail()
  @MaxLength(254)
  email!: string;

  @Field(() => ID)
  @IsUUID()
  teamId!: string;

  @Field(() => SalesChannelEnum)
  @IsIn(SALES_CHANNELS)
  channel!: SalesChannel;
}
