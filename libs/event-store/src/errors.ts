/** Typed errors of the event-store port; adapters translate their native errors to these. */
export class WrongExpectedRevision extends Error {
  constructor(
    readonly streamId: string,
    readonly expected: string,
    /** Revision of the stream's last event, or null when the stream does not exist. */
    readonly actualRevision: number | null,
  ) {
    super(`Stream ${streamId}: expected revision ${expected}, actual ${actualRevision ?? 'no stream'}`);
    this.name = 'WrongExpectedRevision';
  }
}

export class StreamNotFound extends Error {
  constructor(readonly streamId: string) {
    super(`Stream ${streamId} not found`);
    this.name = 'StreamNotFound';
  }
}

/**
 * A StreamNotFound without a stack trace, for adapters: every read of a new aggregate's stream
 * ends in one, and capturing the stack cost more than the read itself.
 */
export function streamNotFound(streamId: string): StreamNotFound {
  const limit = Error.stackTraceLimit;
  Error.stackTraceLimit = 0;
  try {
    return new StreamNotFound(streamId);
  } finally {
    Error.stackTraceLimit = limit;
  }
}

export class EventTooLarge extends Error {
  constructor(
    readonly streamId: string,
    readonly bytes: number,
    readonly limit: number,
  ) {
    super(`Event for ${streamId} is ${bytes} bytes; the limit is ${limit}`);
    this.name = 'EventTooLarge';
  }
}

export class EventStoreUnavailable extends Error {
  constructor(message: string, override readonly cause?: unknown) {
    super(message);
    this.name = 'EventStoreUnavailable';
  }
}

/**
 * An append carried an event id that is already stored, and not as a retry of this append
 * (another stream holds it, or the batch repeats an id). Nothing was written.
 */
export class DuplicateEventId extends Error {
  constructor(
    readonly streamId: string,
    readonly eventId: string,
    /** Stream that already holds the id, or null when the batch itself repeats it. */
    readonly storedInStreamId: string | null,
  ) {
    super(
      storedInStreamId === null
        ? `Append to ${streamId} repeats event id ${eventId}`
        : `Event id ${eventId} for ${streamId} is already stored in ${storedInStreamId}`,
    );
    this.name = 'DuplicateEventId';
  }
}
