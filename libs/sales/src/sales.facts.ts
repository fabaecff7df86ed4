import { streamIdOf, type SalesChannel } from '@kam/kernel';
import type { CommandExecutor } from '@kam/event-store';
import { repDecider } from '@kam/org';
import { accountDecider } from './account/account.decider';

/** A rep as the sales deciders need to see it; `null` = no such rep. */
export type RepFact = { active: boolean; channel: SalesChannel } | null;

/**
 * Cross-aggregate facts the sales handlers hand to their deciders. They are read from the other
 * aggregate's own stream (Org publishes `repDecider` for that), so the decision sees the rep as
 * the log has it now, not as a possibly lagging read model.
 */
export async function loadRepFact(executor: CommandExecutor, repId: string): Promise<RepFact> {
  const { state } = await executor.with(repDecider).loadState(streamIdOf('rep', repId));
  return state.exists ? { active: state.active, channel: state.channel } : null;
}

export async function loadAccountFact(
  executor: CommandExecutor,
  accountId: string,
): Promise<{ exists: true } | null> {
  const { state } = await executor.with(accountDecider).loadState(streamIdOf('account', accountId));
  return state.exists ? { exists: true } : null;
}
