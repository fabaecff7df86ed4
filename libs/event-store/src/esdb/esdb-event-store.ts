import {
  BACKWARDS,
  END,
  EventStoreDBClient,
  FORWARDS,
  MaxAppendSizeExceededError,
  START,
  WrongExpectedVersionError,
  jsonEvent,
  type AppendExpectedRevision,
  type EventData,
  type JSONType,
  type Position,
  type ReadPosition,
  type RecordedEvent as EsdbRecordedEvent,
} from '@eventstore/db-client';
import {
  DuplicateEventId,
  EventStoreUnavailable,
  EventTooLarge,
  StreamNotFound,
  WrongExpectedRevision,
} from '../errors';
import {
  MAX_EVENT_BYTES,
  type AppendResult,
  type EventStore,
  type ExpectedRevision,
  type NewEvent,
  type ReadAllOptions,
  type ReadStreamOptions,
  type RecordedEvent,
  type SubscribeOptions,
  type Subscription,
  type SubscriptionHandlers,
} from '../event-store.port';
import { comparePositions } from '../position';
import type { UpcasterRegistry } from '../upcasters';
import {
  copyFilter,
  formatPosition,
  isRetryable,
  isSystemEvent,
  matchesFilter,
  parsePosition,
  serializedSize,
  toExpectedRevision,
  toPortError,
  toRecordedEvent,
  validateMaxCount,
} from './esdb-mapping';
import { DEFAULT_RESUBSCRIBE, EsdbSubscription, type ResubscribePolicy } from './esdb-subscription';

export type { ResubscribePolicy } from './esdb-subscription';

export interface EsdbEventStoreOptions {
  /** e.g. `esdb://admin:changeit@localhost:2113?tls=false` (the `EVENTSTORE_URL`). */
  connectionString: string;
  upcasters?: UpcasterRegistry;
  /** Back-off of subscriptions that reconnect after an error. */
  resubscribe?: Partial<ResubscribePolicy>;
  /** How long `ping` waits for an answer; default 2 s. */
  pingTimeoutMs?: number;
}

type PositionedEvent = EsdbRecordedEvent & { position: Position };

/** Events per request when the adapter pages through `$all` itself. */
const READ_ALL_PAGE = 500;
const HEAD_PAGE = 64;
const UNAVAILABLE_ATTEMPTS = 3;
const UNAVAILABLE_RETRY_MS = 30;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Creates the EventStoreDB adapter. No connection is made until the first call. */
export async function openEsdbEventStore(options: EsdbEventStoreOptions): Promise<EsdbEventStore> {
  return new EsdbEventStore(options);
}

/**
 * The event-store port over EventStoreDB/KurrentDB through `@eventstore/db-client` (gRPC).
 * Decisions and their reasons: docs/adr/0003-eventstoredb-adapter-and-test-double.md.
 */
export class EsdbEventStore implements EventStore {
  readonly kind = 'esdb';
  private readonly client: EventStoreDBClient;
  private readonly upcasters: UpcasterRegistry | undefined;
  private readonly resubscribe: ResubscribePolicy;
  private readonly pingTimeoutMs: number;
  private readonly subscriptions = new Set<EsdbSubscription>();
  private closed = false;

  constructor(options: EsdbEventStoreOptions) {
    this.client = EventStoreDBClient.connectionString(options.connectionString);
    this.upcasters = options.upcasters;
    this.resubscribe = { ...DEFAULT_RESUBSCRIBE, ...options.resubscribe };
    this.pingTimeoutMs = options.pingTimeoutMs ?? 2_000;
  }

  /**
   * Appends with the expected revision checked by the server. Idempotent by event id, explicitly:
   * when the first event's id is already in the stream the call is a retry and answers with the
   * stored revision and position, writing nothing. The server's own de-duplication only covers an
   * id at the expected position (and, for `any`, a bounded cache), so the stream is checked first.
   */
  async append(
    streamId: string,
    events: NewEvent[],
    expectedRevision: ExpectedRevision,
  ): Promise<AppendResult> {
    this.assertOpen();
    if (events.length === 0) throw new RangeError(`Append to ${streamId} carries no event`);
    const expected = toExpectedRevision(expectedRevision);
    const seen = new Set<string>();
    let totalBytes = 0;
    const proposed = events.map((event) => {
      if (!UUID.test(event.id)) {
        // The server parses ids as Guids and fails the whole call otherwise; say so before sending.
        throw new RangeError(`Event id must be a UUID, not ${JSON.stringify(event.id)}`);
      }
      const id = event.id.toLowerCase();
      if (seen.has(id)) throw new DuplicateEventId(streamId, event.id, null);
      seen.add(id);
      const bytes = serializedSize(event.data, event.metadata);
      if (bytes > MAX_EVENT_BYTES) throw new EventTooLarge(streamId, bytes, MAX_EVENT_BYTES);
      totalBytes += bytes;
      return jsonEvent({
        id: event.id,
        type: event.type,
        data: (event.data ?? null) as JSONType,
        metadata: event.metadata,
      });
    });

    // Safe to repeat: a retry of an append that did land is answered from the stream (see storedRetry).
    return this.retrying(() =>
      this.appendOnce(streamId, events, proposed, expectedRevision, expected, totalBytes),
    );
  }

