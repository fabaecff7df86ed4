import {
  MAX_EVENT_BYTES,
  EventTooLarge,
  StreamNotFound,
  WrongExpectedRevision,
  comparePositions,
  type AppendResult,
  type EventFilter,
  type EventStore,
  type ExpectedRevision,
  type NewEvent,
  type ReadAllOptions,
  type ReadStreamOptions,
  type RecordedEvent,
  type SubscribeOptions,
  type Subscription,
  type SubscriptionHandlers,
} from '@kam/event-store';

/**
 * A faithful in-memory implementation of the EventStore port for tests of the read side:
 * positions are decimal strings ("1", "2", …) like the SQLite adapter's, `fromPosition` is
 * exclusive, subscriptions deliver one event at a time in global order (awaiting the handler),
 * call `onCaughtUp` once and then go live. Catch-up yields to the event loop between pages,
 * the way a store doing I/O does, so batching code sees realistic interleavings.
 */
export class InMemoryEventStore implements EventStore {
  readonly kind = 'memory';
  private readonly log: RecordedEvent[] = [];
  private readonly streams = new Map<string, RecordedEvent[]>();
  private readonly byId = new Map<string, RecordedEvent>();
  private wakers: Array<() => void> = [];
  private closed = false;

  constructor(
    private readonly options: { pageSize?: number; clock?: () => Date } = {},
  ) {}

  async append(streamId: string, events: NewEvent[], expectedRevision: ExpectedRevision): Promise<AppendResult> {
    this.assertOpen();
    const stream = this.streams.get(streamId) ?? [];
    const actual = stream.length - 1;
    const duplicates = events.map((e) => this.byId.get(e.id));
    if (events.length > 0 && duplicates.every((d) => d !== undefined)) {
      const last = duplicates[duplicates.length - 1]!;
      return { nextExpectedRevision: actual, position: last.position };
    }
    const ok =
      expectedRevision === 'any' ||
      (expectedRevision === 'no_stream' && actual === -1) ||
      (expectedRevision === 'stream_exists' && actual >= 0) ||
      expectedRevision === actual;
    if (!ok) throw new WrongExpectedRevision(streamId, String(expectedRevision), actual >= 0 ? actual : null);
    for (const e of events) {
      const bytes = Buffer.byteLength(JSON.stringify({ data: e.data, metadata: e.metadata }));
      if (bytes > MAX_EVENT_BYTES) throw new EventTooLarge(streamId, bytes, MAX_EVENT_BYTES);
    }
    const now = this.options.clock?.() ?? new Date();
    for (const e of events) {
      if (this.byId.has(e.id)) continue;
      const recorded: RecordedEvent = {
        id: e.id,
        streamId,
        revision: stream.length,
        position: String(this.log.length + 1),
        type: e.type,
        data: structuredClone(e.data),
        metadata: structuredClone(e.metadata),
        recordedAt: now,
      };
      stream.push(recorded);
      this.log.push(recorded);
      this.byId.set(e.id, recorded);
    }
    this.streams.set(streamId, stream);
    this.wake();
    const last = stream[stream.length - 1];
    return { nextExpectedRevision: stream.length - 1, position: last ? last.position : '0' };
  }

  async readStream(streamId: string, options: ReadStreamOptions = {}): Promise<RecordedEvent[]> {
    this.assertOpen();
    const stream = this.streams.get(streamId);
    if (!stream || stream.length === 0) throw new StreamNotFound(streamId);
    const max = options.maxCount ?? Number.MAX_SAFE_INTEGER;
    if (options.direction === 'backwards') {
      const from = options.fromRevision ?? stream.length - 1;
      return stream.filter((e) => e.revision <= from).reverse().slice(0, max).map(copy);
    }
    const from = options.fromRevision ?? 0;
    return stream.filter((e) => e.revision >= from).slice(0, max).map(copy);
  }

  async readAll(options: ReadAllOptions = {}): Promise<RecordedEvent[]> {
    this.assertOpen();
    const max = options.maxCount ?? Number.MAX_SAFE_INTEGER;
    const out: RecordedEvent[] = [];
    if (options.direction === 'backwards') {
      const before = options.fromPosition;
      for (let i = this.log.length - 1; i >= 0 && out.length < max; i--) {
        const e = this.log[i]!;
        if (before !== undefined && comparePositions(e.position, before) >= 0) continue;
        if (matches(e, options.filter)) out.push(copy(e));
      }
      return out;
    }
    for (let i = startIndex(options.fromPosition); i < this.log.length && out.length < max; i++) {
      const e = this.log[i]!;
      if (matches(e, options.filter)) out.push(copy(e));
    }
    return out;
  }

  subscribeToAll(options: SubscribeOptions, handlers: SubscriptionHandlers): Subscription {
    this.assertOpen();
    const pageSize = this.options.pageSize ?? 100;
    let lastPosition = options.fromPosition;
    let stopped = false;
    let wakeSelf: (() => void) | undefined;
    const loop = async (): Promise<void> => {
      let next = startIndex(options.fromPosition);
      let caughtUp = false;
      while (!stopped && !this.closed) {
        const end = Math.min(this.log.length, next + pageSize);
        for (; next < end && !stopped; next++) {
          const e = this.log[next]!;
          if (matches(e, options.filter)) await handlers.onEvent(copy(e));
          lastPosition = e.position;
        }
        if (stopped) break;
        if (next < this.log.length) {
          await new Promise<void>((r) => setImmediate(r));
          continue;
        }
        if (!caughtUp) {
          caughtUp = true;
          handlers.onCaughtUp?.();
        }
        await new Promise<void>((resolve) => {
          wakeSelf = resolve;
          this.wakers.push(resolve);
        });
      }
    };
    const running = loop().catch((error: unknown) => {
      if (!stopped) handlers.onError?.(error instanceof Error ? error : new Error(String(error)));
    });
    return {
      get lastPosition() {
        return lastPosition;
      },
      stop: async () => {
        stopped = true;
        wakeSelf?.();
        await running;
      },
    };
  }

  async headPosition(): Promise<string | undefined> {
    return this.log[this.log.length - 1]?.position;
  }

  async ping(): Promise<boolean> {
    return !this.closed;
  }

  async close(): Promise<void> {
    this.closed = true;
    this.wake();
  }

  /** Test helper: every event in the log, in order. */
  all(): readonly RecordedEvent[] {
    return this.log;
  }

  private wake(): void {
    const wakers = this.wakers;
    this.wakers = [];
    for (const w of wakers) w();
  }

  private assertOpen(): void {
    if (this.closed) throw new Error('InMemoryEventStore is closed');
  }
}

function startIndex(fromPosition: string | undefined): number {
  // Positions are 1-based sequence numbers, so "exclusive from p" starts at index p.
  return fromPosition === undefined ? 0 : Number(fromPosition.split(':')[0]);
}

function matches(e: RecordedEvent, filter: EventFilter | undefined): boolean {
  if (!filter) return true;
  if (filter.eventTypePrefixes && !filter.eventTypePrefixes.some((p) => e.type.startsWith(p))) return false;
  if (filter.streamPrefixes && !filter.streamPrefixes.some((p) => e.streamId.startsWith(p))) return false;
  return true;
}

function copy(e: RecordedEvent): RecordedEvent {
  return { ...e, data: structuredClone(e.data), metadata: structuredClone(e.metadata) };
}
