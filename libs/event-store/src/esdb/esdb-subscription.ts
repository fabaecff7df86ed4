import {
  START,
  eventTypeFilter,
  excludeSystemEvents,
  streamNameFilter,
  type AllStreamSubscription,
  type EventStoreDBClient,
  type Filter,
  type Position,
} from '@eventstore/db-client';
import type { EventFilter, RecordedEvent, Subscription, SubscriptionHandlers } from '../event-store.port';
import { comparePositions } from '../position';
import type { UpcasterRegistry } from '../upcasters';
import {
  formatPosition,
  isPermanent,
  isSystemEvent,
  matchesFilter,
  parsePosition,
  toRecordedEvent,
} from './esdb-mapping';

export interface ResubscribePolicy {
  /** First wait after a dropped subscription; doubles per failed attempt. Default 100 ms. */
  initialDelayMs: number;
  /** Longest wait between attempts. Default 5 s. */
  maxDelayMs: number;
}

export const DEFAULT_RESUBSCRIBE: ResubscribePolicy = { initialDelayMs: 100, maxDelayMs: 5_000 };

export interface EsdbSubscriptionDeps {
  client: EventStoreDBClient;
  upcasters: UpcasterRegistry | undefined;
  /** Position of the last user event, read before each attempt until caught up. */
  headPosition(): Promise<string | undefined>;
  resubscribe: ResubscribePolicy;
  release(subscription: EsdbSubscription): void;
}

/** A failure of the consumer's own code (handler or upcaster), as opposed to the store's. */
class ConsumerFailure extends Error {
  constructor(readonly failure: unknown) {
    super('consumer failed');
  }
}

/**
 * Catch-up then live subscription to `$all` over the client's `subscribeToAll`, consumed with
 * `for await` so that each `onEvent` is awaited before the next event is read (a `data` listener
 * would run handlers concurrently). The client does not resubscribe after an error; this class
 * does: it reopens the subscription after the last event it has *seen* (never after a server
 * checkpoint — filtered checkpoints have skipped events before, KurrentDB #4970), with a doubling
 * back-off, until `stop()`. Events at or before that position are dropped, so a resubscription
 * can neither leave a gap nor deliver twice.
 *
 * Caught-up is signalled once, in order (after the events that were buffered before the signal),
 * on the first of: the server's `caughtUp` message (servers ≥ 23.10), an event or a checkpoint at
 * or past the head read at start (older servers), or an empty log.
 */
export class EsdbSubscription implements Subscription {
  private last: string | undefined;
  /** Last event seen on the wire (delivered, filtered out or system): where a resubscription starts. */
  private resumeAfter: string | undefined;
  private stopped = false;
  private caughtUp = false;
  /** True while `onEvent` runs its synchronous part; a `stop()` from there must not wait for itself. */
  private dispatching = false;
  private current: AllStreamSubscription | undefined;
  private wakeUp: (() => void) | undefined;
  private readonly filter: EventFilter;
  private readonly done: Promise<void>;

  constructor(
    private readonly deps: EsdbSubscriptionDeps,
    fromPosition: string | undefined,
    filter: EventFilter,
    private readonly handlers: SubscriptionHandlers,
  ) {
    // Parse now so that a bad cursor fails at the call, not later in the loop.
    if (fromPosition !== undefined) parsePosition(fromPosition);
    this.last = fromPosition;
    this.resumeAfter = fromPosition;
    this.filter = filter;
    this.done = this.run();
  }

  get lastPosition(): string | undefined {
    return this.last;
  }

  /**
   * Ends the subscription: no event is delivered after the returned promise resolves, and the
   * handler that was running has finished. From inside `onEvent`, call it without awaiting (or as
   * the handler's first statement): the subscription ends when the handler returns.
   */
  stop(): Promise<void> {
    if (!this.stopped) {
      this.stopped = true;
      this.wake();
      const current = this.current;
      if (current) void this.dispose(current);
    }
    if (this.dispatching) return Promise.resolve();
    return this.done;
  }

  private async run(): Promise<void> {
    // Start on a later tick so the caller has the Subscription object before any event arrives.
    await Promise.resolve();
    let failures = 0;
    try {
      while (!this.stopped) {
        try {
          await this.consume(() => {
            failures = 0;
          });
        } catch (error) {
          if (this.stopped) break;
          if (error instanceof ConsumerFailure) return this.fail(error.failure);
          if (isPermanent(error)) return this.fail(error);
          // Anything else is the connection or the server: resubscribe after a pause.
        }
        if (this.stopped) break;
        const { initialDelayMs, maxDelayMs } = this.deps.resubscribe;
        await this.sleep(Math.min(maxDelayMs, initialDelayMs * 2 ** Math.min(failures, 30)));
        failures += 1;
      }
    } finally {
      this.stopped = true;
      this.deps.release(this);
    }
  }