  private async appendOnce(
    streamId: string,
    events: NewEvent[],
    proposed: EventData[],
    expectedRevision: ExpectedRevision,
    expected: AppendExpectedRevision,
    totalBytes: number,
  ): Promise<AppendResult> {
    const retried = await this.storedRetry(streamId, events);
    if (retried) return retried;

    let result;
    try {
      result = await this.client.appendToStream(streamId, proposed, { expectedRevision: expected });
    } catch (error) {
      if (error instanceof WrongExpectedVersionError) {
        // The original of this retry may have landed between the check above and the write.
        const landed = await this.storedRetry(streamId, events);
        if (landed) return landed;
        const actual = error.actualVersion;
        throw new WrongExpectedRevision(
          streamId,
          String(expectedRevision),
          typeof actual === 'bigint' ? Number(actual) : null,
        );
      }
      if (error instanceof MaxAppendSizeExceededError) {
        // Each event fits the port's limit but the batch exceeds the server's MaxAppendSize.
        throw new EventTooLarge(streamId, totalBytes, error.maxAppendSize);
      }
      throw toPortError(error, streamId);
    }
    const nextExpectedRevision = Number(result.nextExpectedRevision);
    if (result.position) return { nextExpectedRevision, position: formatPosition(result.position) };
    // A server-side idempotent write may come back without a position: read it back.
    const [last] = await this.readRaw(streamId, { fromRevision: result.nextExpectedRevision, maxCount: 1 });
    if (!last?.position)
      throw new Error(`Stream ${streamId} has no event at revision ${nextExpectedRevision}`);
    return { nextExpectedRevision, position: formatPosition(last.position) };
  }

  async readStream(streamId: string, options: ReadStreamOptions = {}): Promise<RecordedEvent[]> {
    this.assertOpen();
    const backwards = options.direction === 'backwards';
    const maxCount = validateMaxCount(options.maxCount);
    const from = options.fromRevision;
    if (from !== undefined && (!Number.isSafeInteger(from) || from < 0)) {
      throw new RangeError(`fromRevision must be a non-negative integer, not ${from}`);
    }
    const events = await this.retrying(() =>
      this.readRaw(streamId, {
        direction: backwards ? BACKWARDS : FORWARDS,
        fromRevision: from === undefined ? (backwards ? END : START) : BigInt(from),
        maxCount,
      }),
    );
    return events.map((event) => toRecordedEvent(event, this.upcasters));
  }

  /**
   * `$all` without system events, filtered here: the client's `readAll` sends no filter. Pages
   * through the log until `maxCount` events matched. `fromPosition` is exclusive in both
   * directions (the server includes it going forwards, so it is dropped here).
   */
  async readAll(options: ReadAllOptions = {}): Promise<RecordedEvent[]> {
    this.assertOpen();
    const backwards = options.direction === 'backwards';
    const limit = validateMaxCount(options.maxCount) ?? Number.POSITIVE_INFINITY;
    const filter = copyFilter(options.filter);
    const out: RecordedEvent[] = [];
    if (limit === 0) return out;
    let after = options.fromPosition;
    let cursor: ReadPosition = after === undefined ? (backwards ? END : START) : parsePosition(after);
    for (;;) {
      const from = cursor;
      const page: PositionedEvent[] = await this.retrying(() =>
        this.readAllPage(from, backwards, READ_ALL_PAGE),
      );
      for (const event of page) {
        const position = formatPosition(event.position);
        if (after !== undefined) {
          const order = comparePositions(position, after);
          if (backwards ? order >= 0 : order <= 0) continue;
        }
        after = position;
        if (isSystemEvent(event) || !matchesFilter(filter, event)) continue;
        out.push(toRecordedEvent(event, this.upcasters));
        if (out.length >= limit) return out;
      }
      const last = page.at(-1);
      if (page.length < READ_ALL_PAGE || !last) return out;
      cursor = last.position;
    }
  }

  subscribeToAll(options: SubscribeOptions, handlers: SubscriptionHandlers): Subscription {
    this.assertOpen();
    const subscription = new EsdbSubscription(
      {
        client: this.client,
        upcasters: this.upcasters,
        headPosition: () => this.headPosition(),
        resubscribe: this.resubscribe,
        release: (s) => this.subscriptions.delete(s),
      },
      options.fromPosition,
      copyFilter(options.filter),
      handlers,
    );
    this.subscriptions.add(subscription);
    return subscription;
  }

