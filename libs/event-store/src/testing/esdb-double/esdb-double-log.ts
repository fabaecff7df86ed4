import { randomUUID } from 'node:crypto';

/**
 * The in-memory transaction log behind the EventStoreDB double. It lives outside the gRPC server
 * so that stopping and restarting the server (an outage) keeps the data, like a real node restart.
 *
 * Positions imitate the real log: they are byte offsets (commit = prepare for a single-node,
 * non-transactional write), growing by each record's size, so they are monotonic but not
 * contiguous — nothing may assume `position + 1` is the next event.
 */
export interface DoubleEvent {
  id: string;
  streamName: string;
  revision: bigint;
  /** commit = prepare. */
  position: bigint;
  type: string;
  contentType: string;
  data: Uint8Array;
  customMetadata: Uint8Array;
  /** 100 ns ticks since the Unix epoch, as the server sends it in the `created` metadata key. */
  created: bigint;
}

export interface ProposedEvent {
  id: string;
  type: string;
  contentType: string;
  data: Uint8Array;
  customMetadata: Uint8Array;
}

export type DoubleExpected =
  | { kind: 'any' }
  | { kind: 'no_stream' }
  | { kind: 'stream_exists' }
  | { kind: 'revision'; revision: bigint };

export type DoubleAppendOutcome =
  | { kind: 'success'; currentRevision: bigint; position: bigint }
  | { kind: 'wrong_expected_version'; currentRevision: bigint | undefined; expected: DoubleExpected };

/** Where the log starts: the real server has written its own records (epochs, …) before any user event. */
const FIRST_POSITION = 4_096n;
/** Bytes a record costs besides its payload — keeps positions shaped like log offsets. */
const RECORD_OVERHEAD = 128n;

export interface DoubleLogOptions {
  /**
   * Whether `any` / `stream_exists` writes are de-duplicated by event id. The real server does it
   * through a bounded cache that can forget; false imitates a forgotten id.
   */
  dedupeAny: boolean;
}

export class DoubleLog {
  constructor(private readonly options: DoubleLogOptions = { dedupeAny: true }) {}

  private readonly all: DoubleEvent[] = [];
  private readonly streams = new Map<string, DoubleEvent[]>();
  private nextPosition = FIRST_POSITION;
  private readonly waiters = new Set<() => void>();

  get length(): number {
    return this.all.length;
  }

  at(index: number): DoubleEvent | undefined {
    return this.all[index];
  }

  stream(name: string): readonly DoubleEvent[] | undefined {
    return this.streams.get(name);
  }

  /** Index in the $all list of the first event whose position is >= `position`. */
  indexAtOrAfter(position: bigint): number {
    let lo = 0;
    let hi = this.all.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (this.all[mid]!.position < position) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  /** Index of the first event strictly after `position`. */
  indexAfter(position: bigint): number {
    let lo = 0;
    let hi = this.all.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (this.all[mid]!.position <= position) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  /**
   * Append with the server's rules: the expected revision is checked, and a write whose events are
   * already in the stream at the place the expectation points to (same ids, same order) is an
   * idempotent success that writes nothing. The real server keeps only a bounded id cache for
   * `any`; the double checks the whole stream unless told to forget (`dedupeAny: false`).
   */
  append(streamName: string, expected: DoubleExpected, events: ProposedEvent[]): DoubleAppendOutcome {
    const stream = this.streams.get(streamName);
    const current = stream && stream.length > 0 ? BigInt(stream.length - 1) : undefined;
    const conflict: DoubleAppendOutcome = {
      kind: 'wrong_expected_version',
      currentRevision: current,
      expected,
    };

    // The revision the first proposed event would get if the expectation holds.
    let expectedFirst: bigint | undefined;
    switch (expected.kind) {
      case 'no_stream':
        expectedFirst = 0n;
        break;
      case 'revision':
        expectedFirst = expected.revision + 1n;
        break;
      case 'stream_exists':
        if (current === undefined) return conflict;
        break;
      case 'any':
        break;
      default: {
        const never: never = expected;
        throw new Error(`unknown expectation ${JSON.stringify(never)}`);
      }
    }

    const first = events[0];
    if (stream && first) {
      const start =
        expectedFirst !== undefined
          ? expectedFirst <= BigInt(stream.length - 1)
            ? Number(expectedFirst)
            : -1
          : this.options.dedupeAny
            ? stream.findIndex((e) => e.id === first.id)
            : -1;
      if (start >= 0 && stream[start]!.id === first.id) {
        const end = start + events.length;
        const matches = end <= stream.length && events.every((e, i) => stream[start + i]!.id === e.id);
        if (matches) {
          const last = stream[end - 1]!;
          return { kind: 'success', currentRevision: last.revision, position: last.position };
        }
        return conflict;
      }
    }

    if (expectedFirst !== undefined) {
      const actualNext = current === undefined ? 0n : current + 1n;
      if (actualNext !== expectedFirst) return conflict;
    }

    if (events.length === 0) {
      // The server accepts an empty write and reports the stream as it is.
      const lastEvent = stream?.[stream.length - 1];
      return {
        kind: 'success',
        currentRevision: current ?? -1n,
        position: lastEvent?.position ?? -1n,
      };
    }

    const target = stream ?? [];
    if (!stream) this.streams.set(streamName, target);
    const createdBase = BigInt(Date.now()) * 10_000n;
    let last: DoubleEvent | undefined;
    for (const proposed of events) {
      const event: DoubleEvent = {
        ...proposed,
        streamName,
        revision: BigInt(target.length),
        position: this.nextPosition,
        created: createdBase,
      };
      this.nextPosition +=
        RECORD_OVERHEAD +
        BigInt(proposed.data.length + proposed.customMetadata.length + proposed.type.length);
      target.push(event);
      this.all.push(event);
      last = event;
    }
    this.notify();
    return { kind: 'success', currentRevision: last!.revision, position: last!.position };
  }

  /** Writes a server-owned record ($-prefixed stream and type), like the real node's stats or scavenge events. */
  appendSystemEvent(streamName = '$stats-127.0.0.1:2113', type = '$statsCollected'): DoubleEvent {
    const data = new Uint8Array(Buffer.from(JSON.stringify({ at: new Date().toISOString() }), 'utf8'));
    const outcome = this.append(streamName, { kind: 'any' }, [
      { id: randomUUID(), type, contentType: 'application/json', data, customMetadata: new Uint8Array() },
    ]);
    if (outcome.kind !== 'success') throw new Error('system append cannot conflict');
    return this.streams.get(streamName)!.at(-1)!;
  }

  /** Resolves on the next append (or when `signal` aborts). */
  waitForAppend(signal: AbortSignal): Promise<void> {
    return new Promise((resolve) => {
      if (signal.aborted) return resolve();
      const wake = (): void => {
        this.waiters.delete(wake);
        signal.removeEventListener('abort', wake);
        resolve();
      };
      this.waiters.add(wake);
      signal.addEventListener('abort', wake, { once: true });
    });
  }

  private notify(): void {
    for (const wake of [...this.waiters]) wake();
  }
}