  /** One server subscription, from `resumeAfter` until it fails or the subscription is stopped. */
  private async consume(onConfirmed: () => void): Promise<void> {
    const head = this.caughtUp ? undefined : await this.deps.headPosition();
    if (this.stopped) return;
    const from = this.resumeAfter;
    const reachedHead = (position: string): boolean =>
      head !== undefined && comparePositions(position, head) >= 0;

    const sub = this.deps.client.subscribeToAll({
      fromPosition: from === undefined ? START : parsePosition(from),
      filter: this.serverFilter((position) => {
        if (!this.caughtUp && reachedHead(formatPosition(position))) signalCaughtUp();
      }),
    });
    this.current = sub;
    // Errors also reach the `for await` below; this listener only keeps a late one from crashing the process.
    sub.on('error', () => undefined);

    // Caught-up must follow the events the client had already buffered when the signal came.
    let dequeued = 0;
    let processed = 0;
    let target: number | undefined;
    const fireIfDue = (): void => {
      if (target !== undefined && processed >= target) this.fireCaughtUp();
    };
    const signalCaughtUp = (): void => {
      if (this.caughtUp || target !== undefined) return;
      target = dequeued + sub.readableLength;
      fireIfDue();
    };
    sub.on('confirmation', () => {
      onConfirmed();
      if (head === undefined || (from !== undefined && reachedHead(from))) signalCaughtUp();
    });
    sub.on('caughtUp', signalCaughtUp);

    try {
      for await (const resolved of sub) {
        if (this.stopped) break;
        dequeued += 1;
        const event = resolved.event;
        if (event?.position) {
          const position = formatPosition(event.position);
          if (this.resumeAfter === undefined || comparePositions(position, this.resumeAfter) > 0) {
            if (!isSystemEvent(event) && matchesFilter(this.filter, event)) {
              await this.deliver(() => toRecordedEvent(event, this.deps.upcasters));
              this.last = position;
            }
            this.resumeAfter = position;
            if (!this.caughtUp && reachedHead(position)) this.fireCaughtUp();
          }
        }
        processed += 1;
        fireIfDue();
        if (this.stopped) break;
      }
    } finally {
      this.current = undefined;
      await this.dispose(sub);
    }
    if (!this.stopped) throw new Error('EventStoreDB ended the subscription');
  }

  private async deliver(build: () => RecordedEvent): Promise<void> {
    let handled: Promise<void> | void;
    this.dispatching = true;
    try {
      handled = this.handlers.onEvent(build());
    } catch (error) {
      throw new ConsumerFailure(error);
    } finally {
      this.dispatching = false;
    }
    try {
      await handled;
    } catch (error) {
      throw new ConsumerFailure(error);
    }
  }

  /**
   * Server-side filtering keeps system events and unwanted types off the wire and makes the server
   * send checkpoints. The server filters on one dimension only; the other (when both are set) is
   * checked here, as are system events.
   */
  private serverFilter(checkpointReached: (position: Position) => void): Filter {
    const options = { checkpointReached: (_: unknown, position: Position) => checkpointReached(position) };
    if (this.filter.eventTypePrefixes)
      return eventTypeFilter({ prefixes: this.filter.eventTypePrefixes, ...options });
    if (this.filter.streamPrefixes)
      return streamNameFilter({ prefixes: this.filter.streamPrefixes, ...options });
    return excludeSystemEvents(options);
  }

  private fireCaughtUp(): void {
    if (this.caughtUp) return;
    this.caughtUp = true;
    try {
      this.handlers.onCaughtUp?.();
    } catch (error) {
      process.emitWarning(`onCaughtUp threw: ${error instanceof Error ? error.message : String(error)}`);
    }
  }

  private fail(error: unknown): void {
    this.stopped = true;
    const err = error instanceof Error ? error : new Error(String(error));
    try {
      if (this.handlers.onError) this.handlers.onError(err);
      else process.emitWarning(`EventStoreDB subscription stopped: ${err.message}`);
    } catch {
      // An onError that throws has nobody left to tell; the subscription is over either way.
    }
  }

  private async dispose(sub: AllStreamSubscription): Promise<void> {
    try {
      await sub.unsubscribe();
    } catch {
      // Already gone.
    }
    // Cancelling the gRPC call does not end the client's stream (it swallows client cancellations);
    // destroying it ends a pending `for await`.
    sub.destroy();
  }

  private sleep(ms: number): Promise<void> {
    return new Promise<void>((resolve) => {
      const timer = setTimeout(() => this.wake(), ms);
      this.wakeUp = () => {
        clearTimeout(timer);
        resolve();
      };
    });
  }

  private wake(): void {
    const wakeUp = this.wakeUp;
    this.wakeUp = undefined;
    wakeUp?.();
  }
}
