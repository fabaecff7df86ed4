import {
  assertBusinessTime,
  ConflictError,
  EVENT_TYPES,
  eventIdFor,
  isEventType,
  newId,
  ServiceUnavailableError,
  type Decider,
  type DomainEvent,
  type EventMetadata,
} from '@kam/kernel';
import { EventStoreUnavailable, StreamNotFound, WrongExpectedRevision } from '../errors';
import type { EventStore, ExpectedRevision, RecordedEvent } from '../event-store.port';

/** Who asks and how: everything a command brings besides its own fields. */
export interface CommandEnvelope {
  /** Token `sub` of the caller. */
  actor: string;
  /** Idempotency key; a repeat returns the first result and appends nothing. */
  commandId?: string;
  /** Optimistic concurrency from the client; a mismatch is CONFLICT with the actual revision. */
  expectedRevision?: number;
  /** Business time (history import); default: the server clock. */
  occurredAt?: string;
  correlationId?: string;
  causationId?: string;
}

export interface CommandResult {
  id: string;
  /** Stream revision after the write (or the current one when the command changed nothing). */
  revision: number;
  /** Global position of the last event written, or of the stream's last event for a no-op. */
  position: string;
}

export interface LoadedAggregate<State> {
  state: State;
  /** Revision of the stream's last event, or -1 when the stream does not exist. */
  revision: number;
  events: RecordedEvent[];
}

export interface ExecuteOptions<Command> {
  streamId: string;
  aggregateId: string;
  envelope: CommandEnvelope;
  /** Builds the command once the business time is known (cross-aggregate facts loaded by the handler). */
  command: (occurredAt: string) => Command;
  /**
   * The server made the aggregate's id just now (`CommandExecutor.newAggregate(...).fresh`): no
   * stream can carry it yet, so the first attempt folds nothing instead of reading the stream. The
   * append still expects no stream, so were one there, the attempt fails and the next one reads it.
   */
  fresh?: boolean;
}

export interface BoundExecutor<Command, State> {
  execute(options: ExecuteOptions<Command>): Promise<CommandResult>;
  /** The folded state with every event of the stream (uncached: for handlers that need the events). */
  load(streamId: string): Promise<LoadedAggregate<State>>;
  /** The folded state and revision as the log has them now (cached: only the stream's tail is read). */
  loadState(streamId: string): Promise<AggregateState<State>>;
}

export interface AggregateState<State> {
  state: State;
  /** Revision of the stream's last event, or -1 when the stream does not exist. */
  revision: number;
}

export interface CommandExecutorOptions {
  clock?: () => Date;
  /**
   * How many streams' folded states are kept (least recently used first out); 0 turns the cache
   * off. Default 5000.
   */
  cacheSize?: number;
}

/** Bounded retries when another writer got in between read and append and the client gave no revision. */
const MAX_ATTEMPTS = 5;

export const DEFAULT_AGGREGATE_CACHE_SIZE = 5000;

/** Where a command's last event on a stream landed: what a retry of that command answers. */
interface CommandMark {
  revision: number;
  position: string;
}

/**
 * A stream folded up to `revision`, with what execute needs besides the state: the command ids
 * already on the stream (idempotency) and the last event's position and business time. Never
 * mutated once built: a load that finds a longer stream builds a new one.
 */
interface Folded<State> {
  decider: Decider<unknown, State, DomainEvent>;
  state: State;
  revision: number;
  lastPosition: string | undefined;
  lastOccurredAt: string | undefined;
  commands: Map<string, CommandMark>;
}

/**
 * The thin shell around every decider: load the stream, fold, decide, append with the expected
 * revision. Idempotency is read from the stream itself (events carry their `commandId`), so it
 * survives restarts and works the same on SQLite and EventStoreDB; event ids derive from the
 * command id, so even a retried append is dropped by the store.
 */
export class CommandExecutor {
  private readonly clock: () => Date;
  private readonly cacheSize: number;
  /**
   * Folded streams, least recently used first. Safe with other writers (another process, another
   * instance): a load reads the stream's tail after the cached revision unless the store vouches
   * that nothing follows it (EventStore.knownRevision: SQLite knows while no other connection has
   * written), and an append still carries the expected revision, so a stale entry only costs a
   * longer tail read or one more attempt.
   */
  private readonly cache = new Map<string, Folded<unknown>>();

