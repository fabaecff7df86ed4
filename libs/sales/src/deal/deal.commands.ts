import type { DealStage, LossReason, MinorUnits, SalesChannel } from '@kam/kernel';

/**
 * Commands of the Deal aggregate. Money is integer minor units (`…Minor`), dates are `YYYY-MM-DD`,
 * `occurredAt` is business time (ISO-8601 UTC; its own rule is checked by the command executor).
 * Cross-aggregate facts (account, reps) are loaded by the handler and passed in; `null` = not found.
 */
export interface OpenDeal {
  type: 'OpenDeal';
  dealId: string;
  accountId: string;
  repId: string;
  title: string;
  valueMinor: MinorUnits;
  /** Defaults to the rep's current channel. */
  channel?: SalesChannel | null;
  expectedCloseDate: string;
  account: { exists: true } | null;
  rep: { active: boolean; channel: SalesChannel } | null;
  occurredAt: string;
}

export interface AdvanceDeal {
  type: 'AdvanceDeal';
  dealId: string;
  /** Open stages only; WON/LOST go through WinDeal/LoseDeal. */
  stage: DealStage;
  occurredAt: string;
}

export interface ReviseDealValue {
  type: 'ReviseDealValue';
  dealId: string;
  valueMinor: MinorUnits;
  reason?: string | null;
  occurredAt: string;
}

export interface RescheduleDeal {
  type: 'RescheduleDeal';
  dealId: string;
  expectedCloseDate: string;
  occurredAt: string;
}

export interface ReassignDeal {
  type: 'ReassignDeal';
  dealId: string;
  repId: string;
  /** The rep `repId` names, as the handler found it. */
  targetRep: { active: boolean } | null;
  /**
   * Set by an offboarding handing this rep's deals over: the move applies only while the deal is
   * still open and still this rep's. A deal won, lost or reassigned since the offboarding listed it
   * is left where it is (no event, no refusal), so the offboarding neither stops half way nor takes
   * another rep's deal.
   */
  handOverFrom?: string;
  occurredAt: string;
}

export interface ChangeDealChannel {
  type: 'ChangeDealChannel';
  dealId: string;
  channel: SalesChannel;
  occurredAt: string;
}

export interface RecordCompetitor {
  type: 'RecordCompetitor';
  dealId: string;
  competitor: string;
  occurredAt: string;
}

export interface WinDeal {
  type: 'WinDeal';
  dealId: string;
  /** Defaults to the deal's current value. */
  wonValueMinor?: MinorUnits | null;
  contractNumber?: string | null;
  occurredAt: string;
}

export interface LoseDeal {
  type: 'LoseDeal';
  dealId: string;
  reason: LossReason;
  competitor?: string | null;
  occurredAt: string;
}

export interface RecordFulfilment {
  type: 'RecordFulfilment';
  dealId: string;
  amountMinor: MinorUnits;
  note?: string | null;
  occurredAt: string;
}

export type DealCommand =
  | OpenDeal
  | AdvanceDeal
  | ReviseDealValue
  | RescheduleDeal
  | ReassignDeal
  | ChangeDealChannel
  | RecordCompetitor
  | WinDeal
  | LoseDeal
  | RecordFulfilment;
