import { setImmediate as yieldToEventLoop } from 'node:timers/promises';
import type { EventFilter, RecordedEvent, Subscription, SubscriptionHandlers } from '../event-store.port';

/** A stored row as the subscription reads it; parsed only when it passes the filter. */
export interface SqliteEventRow {
  position: number;
  id: string;
  stream_id: string;
  revision: number;
  type: string;
  data: string;
  metadata: string;
  recorded_at: number;
}

/** What a subscription needs from the store; keeps the loop testable and the store's internals private. */
export interface SqliteSubscriptionSource {
  readPage(afterSeq: number, limit: number): SqliteEventRow[];
  toRecorded(row: SqliteEventRow): RecordedEvent;
  release(subscription: SqliteSubscription): void;
}

export const SUBSCRIPTION_PAGE_SIZE = 1000;

/**
 * Catch-up then live subscription over the SQLite log. One loop per subscription reads pages of
 * rows after an internal cursor (the last row *scanned*, filtered or not) and hands matching
 * events to `onEvent` one at a time, awaiting each. When a page comes back short the loop has
 * reached the head: it signals `onCaughtUp` once and sleeps until an in-process append wakes it
 * or the poll interval passes (appends by another process on the same file are only seen by the
 * poll).
 */
export class SqliteSubscription implements Subscription {
  private last: string | undefined;
  private cursor: number;
  private stopped = false;
  private caughtUp = false;
  /** An append happened since the last page was read: read again before sleeping. */
  private pending = false;
  /** True while `onEvent` runs its synchronous part; a `stop()` from there must not wait for itself. */
  private dispatching = false;
  private wakeUp: (() => void) | undefined;
  private timer: NodeJS.Timeout | undefined;
  private readonly done: Promise<void>;

  constructor(
    private readonly source: SqliteSubscriptionSource,
    fromSeq: number,
    fromPosition: string | undefined,
    private readonly filter: EventFilter | undefined,
    private readonly handlers: SubscriptionHandlers,
    private readonly pollIntervalMs: number,
  ) {
    this.cursor = fromSeq;
    this.last = fromPosition;
    this.done = this.run();
  }

  get lastPosition(): string | undefined {
    return this.last;
  }

  /** Called by the store after every in-process append. */
  notify(): void {
    this.pending = true;
    this.wake();
  }

  /**
   * Ends the subscription: no event is delivered after the returned promise resolves, and the
   * handler that was running has finished. From inside `onEvent`, call it without awaiting (or
   * as the handler's first statement): the subscription ends when the handler returns.
   */
  stop(): Promise<void> {
    this.stopped = true;
    this.wake();
    if (this.dispatching) return Promise.resolve();
    return this.done;
  }

  private wake(): void {
    if (this.timer !== undefined) {
      clearTimeout(this.timer);
      this.timer = undefined;
    }
    const wakeUp = this.wakeUp;
    this.wakeUp = undefined;
    wakeUp?.();
  }

  private sleep(): Promise<void> {
    return new Promise<void>((resolve) => {
      this.wakeUp = resolve;
      this.timer = setTimeout(() => this.wake(), this.pollIntervalMs);
    });
  }

  private async run(): Promise<void> {
    // Start on a later tick so the caller has the Subscription object before any event arrives.
    await Promise.resolve();
    try {
      while (!this.stopped) {
        this.pending = false;
        const rows = this.source.readPage(this.cursor, SUBSCRIPTION_PAGE_SIZE);
        for (const row of rows) {
          if (this.stopped) return;
          this.cursor = row.position;
          if (!this.matches(row)) continue;
          const event = this.source.toRecorded(row);
          this.dispatching = true;
          let handled: Promise<void> | void;
          try {
            handled = this.handlers.onEvent(event);
          } finally {
            this.dispatching = false;
          }
          await handled;
          this.last = event.position;
        }
        if (this.stopped) return;
        if (rows.length < SUBSCRIPTION_PAGE_SIZE) {
          if (!this.caughtUp) {
            this.caughtUp = true;
            this.handlers.onCaughtUp?.();
          }
          if (!this.pending && !this.stopped) await this.sleep();
        } else {
          // A long catch-up must not starve timers and I/O of the rest of the process.
          await yieldToEventLoop();
        }
      }
    } catch (error) {
      this.stopped = true;
      const err = error instanceof Error ? error : new Error(String(error));
      try {
        if (this.handlers.onError) this.handlers.onError(err);
        else process.emitWarning(`SQLite event-store subscription stopped: ${err.message}`);
      } catch {
        // An onError that throws has nobody left to tell; the subscription is over either way.
      }
    } finally {
      this.stopped = true;
      this.wake();
      this.source.release(this);
    }
  }

  private matches(row: SqliteEventRow): boolean {
    const types = this.filter?.eventTypePrefixes;
    if (types && types.length > 0 && !types.some((p) => row.type.startsWith(p))) return false;
    const streams = this.filter?.streamPrefixes;
    if (streams && streams.length > 0 && !streams.some((p) => row.stream_id.startsWith(p))) return false;
    return true;
  }
}
