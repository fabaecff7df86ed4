import type { DealStage, DomainEvent, LossReason, MinorUnits, OpenDealStage, SalesChannel } from '@kam/kernel';

/** Money fields are integer minor units (suffix `Minor`); dates are `YYYY-MM-DD`. */
export type DealOpened = DomainEvent<
  'DealOpened',
  {
    dealId: string;
    accountId: string;
    repId: string;
    title: string;
    valueMinor: MinorUnits;
    channel: SalesChannel;
    expectedCloseDate: string;
    stage: 'PROSPECTING';
  }
>;
export type DealStageChanged = DomainEvent<
  'DealStageChanged',
  { dealId: string; fromStage: OpenDealStage; stage: OpenDealStage }
>;
export type DealValueRevised = DomainEvent<
  'DealValueRevised',
  { dealId: string; fromValueMinor: MinorUnits; valueMinor: MinorUnits; reason: string | null }
>;
export type DealRescheduled = DomainEvent<
  'DealRescheduled',
  { dealId: string; fromExpectedCloseDate: string; expectedCloseDate: string }
>;
export type DealReassigned = DomainEvent<'DealReassigned', { dealId: string; fromRepId: string; repId: string }>;
export type DealChannelChanged = DomainEvent<
  'DealChannelChanged',
  { dealId: string; fromChannel: SalesChannel; channel: SalesChannel }
>;
export type CompetitorRecorded = DomainEvent<'CompetitorRecorded', { dealId: string; competitor: string }>;
/** `closedAt` of a won deal is the event's `occurredAt`. */
export type DealWon = DomainEvent<
  'DealWon',
  { dealId: string; fromStage: OpenDealStage; wonValueMinor: MinorUnits; contractNumber: string | null }
>;
/** `valueMinor` is the deal value at loss; `closedAt` is the event's `occurredAt`. */
export type DealLost = DomainEvent<
  'DealLost',
  { dealId: string; fromStage: OpenDealStage; reason: LossReason; competitor: string | null; valueMinor: MinorUnits }
>;
/** `cumulativeMinor` is the fulfilled total including this record; it never exceeds the won value. */
export type FulfilmentRecorded = DomainEvent<
  'FulfilmentRecorded',
  { dealId: string; amountMinor: MinorUnits; cumulativeMinor: MinorUnits; note: string | null }
>;

export type DealEvent =
  | DealOpened
  | DealStageChanged
  | DealValueRevised
  | DealRescheduled
  | DealReassigned
  | DealChannelChanged
  | CompetitorRecorded
  | DealWon
  | DealLost
  | FulfilmentRecorded;

export type { DealStage };
