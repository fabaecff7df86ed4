import {
  DuplicateEventId,
  StreamNotFound,
  WrongExpectedRevision,
  type AppendResult,
  type EventStore,
  type ExpectedRevision,
  type NewEvent,
  type ReadAllOptions,
  type ReadStreamOptions,
  type RecordedEvent,
  type Subscription,
} from '@kam/event-store';
import type { EventMetadata } from '@kam/kernel';

/** An event as the SQLite store keeps it: JSON text, so a bulk load writes exactly these bytes. */
export interface SerializedRow {
  id: string;
  streamId: string;
  revision: number;
  type: string;
  data: string;
  metadata: string;
  recordedAt: number;
}

/**
 * An in-memory EventStore for generating large histories fast: the real command handlers run
 * against it (load, decide, append with the expected revision), and the log is then bulk-loaded
 * into SQLite (see bulk-load.ts) with the same order, ids and JSON. Events are kept as JSON text
 * and parsed from it (once), so handlers see exactly what they would read from SQLite. Positions are
 * "1", "2", … like the SQLite store's. No subscriptions: nothing projects while generating.
 */
export class MemoryEventStore implements EventStore {
  readonly kind = 'memory';
  /** The log, in position order (position = index + 1). */
  readonly rows: SerializedRow[] = [];
  /** Stream id → indexes into `rows`, in revision order. */
  private readonly streams = new Map<string, number[]>();
  /** Event id → index into `rows`. */
  private readonly byId = new Map<string, number>();
  /**
   * Parsed streams, least recently used first, parsed once and shared (handlers only read them:
   * deciders are pure folds). Bounded, so a million-event history does not keep a million parsed
   * objects alive; a stream that fell out is parsed again from its JSON.
   */
  private readonly parsed = new Map<string, RecordedEvent[]>();

  constructor(
    private readonly clock: () => number = Date.now,
    private readonly cachedStreams = 50_000,
  ) {}

  async append(
    streamId: string,
    events: NewEvent[],
    expectedRevision: ExpectedRevision,
  ): Promise<AppendResult> {
    if (events.length === 0) throw new RangeError(`Append to ${streamId} carries no event`);
    const stream = this.streams.get(streamId);
    const current = stream ? stream.length - 1 : null;
    const retried = this.byId.get(events[0]!.id);
    if (retried !== undefined) {
      const first = this.rows[retried]!;
      if (first.streamId !== streamId) throw new DuplicateEventId(streamId, events[0]!.id, first.streamId);
      let last = retried;
      for (const e of events) last = Math.max(last, this.byId.get(e.id) ?? last);
      return { nextExpectedRevision: this.rows[last]!.revision, position: String(last + 1) };
    }
    if (!matches(expectedRevision, current))
      throw new WrongExpectedRevision(streamId, String(expectedRevision), current);
    const seen = new Set<string>();
    for (const e of events) {
      if (seen.has(e.id)) throw new DuplicateEventId(streamId, e.id, null);
      const other = this.byId.get(e.id);
      if (other !== undefined) throw new DuplicateEventId(streamId, e.id, this.rows[other]!.streamId);
      seen.add(e.id);
    }
    const list = stream ?? [];
    if (!stream) this.streams.set(streamId, list);
    const recordedAt = this.clock();
    let revision = current ?? -1;
    for (const e of events) {
      revision++;
      const index = this.rows.length;
      this.rows.push({
        id: e.id,
        streamId,
        revision,
        type: e.type,
        data: JSON.stringify(e.data ?? null),
        metadata: JSON.stringify(e.metadata),
        recordedAt,
      });
      list.push(index);
      this.byId.set(e.id, index);
      this.parsed.get(streamId)?.push(this.parse(index));
    }
    return { nextExpectedRevision: revision, position: String(this.rows.length) };
  }

  async readStream(streamId: string, options: ReadStreamOptions = {}): Promise<RecordedEvent[]> {
    const stream = this.streams.get(streamId);
    if (!stream) throw new StreamNotFound(streamId);
    let events = this.parsed.get(streamId);
    if (events) {
      this.parsed.delete(streamId);
    } else {
      events = stream.map((index) => this.parse(index));
      if (this.parsed.size >= this.cachedStreams) this.parsed.delete(this.parsed.keys().next().value!);
    }
    this.parsed.set(streamId, events);
    const max = options.maxCount ?? Number.MAX_SAFE_INTEGER;
    if (options.direction === 'backwards') {
      const from = Math.min(options.fromRevision ?? events.length - 1, events.length - 1);
      return events.slice(Math.max(0, from - max + 1), from + 1).reverse();
    }
    const from = options.fromRevision ?? 0;
    return events.slice(from, from + max);
  }

  async readAll(options: ReadAllOptions = {}): Promise<RecordedEvent[]> {
    const max = options.maxCount ?? Number.MAX_SAFE_INTEGER;
    const types = options.filter?.eventTypePrefixes?.length ? options.filter.eventTypePrefixes : undefined;
    const streams = options.filter?.streamPrefixes?.length ? options.filter.streamPrefixes : undefined;
    const keep = (r: SerializedRow): boolean =>
      (!types || types.some((p) => r.type.startsWith(p))) &&
      (!streams || streams.some((p) => r.streamId.startsWith(p)));
    const out: RecordedEvent[] = [];
    if (options.direction === 'backwards') {
      const from =
        options.fromPosition === undefined ? this.rows.length - 1 : Number(options.fromPosition) - 2;
      for (let i = from; i >= 0 && out.length < max; i--) if (keep(this.rows[i]!)) out.push(this.parse(i));
    } else {
      const from = options.fromPosition === undefined ? 0 : Number(options.fromPosition);
      for (let i = from; i < this.rows.length && out.length < max; i++)
        if (keep(this.rows[i]!)) out.push(this.parse(i));
    }
    return out;
  }

  subscribeToAll(): Subscription {
    throw new Error('MemoryEventStore does not support subscriptions (it only feeds the generator)');
  }

  async headPosition(): Promise<string | undefined> {
    return this.rows.length === 0 ? undefined : String(this.rows.length);
  }

  async ping(): Promise<boolean> {
    return true;
  }

  async close(): Promise<void> {}

  /** The event as SQLite would hand it back: parsed from the stored JSON. */
  private parse(index: number): RecordedEvent {
    const row = this.rows[index]!;
    return {
      id: row.id,
      streamId: row.streamId,
      revision: row.revision,
      position: String(index + 1),
      type: row.type,
      data: JSON.parse(row.data) as unknown,
      metadata: JSON.parse(row.metadata) as EventMetadata,
      recordedAt: new Date(row.recordedAt),
    };
  }
}

function matches(expected: ExpectedRevision, current: number | null): boolean {
  if (expected === 'any') return true;
  if (expected === 'no_stream') return current === null;
  if (expected === 'stream_exists') return current !== null;
  return current === expected;
}
