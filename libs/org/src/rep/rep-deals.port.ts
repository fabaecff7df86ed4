import type { CommandEnvelope, CommandResult } from '@kam/event-store';

/**
 * What offboarding needs from the sales context, as a port owned by org: sales already depends on
 * `@kam/org` (its deciders check reps), so org may not import sales back. The API binds this token
 * to the sales context's implementation.
 */
export interface RepDealsPort {
  /** Ids of the deals this rep owns that are still open. */
  openDealIds(repId: string): Promise<string[]>;
  /**
   * Hands one deal of `fromRepId` over to `toRepId` on behalf of a command (the offboarding) whose
   * id is `envelope.commandId`. A deal that is no longer open or no longer `fromRepId`'s when the
   * hand-over runs is left as it is, without an error: the offboarding listed it a moment earlier.
   * The implementation derives the deal's own command id from it and the deal id, never reusing it
   * as is (event ids derive from command ids and must differ across deals), so a repeat with the
   * same envelope appends nothing; `envelope.expectedRevision` belongs to the caller's stream and
   * is ignored.
   */
  reassignDeal(dealId: string, fromRepId: string, toRepId: string, envelope: CommandEnvelope): Promise<CommandResult>;
}

/** Dependency-injection token of the RepDealsPort (a plain string: org stays free of sales). */
export const REP_DEALS_PORT = 'kam:RepDealsPort';
