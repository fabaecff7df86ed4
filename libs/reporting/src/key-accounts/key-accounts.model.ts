import { Field, Float, ID, Int, ObjectType } from '@nestjs/graphql';
import { KeyAccountTierEnum, MoneyScalar } from '@kam/graphql';
import { AccountModel } from '../entities/accounts/account.model';

export type KeyAccountTier = keyof typeof KeyAccountTierEnum;

@ObjectType({ description: 'One account with won revenue in the period, by rank.' })
export class KeyAccountRow {
  @Field(() => Int)
  rank!: number;
  @Field(() => ID)
  accountId!: string;
  @Field(() => AccountModel, { nullable: true, description: 'The account now; null when outside your scope.' })
  account?: AccountModel | null;
  @Field(() => MoneyScalar)
  revenue!: number;
  @Field(() => Float, { description: 'revenue / totalRevenue.' })
  share!: number;
  @Field(() => Float, { description: 'Share of this account and every account ranked above it.' })
  cumulativeShare!: number;
  @Field(() => KeyAccountTierEnum)
  tier!: KeyAccountTier;
}

@ObjectType({ description: 'Accounts ranked by won revenue in a period (ABC / 80-20 analysis).' })
export class KeyAccountReport {
  @Field(() => MoneyScalar)
  totalRevenue!: number;
  @Field(() => Float, { nullable: true, description: 'Herfindahl-Hirschman index: Σ share², null without revenue.' })
  hhi!: number | null;
  @Field(() => [KeyAccountRow], { description: 'Accounts with revenue > 0, by rank.' })
  accounts!: KeyAccountRow[];
}
