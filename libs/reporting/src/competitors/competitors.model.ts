import { Field, Float, Int, ObjectType } from '@nestjs/graphql';
import { MoneyScalar } from '@kam/graphql';

@ObjectType({ description: 'One competitor over the deals closed in the period on which it was recorded.' })
export class CompetitorStats {
  @Field({ description: 'The first spelling recorded; names group case-insensitively.' })
  competitor!: string;
  @Field(() => Int, { description: 'Won deals it was on.' })
  wonAgainst!: number;
  @Field(() => Int, { description: 'Lost deals whose DealLost named it.' })
  lostTo!: number;
  @Field(() => MoneyScalar, { description: 'Σ value at loss of the deals lost to it.' })
  valueLostTo!: number;
  @Field(() => Int, { description: 'Lost deals it was on (lost to it or to anything else).' })
  lostAgainst!: number;
  @Field(() => Float, { nullable: true, description: 'wonAgainst / (wonAgainst + lostAgainst).' })
  winRateAgainst!: number | null;
}

