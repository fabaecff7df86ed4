import {
  ANY,
  AccessDeniedError,
  CancelledError,
  DeadlineExceededError,
  NO_STREAM,
  NotLeaderError,
  STREAM_EXISTS,
  StreamNotFoundError,
  TimeoutError,
  UnavailableError,
  type AppendExpectedRevision,
  type Position,
  type RecordedEvent as EsdbRecordedEvent,
} from '@eventstore/db-client';
import type { EventMetadata } from '@kam/kernel';
import { EventStoreUnavailable, streamNotFound } from '../errors';
import type { EventFilter, ExpectedRevision, RecordedEvent } from '../event-store.port';
import type { UpcasterRegistry } from '../upcasters';

/**
 * Translations between the port's vocabulary and the EventStoreDB client's: revisions (numbers ↔
 * bigints), positions ("commit:prepare" ↔ `{ commit, prepare }`), recorded events and errors.
 */

export function toExpectedRevision(expected: ExpectedRevision): AppendExpectedRevision {
  switch (expected) {
    case 'any':
      return ANY;
    case 'no_stream':
      return NO_STREAM;
    case 'stream_exists':
      return STREAM_EXISTS;
    default:
      if (!Number.isSafeInteger(expected) || expected < 0) {
        throw new RangeError(`Expected revision must be a non-negative integer, not ${expected}`);
      }
      return BigInt(expected);
  }
}

export function formatPosition(position: Position): string {
  return `${position.commit}:${position.prepare}`;
}

const POSITION = /^(\d{1,20})(?::(\d{1,20}))?$/;

/**
 * "commit:prepare" to the client's position. A single number is read as commit = prepare, so a
 * cursor saved as "0" (the start) still means "from the beginning".
 */
export function parsePosition(position: string): Position {
  const match = POSITION.exec(position);
  if (!match)
    throw new RangeError(`${JSON.stringify(position)} is not an EventStoreDB position ("commit:prepare")`);
  const commit = BigInt(match[1]!);
  return { commit, prepare: match[2] === undefined ? commit : BigInt(match[2]) };
}

export function validateMaxCount(maxCount: number | undefined): number | undefined {
  if (maxCount === undefined) return undefined;
  if (!Number.isSafeInteger(maxCount) || maxCount < 0) {
    throw new RangeError(`maxCount must be a non-negative integer, not ${maxCount}`);
  }
  return maxCount;
}

/** Events the server writes for itself ($stats, $scavenges, $metadata, projections' links …). */
export function isSystemEvent(event: { type: string; streamId: string }): boolean {
  return event.type.startsWith('$') || event.streamId.startsWith('$');
}

/** An empty prefix list means "no filter on that dimension", as for the SQLite store. */
export function nonEmpty(prefixes: string[] | undefined): string[] | undefined {
  return prefixes && prefixes.length > 0 ? prefixes.slice() : undefined;
}

export function copyFilter(filter: EventFilter | undefined): EventFilter {
  return {
    eventTypePrefixes: nonEmpty(filter?.eventTypePrefixes),
    streamPrefixes: nonEmpty(filter?.streamPrefixes),
  };
}

/** Both dimensions must match when both are given. */
export function matchesFilter(filter: EventFilter, event: { type: string; streamId: string }): boolean {
  const types = filter.eventTypePrefixes;
  if (types && !types.some((p) => event.type.startsWith(p))) return false;
  const streams = filter.streamPrefixes;
  if (streams && !streams.some((p) => event.streamId.startsWith(p))) return false;
  return true;
}

export function serializedSize(data: unknown, metadata: unknown): number {
  return Buffer.byteLength(JSON.stringify(data ?? null)) + Buffer.byteLength(JSON.stringify(metadata));
}

export function toRecordedEvent(
  event: EsdbRecordedEvent,
  upcasters: UpcasterRegistry | undefined,
): RecordedEvent {
  if (!event.position) {
    // Servers since 20.6 send positions on every read; without one the event cannot be a cursor.
    throw new Error(`EventStoreDB sent event ${event.id} of ${event.streamId} without a position`);
  }
  const recorded: RecordedEvent = {
    id: event.id,
    streamId: event.streamId,
    revision: Number(event.revision),
    position: formatPosition(event.position),
    type: event.type,
    data: event.data,
    metadata: (isPlainObject(event.metadata) ? event.metadata : {}) as EventMetadata,
    recordedAt: event.created,
  };
  return upcasters ? upcasters.apply(recorded) : recorded;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return (
    typeof value === 'object' && value !== null && !Array.isArray(value) && !(value instanceof Uint8Array)
  );
}

/** gRPC status codes (numbers, so production code does not import @grpc/grpc-js directly). */
const GRPC_CANCELLED = 1;
const GRPC_DEADLINE_EXCEEDED = 4;
const GRPC_UNAVAILABLE = 14;

/** Whether an error means "the store did not answer" (down, unreachable, dropped connection, timeout, no leader). */
export function isUnavailable(error: unknown): boolean {
  if (
    error instanceof UnavailableError ||
    error instanceof DeadlineExceededError ||
    error instanceof CancelledError ||
    error instanceof TimeoutError ||
    error instanceof NotLeaderError
  ) {
    return true;
  }
  if (typeof error !== 'object' || error === null) return false;
  const { code, message } = error as { code?: unknown; message?: unknown };
  if (code === GRPC_UNAVAILABLE || code === GRPC_DEADLINE_EXCEEDED) return true;
  if (code === GRPC_CANCELLED && !String(message).includes('Cancelled on client')) return true;
  const text = String(message ?? '');
  return /ECONNREFUSED|ECONNRESET|Channel has been shut down|Connection dropped|No connection established/.test(
    text,
  );
}

/** Port errors whose call never got an answer because no server was reachable (not timeouts): worth repeating. */
export function isRetryable(error: unknown): boolean {
  if (!(error instanceof EventStoreUnavailable)) return false;
  const cause = error.cause;
  if (cause instanceof UnavailableError) return true;
  return (
    typeof cause === 'object' && cause !== null && (cause as { code?: unknown }).code === GRPC_UNAVAILABLE
  );
}

/** Errors a subscription must give up on instead of resubscribing. */
export function isPermanent(error: unknown): boolean {
  return error instanceof AccessDeniedError || error instanceof RangeError;
}

/** The client's errors as the port's; anything unknown passes through unchanged. */
export function toPortError(error: unknown, streamId?: string): unknown {
  if (error instanceof StreamNotFoundError) return streamNotFound(streamId ?? error.streamName);
  if (isUnavailable(error)) {
    const message = error instanceof Error ? error.message : String(error);
    return new EventStoreUnavailable(`EventStoreDB is unavailable: ${message}`, error);
  }
  return error;
}
