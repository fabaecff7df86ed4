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
   * Reassigns one deal on behalf of a command (the offboarding) whose id is `envelope.commandId`.
   * The implementation derives the deal's own command id from it and the deal id, never reusing it
   * as is (event ids derive from command ids and must differ across deals), so a repeat with the
   * same envelope appends nothing; `envelope.expectedRevision` belongs to the caller's stream and
   * is ignored.
   */
  reassignDeal(dealId: string, toRepId: string, envelope: CommandEnvelope): Promise<CommandResult>;
}

/** Dependency-injection token of the RepDealsPort (a plain string: org stays free of sales). */
export const REP_DEALS_PORT = 'kam:RepDealsPort';
