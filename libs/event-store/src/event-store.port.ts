import type { EventMetadata } from '@kam/kernel';

/**
 * The one interface the rest of the code sees for the log. Two adapters implement it:
 * embedded SQLite (default) and EventStoreDB/KurrentDB (`EVENTSTORE_URL`).
 *
 * Revisions are 0-based per stream (the revision of the stream's last event). Positions are
 * opaque strings, totally ordered by `comparePositions`; clients hand them back as cursors.
 */
export type ExpectedRevision = 'any' | 'no_stream' | 'stream_exists' | number;

export interface NewEvent {
  /** UUID; a retried append with the same id is not stored twice. */
  id: string;
  type: string;
  data: unknown;
  metadata: EventMetadata;
}

export interface RecordedEvent<Data = unknown> {
  id: string;
  streamId: string;
  revision: number;
  position: string;
  type: string;
  data: Data;
  metadata: EventMetadata;
  /** When the store recorded it (not business time; that is `metadata.occurredAt`). */
  recordedAt: Date;
}

export interface AppendResult {
  /** Revision of the stream's last event after the append. */
  nextExpectedRevision: number;
  /** Global position of the last event written (or of the already-stored duplicate). */
  position: string;
}

export interface ReadStreamOptions {
  direction?: 'forwards' | 'backwards';
  /** Inclusive start revision; default the start (forwards) or the end (backwards). */
  fromRevision?: number;
  maxCount?: number;
}

export interface ReadAllOptions {
  direction?: 'forwards' | 'backwards';
  /** Exclusive: events strictly after (forwards) or before (backwards) this position. Omitted: from the start/end. */
  fromPosition?: string;
  maxCount?: number;
  filter?: EventFilter;
}

export interface EventFilter {
  /** Keep events whose type starts with one of these prefixes. */
  eventTypePrefixes?: string[];
  /** Keep events whose stream id starts with one of these prefixes. */
  streamPrefixes?: string[];
}

export interface SubscribeOptions {
  /** Exclusive: deliver events strictly after this position. Omitted: from the start of the log. */
  fromPosition?: string;
  filter?: EventFilter;
}

export interface SubscriptionHandlers {
  /** Awaited before the next event is delivered: strictly in global order, one at a time. */
  onEvent(event: RecordedEvent): Promise<void> | void;
  /** Called once when the subscription has delivered everything that was in the log. */
  onCaughtUp?(): void;
  /** Called when the subscription ends with an error it cannot recover from. */
  onError?(error: Error): void;
}

export interface Subscription {
  /** Position of the last event delivered, or the start position. */
  readonly lastPosition: string | undefined;
  stop(): Promise<void>;
}

export interface EventStore {
  /** Which adapter: 'sqlite' | 'esdb'. */
  readonly kind: string;
  append(streamId: string, events: NewEvent[], expectedRevision: ExpectedRevision): Promise<AppendResult>;
  /** Throws StreamNotFound when the stream has no event. */
  readStream(streamId: string, options?: ReadStreamOptions): Promise<RecordedEvent[]>;
  readAll(options?: ReadAllOptions): Promise<RecordedEvent[]>;
  /**
   * Optional, synchronous and without I/O: the revision of the stream's last event when the store
   * can vouch for it (it has seen that head itself and nothing was written by anyone else since),
   * else undefined. A caller holding a fold at that revision may skip reading the stream's tail.
   */
  knownRevision?(streamId: string): number | undefined;
  /**
   * Optional: calls `listener` after every append this instance commits; returns the detach. For
   * a store whose subscriptions in another thread or process would otherwise see it only at
   * their next poll (SQLite): the listener tells them, they call wakeSubscriptions.
   */
  onAppended?(listener: () => void): () => void;
  /** Optional: live subscriptions read the log now (another instance announced an append). */
  wakeSubscriptions?(): void;
  subscribeToAll(options: SubscribeOptions, handlers: SubscriptionHandlers): Subscription;
  /** Position of the last event in the log, or undefined when the log is empty. */
  headPosition(): Promise<string | undefined>;
  /** Whether the store answers (for /health). */
  ping(): Promise<boolean>;
  close(): Promise<void>;
}

/** Largest serialized event (data + metadata) the port accepts, in bytes. */
export const MAX_EVENT_BYTES = 1_048_576;

/** Dependency-injection token of the configured EventStore (a plain string: the port stays framework-free). */
export const EVENT_STORE = 'kam:EventStore';