  constructor(
    private readonly store: EventStore,
    options: CommandExecutorOptions | (() => Date) = {},
  ) {
    const opts = typeof options === 'function' ? { clock: options } : options;
    this.clock = opts.clock ?? (() => new Date());
    this.cacheSize = opts.cacheSize ?? DEFAULT_AGGREGATE_CACHE_SIZE;
  }

  /**
   * The id of a new aggregate: the client's, else derived from the command id so retries agree,
   * else a new UUIDv7. `fresh` says it is the last kind: no stream can carry it yet
   * (ExecuteOptions.fresh), which spares reading a stream that is not there.
   */
  static newAggregate(clientId: string | undefined | null, commandId: string | undefined): { id: string; fresh: boolean } {
    if (clientId) return { id: clientId, fresh: false };
    if (commandId) return { id: CommandExecutor.derivedId(`aggregate:${commandId}`), fresh: false };
    return { id: newId(), fresh: true };
  }

  private static derivedId(name: string): string {
    return eventIdFor(name, 0);
  }

  async load<State, Event extends DomainEvent>(
    streamId: string,
    decider: Decider<unknown, State, Event>,
  ): Promise<LoadedAggregate<State>> {
    let events: RecordedEvent[];
    try {
      events = await this.store.readStream(streamId);
    } catch (error) {
      if (error instanceof StreamNotFound) return { state: decider.initialState(), revision: -1, events: [] };
      throw translate(error);
    }
    let state = decider.initialState();
    for (const event of events) state = decider.evolve(state, { type: event.type, data: event.data } as Event);
    return { state, revision: events.length ? events[events.length - 1]!.revision : -1, events };
  }

  /** The folded state and revision of a stream as the log has it now; reads only the tail after a cached fold. */
  async loadState<State, Event extends DomainEvent>(
    streamId: string,
    decider: Decider<unknown, State, Event>,
  ): Promise<AggregateState<State>> {
    const folded = await this.fold(streamId, decider);
    return { state: folded.state, revision: folded.revision };
  }

  /**
   * The stream folded up to its last event: from the cache plus the events after the cached
   * revision, or from the start of the stream.
   */
  private async fold<State, Event extends DomainEvent>(
    streamId: string,
    decider: Decider<unknown, State, Event>,
    trustStore = true,
  ): Promise<Folded<State>> {
    const cached = this.cache.get(streamId) as Folded<State> | undefined;
    const base = cached && cached.decider === (decider as unknown) ? cached : undefined;
    // The store vouches that the stream ends where the fold does: no tail to read.
    if (base && trustStore && this.store.knownRevision?.(streamId) === base.revision) {
      this.touch(streamId, base);
      return base;
    }
    let events: RecordedEvent[] | null;
    try {
      events = await this.readTail(streamId, base ? base.revision + 1 : 0);
    } catch (error) {
      throw translate(error);
    }
    // No stream (yet): nothing worth keeping; a new aggregate is read again after its first append.
    if (events === null) return unborn(decider);
    if (base && events.length === 0) {
      this.touch(streamId, base);
      return base;
    }
    let state = base ? base.state : decider.initialState();
    const commands = base ? new Map(base.commands) : new Map<string, CommandMark>();
    let last: RecordedEvent | undefined;
    for (const event of events) {
      state = decider.evolve(state, { type: event.type, data: event.data } as Event);
      const commandId = event.metadata.commandId;
      if (commandId !== undefined) commands.set(commandId, { revision: event.revision, position: event.position });
      last = event;
    }
    const folded: Folded<State> = {
      decider: decider as Folded<State>['decider'],
      state,
      revision: last ? last.revision : (base?.revision ?? -1),
      lastPosition: last ? last.position : base?.lastPosition,
      lastOccurredAt: last ? last.metadata.occurredAt : base?.lastOccurredAt,
      commands,
    };
    this.remember(streamId, folded);
    return folded;
  }

  /** Events of the stream from `fromRevision` on; null when the stream does not exist. */
  private async readTail(streamId: string, fromRevision: number): Promise<RecordedEvent[] | null> {
    try {
      return await this.store.readStream(streamId, fromRevision > 0 ? { fromRevision } : undefined);
    } catch (error) {
      if (error instanceof StreamNotFound) return null;
      throw error;
    }
  }

