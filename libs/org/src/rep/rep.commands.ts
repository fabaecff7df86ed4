import type { MinorUnits, SalesChannel } from '@kam/kernel';

/**
 * Commands of the Rep aggregate; `occurredAt` is the business time (ISO-8601 UTC). Facts about
 * other aggregates (the target team, the rep's open deals, the reassignment target) are loaded by
 * the command handler and travel in the command, so the decider enforces the rule purely.
 */
export interface HireRep {
  type: 'HireRep';
  repId: string;
  name: string;
  email: string;
  teamId: string;
  channel: SalesChannel;
  /** The team `teamId` as the handler found it. */
  team: { exists: boolean };
  occurredAt: string;
}

export interface TransferRep {
  type: 'TransferRep';
  repId: string;
  teamId: string;
  /** The target team `teamId` as the handler found it. */
  team: { exists: boolean };
  occurredAt: string;
}

export interface ChangeRepChannel {
  type: 'ChangeRepChannel';
  repId: string;
  channel: SalesChannel;
  reason?: string | null;
  occurredAt: string;
}

export interface SetRepQuota {
  type: 'SetRepQuota';
  repId: string;
  /** Calendar month "YYYY-MM". */
  month: string;
  amountMinor: MinorUnits;
  occurredAt: string;
}

export interface OffboardRep {
  type: 'OffboardRep';
  repId: string;
  reassignOpenDealsTo?: string | null;
  /** Ids of the open deals this rep owns (the handler reassigns them after the rep is offboarded). */
  openDealIds: string[];
  /**
   * The rep named by `reassignOpenDealsTo` as the handler found it; null when no target was
   * asked for, or when the target does not exist (then the decider answers NOT_FOUND).
   */
  reassignTarget: { active: boolean; isSameRep: boolean } | null;
  occurredAt: string;
}

export type RepCommand = HireRep | TransferRep | ChangeRepChannel | SetRepQuota | OffboardRep;
