import { DomainRuleViolation } from './domain-error';

/** How far in the future a command's `occurredAt` may lie (clock skew allowance). */
export const MAX_FUTURE_SKEW_MS = 5 * 60_000;

/**
 * The contract's rule on business time, shared by every decider: `occurredAt` is at most five
 * minutes after the server clock and never earlier than the stream's last event.
 */
export function assertBusinessTime(occurredAt: string, serverNow: string, lastOccurredAt: string | undefined): void {
  const at = Date.parse(occurredAt);
  if (at - Date.parse(serverNow) > MAX_FUTURE_SKEW_MS) {
    throw new DomainRuleViolation('OCCURRED_IN_FUTURE', `occurredAt ${occurredAt} is more than 5 minutes in the future`);
  }
  if (lastOccurredAt !== undefined && at < Date.parse(lastOccurredAt)) {
    throw new DomainRuleViolation(
      'OCCURRED_BEFORE_STREAM',
      `occurredAt ${occurredAt} is earlier than the stream's last event (${lastOccurredAt})`,
    );
  }
}