  private touch(streamId: string, folded: Folded<unknown>): void {
    if (this.cacheSize <= 0) return;
    this.cache.delete(streamId);
    this.cache.set(streamId, folded);
  }

  private remember(streamId: string, folded: Folded<unknown>): void {
    if (this.cacheSize <= 0) return;
    const current = this.cache.get(streamId);
    // Two loads of one stream in flight: the longer fold wins.
    if (current && current.decider === folded.decider && current.revision > folded.revision) return;
    this.cache.delete(streamId);
    this.cache.set(streamId, folded);
    if (this.cache.size > this.cacheSize) {
      const oldest = this.cache.keys().next().value;
      if (oldest !== undefined) this.cache.delete(oldest);
    }
  }

  /**
   * Binds a decider first, so that a handler's command literal is checked against the decider's
   * concrete command type: `executor.with(teamDecider).execute({...})`.
   */
  with<Command, State, Event extends DomainEvent>(decider: Decider<Command, State, Event>): BoundExecutor<Command, State> {
    return {
      execute: (options) => this.execute(decider, options),
      load: (streamId) => this.load(streamId, decider),
      loadState: (streamId) => this.loadState(streamId, decider),
    };
  }

  async execute<Command, State, Event extends DomainEvent>(
    decider: Decider<Command, State, Event>,
    options: ExecuteOptions<Command>,
  ): Promise<CommandResult> {
    const { streamId, aggregateId, envelope } = options;
    const commandId = envelope.commandId ?? newId();
    for (let attempt = 1; ; attempt++) {
      // After a lost race the tail is read whatever the store believes (or the fresh id suggests).
      const loaded = attempt === 1 && options.fresh ? unborn(decider) : await this.fold(streamId, decider, attempt === 1);
      const previous = loaded.commands.get(commandId);
      if (previous) return { id: aggregateId, revision: previous.revision, position: previous.position };

      if (envelope.expectedRevision !== undefined && envelope.expectedRevision !== loaded.revision) {
        throw new ConflictError(streamId, String(envelope.expectedRevision), nullIfNone(loaded.revision));
      }
      const serverNow = this.clock().toISOString();
      const occurredAt = envelope.occurredAt ? new Date(envelope.occurredAt).toISOString() : serverNow;
      assertBusinessTime(occurredAt, serverNow, loaded.lastOccurredAt);

      const events = decider.decide(options.command(occurredAt), loaded.state);
      if (events.length === 0) {
        return { id: aggregateId, revision: loaded.revision, position: loaded.lastPosition ?? '0' };
      }
      const expected: ExpectedRevision = loaded.revision < 0 ? 'no_stream' : loaded.revision;
      try {
        const result = await this.store.append(
          streamId,
          events.map((event, index) => ({
            id: eventIdFor(commandId, index),
            type: event.type,
            data: event.data,
            metadata: metadataFor(event.type, commandId, envelope, occurredAt),
          })),
          expected,
        );
        return { id: aggregateId, revision: result.nextExpectedRevision, position: result.position };
      } catch (error) {
        if (error instanceof WrongExpectedRevision) {
          if (envelope.expectedRevision === undefined && attempt < MAX_ATTEMPTS) continue;
          throw new ConflictError(streamId, String(envelope.expectedRevision ?? expected), error.actualRevision);
        }
        throw translate(error);
      }
    }
  }
}

function metadataFor(type: string, commandId: string, envelope: CommandEnvelope, occurredAt: string): EventMetadata {
  return {
    commandId,
    correlationId: envelope.correlationId ?? commandId,
    causationId: envelope.causationId ?? commandId,
    actor: envelope.actor,
    occurredAt,
    schemaVersion: isEventType(type) ? EVENT_TYPES[type].schemaVersion : 1,
  };
}

/** The fold of a stream that does not exist. */
function unborn<State>(decider: Decider<unknown, State, DomainEvent>): Folded<State> {
  return {
    decider,
    state: decider.initialState(),
    revision: -1,
    lastPosition: undefined,
    lastOccurredAt: undefined,
    commands: new Map(),
  };
}

function nullIfNone(revision: number): number | null {
  return revision < 0 ? null : revision;
}

function translate(error: unknown): unknown {
  if (error instanceof EventStoreUnavailable) return new ServiceUnavailableError('The event store is unavailable; retry later');
  return error;
}
