import { type Decider, fold } from '../decider';
import { DomainRuleViolation, KamError } from '../domain-error';

/**
 * Decider tests that read as the rule they check (Emmett style):
 *
 *   given(repDecider, [hired]).when(offboard).then([offboarded]);
 *   given(repDecider, [hired]).when(offboard).thenThrows('REP_HAS_OPEN_DEALS');
 *   given(repDecider, []).when(transfer).thenThrows('NOT_FOUND');
 *
 * `thenThrows` accepts a DomainRuleViolation `reason` or any KamError `code` and returns the
 * error, so a test can look closer (entity, id, message).
 */
export function given<Command, State, Event>(decider: Decider<Command, State, Event>, events: Event[] = []) {
  return {
    when(command: Command) {
      const decide = (): Event[] => decider.decide(command, fold(decider, events));
      return {
        then(expected: Event[]): void {
          expect(decide()).toEqual(expected);
        },
        thenThrows(reasonOrCode: string): KamError {
          let emitted: Event[] | undefined;
          let error: unknown;
          try {
            emitted = decide();
          } catch (thrown) {
            error = thrown;
          }
          if (emitted !== undefined) {
            throw new Error(`Expected ${reasonOrCode}, but the decider emitted ${JSON.stringify(emitted)}`);
          }
          if (!(error instanceof KamError)) throw error;
          const reason = error instanceof DomainRuleViolation ? error.reason : undefined;
          const actual =
            reason === reasonOrCode || error.code === reasonOrCode ? reasonOrCode : (reason ?? error.code);
          expect(actual).toBe(reasonOrCode);
          return error;
        },
      };
    },
  };
}
