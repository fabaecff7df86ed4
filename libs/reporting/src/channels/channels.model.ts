import { Field, Float, Int, ObjectType } from '@nestjs/graphql';
import type { SalesChannel } from '@kam/kernel';
import { DateTimeScalar, MoneyScalar, SalesChannelEnum } from '@kam/graphql';

@ObjectType({ description: "A channel's closed deals in a team over a period." })
export class ChannelPerformance {
  @Field(() => SalesChannelEnum)
  channel!: SalesChannel;
  @Field(() => Int)
  wonCount!: number;
  @Field(() => MoneyScalar)
  wonValue!: number;
  @Field(() => Int)
  lostCount!: number;
  @Field(() => Float, { nullable: true, description: 'won / (won + lost), by count.' })
  winRate!: number | null;
  @Field(() => Float, { nullable: true, description: "This channel's wonValue / all wonValue of the team in the period." })
  share!: number | null;
}

@ObjectType({ description: 'A stretch of time a rep sold through one channel; `to` is null for the current one.' })
export class ChannelSpan {
  @Field(() => SalesChannelEnum)
  channel!: SalesChannel;
  @Field(() => DateTimeScalar)
  from!: string;
  @Field(() => DateTimeScalar, { nullable: true })
  to!: string | null;
}
