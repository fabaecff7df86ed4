/**
 * A decider (Emmett / Jérémie Chassaing's pattern): pure functions, no I/O, the clock on the command.
 * `decide` returns the events a command causes (or throws a typed KamError); `evolve` folds one
 * event into the state.
 */
export interface Decider<Command, State, Event> {
  decide(command: Command, state: State): Event[];
  evolve(state: State, event: Event): State;
  initialState(): State;
}

/** What every event is: a stable `type` string and plain data. */
export interface DomainEvent<Type extends string = string, Data = unknown> {
  type: Type;
  data: Data;
}

/** Fields every command carries to its decider: business time and who asks. */
export interface CommandContext {
  /** Business time of the command (`occurredAt`, default now), ISO-8601 UTC. */
  now: string;
}

export function fold<State, Event>(decider: Decider<unknown, State, Event>, events: Iterable<Event>): State {
  let state = decider.initialState();
  for (const event of events) state = decider.evolve(state, event);
  return state;
}

/** Compile-time exhaustiveness: every `switch` over a union ends here. */
export function assertNever(value: never): never {
  throw new Error(`Unhandled case: ${JSON.stringify(value)}`);
}