  /** Position of the last user event (system events, which the server writes on its own, are skipped). */
  async headPosition(): Promise<string | undefined> {
    this.assertOpen();
    let cursor: ReadPosition = END;
    for (;;) {
      const from = cursor;
      const page: PositionedEvent[] = await this.retrying(() => this.readAllPage(from, true, HEAD_PAGE));
      const user = page.find((event) => !isSystemEvent(event));
      if (user) return formatPosition(user.position);
      const last = page.at(-1);
      if (page.length < HEAD_PAGE || !last) return undefined;
      cursor = last.position;
    }
  }

  /**
   * Whether the server answers: any answer counts, a refusal too (e.g. credentials without access
   * to `$all`), so health reflects reachability, not permissions.
   */
  async ping(): Promise<boolean> {
    if (this.closed) return false;
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<boolean>((resolve) => {
      timer = setTimeout(() => resolve(false), this.pingTimeoutMs);
    });
    const answer = this.readAllPage(END, true, 1).then(
      () => true,
      (error: unknown) => !(error instanceof EventStoreUnavailable),
    );
    try {
      return await Promise.race([answer, timeout]);
    } finally {
      clearTimeout(timer);
    }
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await Promise.all([...this.subscriptions].map((subscription) => subscription.stop()));
    await this.client.dispose();
    await this.closeChannel();
  }

  /**
   * If the first event's id is already in the stream this append is a retry: the answer is the
   * revision and position of the last of the batch's events stored there.
   */
  private async storedRetry(streamId: string, events: NewEvent[]): Promise<AppendResult | undefined> {
    const stored = await this.readRawIfExists(streamId);
    const byId = new Map(stored.map((event) => [event.id.toLowerCase(), event]));
    const first = byId.get(events[0]!.id.toLowerCase());
    if (!first) return undefined;
    let last = first;
    for (const event of events.slice(1)) {
      const match = byId.get(event.id.toLowerCase());
      if (match && match.revision > last.revision) last = match;
    }
    if (!last.position)
      throw new Error(`EventStoreDB sent event ${last.id} of ${streamId} without a position`);
    return { nextExpectedRevision: Number(last.revision), position: formatPosition(last.position) };
  }

  private async readRawIfExists(streamId: string): Promise<EsdbRecordedEvent[]> {
    try {
      return await this.readRaw(streamId, { direction: BACKWARDS, fromRevision: END });
    } catch (error) {
      if (error instanceof StreamNotFound) return [];
      throw error;
    }
  }

  private async readRaw(
    streamId: string,
    options: Parameters<EventStoreDBClient['readStream']>[1],
  ): Promise<EsdbRecordedEvent[]> {
    const out: EsdbRecordedEvent[] = [];
    try {
      for await (const resolved of this.client.readStream(streamId, options)) {
        if (resolved.event) out.push(resolved.event);
      }
    } catch (error) {
      throw toPortError(error, streamId);
    }
    return out;
  }

  /** One request to `$all`; every event of `$all` carries its position. */
  private async readAllPage(
    from: ReadPosition,
    backwards: boolean,
    maxCount: number,
  ): Promise<PositionedEvent[]> {
    const out: PositionedEvent[] = [];
    try {
      const read = this.client.readAll({
        direction: backwards ? BACKWARDS : FORWARDS,
        fromPosition: from,
        maxCount,
      });
      for await (const resolved of read) {
        const event = resolved.event;
        if (event?.position) out.push({ ...event, position: event.position });
      }
    } catch (error) {
      throw toPortError(error);
    }
    return out;
  }

  /**
   * `dispose()` cancels the client's calls but leaves its gRPC channel open; close it so a closed
   * store holds no socket. The channel is not public API, hence the narrow cast.
   */
  private async closeChannel(): Promise<void> {
    try {
      const withChannel = this.client as unknown as { getChannel?: () => Promise<{ close(): void }> };
      const channel = await withChannel.getChannel?.();
      channel?.close();
    } catch {
      // Nothing to close.
    }
  }

  /**
   * Repeats an operation that failed because no server answered, a couple of times: right after an
   * outage the client can hand a call a channel that its own reconnection logic is closing
   * ("Channel closed before call started"). Deadlines are not repeated; a store that stays down
   * surfaces as EventStoreUnavailable within ~100 ms.
   */
  private async retrying<T>(operation: () => Promise<T>): Promise<T> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await operation();
      } catch (error) {
        if (attempt >= UNAVAILABLE_ATTEMPTS || this.closed || !isRetryable(error)) throw error;
        await new Promise((resolve) => setTimeout(resolve, UNAVAILABLE_RETRY_MS * attempt));
      }
    }
  }

  private assertOpen(): void {
    if (this.closed) throw new EventStoreUnavailable('The EventStoreDB event store is closed');
  }
}
