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
}

export interface BoundExecutor<Command, State> {
  execute(options: ExecuteOptions<Command>): Promise<CommandResult>;
  load(streamId: string): Promise<LoadedAggregate<State>>;
}

/** Bounded retries when another writer got in between read and append and the client gave no revision. */
const MAX_ATTEMPTS = 5;

/**
 * The thin shell around every decider: load the stream, fold, decide, append with the expected
 * revision. Idempotency is read from the stream itself (events carry their `commandId`), so it
 * survives restarts and works the same on SQLite and EventStoreDB; event ids derive from the
 * command id, so even a retried append is dropped by the store.
 */
export class CommandExecutor {
  constructor(
    private readonly store: EventStore,
    private readonly clock: () => Date = () => new Date(),
  ) {}

  /** The id of a new aggregate: the client's, else derived from the command id so retries agree. */
  static newAggregateId(clientId: string | undefined | null, commandId: string | undefined): string {
    if (clientId) return clientId;
    return commandId ? CommandExecutor.derivedId(`aggregate:${commandId}`) : newId();
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

  /**
   * Binds a decider first, so that a handler's command literal is checked against the decider's
   * concrete command type: `executor.with(teamDecider).execute({...})`.
   */
  with<Command, State, Event extends DomainEvent>(decider: Decider<Command, State, Event>): BoundExecutor<Command, State> {
    return {
      execute: (options) => this.execute(decider, options),
      load: (streamId) => this.load(streamId, decider),
    };
  }

  async execute<Command, State, Event extends DomainEvent>(
    decider: Decider<Command, State, Event>,
    options: ExecuteOptions<Command>,
  ): Promise<CommandResult> {
    const { streamId, aggregateId, envelope } = options;
    const commandId = envelope.commandId ?? newId();
    for (let attempt = 1; ; attempt++) {
      const loaded = await this.load(streamId, decider);
      const previous = findCommand(loaded.events, commandId);
      if (previous) return { id: aggregateId, revision: previous.revision, position: previous.position };

      if (envelope.expectedRevision !== undefined && envelope.expectedRevision !== loaded.revision) {
        throw new ConflictError(streamId, String(envelope.expectedRevision), nullIfNone(loaded.revision));
      }
      const serverNow = this.clock().toISOString();
      const occurredAt = envelope.occurredAt ? new Date(envelope.occurredAt).toISOString() : serverNow;
      const last = loaded.events[loaded.events.length - 1];
      assertBusinessTime(occurredAt, serverNow, last?.metadata.occurredAt);

      const events = decider.decide(options.command(occurredAt), loaded.state);
      if (events.length === 0) {
        return { id: aggregateId, revision: loaded.revision, position: last?.position ?? '0' };
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

/** The last event a command wrote to this stream, if it already ran. */
function findCommand(events: RecordedEvent[], commandId: string): RecordedEvent | undefined {
  for (let i = events.length - 1; i >= 0; i--) {
    if (events[i]!.metadata.commandId === commandId) return events[i];
  }
  return undefined;
}

function nullIfNone(revision: number): number | null {
  return revision < 0 ? null : revision;
}

function translate(error: unknown): unknown {
  if (error instanceof EventStoreUnavailable) return new ServiceUnavailableError('The event store is unavailable; retry later');
  return error;
}
