import type { Decider } from '../decider';
import { DomainRuleViolation, NotFoundError } from '../domain-error';
import { given } from './given-when-then';

type Event = { type: 'Counted'; data: { by: number } };
type Command = { type: 'Count'; by: number };

/** Counts up; refuses a negative step and anything once the count passed 10. */
const counter: Decider<Command, number, Event> = {
  initialState: () => 0,
  evolve: (state, event) => state + event.data.by,
  decide(command, state) {
    if (state > 10) throw new NotFoundError('Counter', 'c-1');
    if (command.by < 0) throw new DomainRuleViolation('NEGATIVE_STEP', 'steps go up');
    return [{ type: 'Counted', data: { by: command.by } }];
  },
};
const counted = (by: number): Event => ({ type: 'Counted', data: { by } });

describe('given/when/then', () => {
  it('folds the given events before deciding', () => {
    given(counter, [counted(11)])
      .when({ type: 'Count', by: 1 })
      .thenThrows('NOT_FOUND');
    given(counter, [counted(10)])
      .when({ type: 'Count', by: 1 })
      .then([counted(1)]);
  });

  it('matches a rule reason or an error code and returns the error', () => {
    const error = given(counter).when({ type: 'Count', by: -1 }).thenThrows('NEGATIVE_STEP');
    expect(error).toBeInstanceOf(DomainRuleViolation);
    given(counter).when({ type: 'Count', by: -1 }).thenThrows('DOMAIN_RULE_VIOLATED');
  });

  it('fails when other events are emitted', () => {
    expect(() =>
      given(counter)
        .when({ type: 'Count', by: 1 })
        .then([counted(2)]),
    ).toThrow();
  });

  it('fails when the decider emits instead of throwing', () => {
    expect(() => given(counter).when({ type: 'Count', by: 1 }).thenThrows('NEGATIVE_STEP')).toThrow(
      /emitted/,
    );
  });

  it('fails on another reason', () => {
    expect(() => given(counter).when({ type: 'Count', by: -1 }).thenThrows('OTHER_RULE')).toThrow(
      /NEGATIVE_STEP/,
    );
  });
});
