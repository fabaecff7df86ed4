import { Field, ID, InputType, Int, ObjectType } from '@nestjs/graphql';
import { Type } from 'class-transformer';
import { IsBoolean, IsIn, IsOptional, IsString, MaxLength, ValidateNested } from 'class-validator';
import { DEAL_STAGES, SALES_CHANNELS, type DealStage, type LossReason, type SalesChannel } from '@kam/kernel';
import {
  Connection,
  DateScalar,
  DateTimeScalar,
  DealStageEnum,
  LossReasonEnum,
  MoneyScalar,
  SalesChannelEnum,
} from '@kam/graphql';
import { PeriodInput } from '../../kpis/common/period.input';
import type { DealRow } from './deals.projection';

@ObjectType('Deal', { description: 'A sales opportunity on an account, owned by one rep.' })
export class DealModel {
  @Field(() => ID)
  id!: string;
  @Field(() => Int, {
    description: 'Revision of the deal stream at the last event applied (as of `asOf` when asked).',
  })
  revision!: number;
  @Field()
  title!: string;
  @Field(() => ID)
  accountId!: string;
  @Field(() => ID)
  repId!: string;
  @Field(() => ID, {
    description: "The owning rep's team: follows the rep while open, as it was at close once closed.",
  })
  teamId!: string;
  @Field(() => SalesChannelEnum)
  channel!: SalesChannel;
  @Field(() => DealStageEnum)
  stage!: DealStage;
  @Field(() => MoneyScalar, { description: 'Current value (at loss for a lost deal).' })
  value!: number;
  @Field(() => MoneyScalar, { nullable: true })
  wonValue!: number | null;
  @Field(() => DateScalar)
  expectedCloseDate!: string;
  @Field(() => DateTimeScalar)
  openedAt!: string;
  @Field(() => DateTimeScalar, { nullable: true })
  closedAt!: string | null;
  @Field(() => LossReasonEnum, { nullable: true })
  lossReason!: LossReason | null;
  @Field(() => [String])
  competitors!: string[];
  @Field(() => MoneyScalar)
  fulfilledValue!: number;
}

/** Money stays in minor units: the Money scalar formats them ("1250.00"). */
export function toDealModel(row: DealRow): DealModel {
  return {
    id: row.id,
    revision: row.revision,
    title: row.title,
    accountId: row.accountId,
    repId: row.repId,
    teamId: row.teamId ?? '',
    channel: row.channel,
    stage: row.stage,
    value: row.valueMinor,
    wonValue: row.wonValueMinor,
    expectedCloseDate: row.expectedCloseDate,
    openedAt: row.openedAt,
    closedAt: row.closedAt,
    lossReason: row.lossReason,
    competitors: row.competitors,
    fulfilledValue: row.fulfilledMinor,
  };
}

export const DealConnection = Connection(DealModel, 'Deal');

@InputType('DealFilter')
export class DealFilterInput {
  @Field(() => ID, {
    nullable: true,
    description: "Deals of this team (the owner's team; as at close for closed deals).",
  })
  @IsOptional()
  @IsString()
  @MaxLength(200)
  teamId?: string | null;

  @Field(() => ID, { nullable: true })
  @IsOptional()
  @IsString()
  @MaxLength(200)
  repId?: string | null;

  @Field(() => ID, { nullable: true })
  @IsOptional()
  @IsString()
  @MaxLength(200)
  accountId?: string | null;

  @Field(() => DealStageEnum, { nullable: true })
  @IsOptional()
  @IsIn(DEAL_STAGES)
  stage?: DealStage | null;

  @Field(() => SalesChannelEnum, { nullable: true })
  @IsOptional()
  @IsIn(SALES_CHANNELS)
  channel?: SalesChannel | null;

  @Field(() => Boolean, {
    nullable: true,
    description: 'true: open deals only; false: closed (won or lost) only.',
  })
  @IsOptional()
  @IsBoolean()
  open?: boolean | null;

  @Field(() => PeriodInput, {
    nullable: true,
    description: 'Deals closed (won or lost) within these dates (UTC, inclusive).',
  })
  @IsOptional()
  @ValidateNested()
  @Type(() => PeriodInput)
  closedIn?: PeriodInput | null;

  @Field(() => DateTimeScalar, {
    nullable: true,
    description:
      'Deals changed at or after this instant, by when the change was recorded (not business time), so an incremental pull misses no back-dated import.',
  })
  @IsOptional()
  @IsString()
  updatedSince?: string | null;
}
