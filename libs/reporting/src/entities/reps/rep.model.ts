import { Field, ID, InputType, Int, ObjectType } from '@nestjs/graphql';
import { IsBoolean, IsIn, IsOptional, IsString, MaxLength } from 'class-validator';
import { SALES_CHANNELS, type SalesChannel } from '@kam/kernel';
import { Connection, DateTimeScalar, SalesChannelEnum } from '@kam/graphql';

@ObjectType('Rep', { description: 'A sales representative.' })
export class RepModel {
  @Field(() => ID)
  id!: string;
  @Field(() => Int, {
    description: 'Revision of the rep stream at the last event applied (as of `asOf` when asked).',
  })
  revision!: number;
  @Field()
  name!: string;
  @Field()
  email!: string;
  @Field(() => ID)
  teamId!: string;
  @Field(() => SalesChannelEnum)
  channel!: SalesChannel;
  @Field({ description: 'False once offboarded.' })
  active!: boolean;
  @Field(() => DateTimeScalar, { description: 'Business time of RepHired.' })
  hiredAt!: string;
}

export const RepConnection = Connection(RepModel, 'Rep');

@InputType('RepFilter')
export class RepFilterInput {
  @Field(() => ID, { nullable: true, description: 'Reps currently in this team.' })
  @IsOptional()
  @IsString()
  @MaxLength(200)
  teamId?: string | null;

  @Field(() => SalesChannelEnum, { nullable: true })
  @IsOptional()
  @IsIn(SALES_CHANNELS)
  channel?: SalesChannel | null;

  @Field(() => Boolean, { nullable: true })
  @IsOptional()
  @IsBoolean()
  active?: boolean | null;
}
