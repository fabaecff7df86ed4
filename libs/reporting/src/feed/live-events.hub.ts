import { Inject, Injectable, Logger, type OnApplicationShutdown } from '@nestjs/common';
import { EVENT_STORE, type EventStore, type RecordedEvent, type Subscription } from '@kam/event-store';
import { READ_FRESHNESS, type ReadFreshness } from './read-freshness';

type Listener = (event: RecordedEvent) => void;

/** Events a slow subscriber may have queued before it is disconnected. */
const MAX_QUEUED = 10_000;

/**
 * Live events for GraphQL subscriptions. Each API instance follows the log itself from the head
 * (no shared pub/sub needed when there are several instances) and hands every event to the
 * subscribers once the read models have projected it, so scope decisions see the entity as the
 * event left it. It follows the log only while someone listens: the first subscriber starts a
 * subscription at the head, the last one to leave stops it (with nobody listening, reading and
 * parsing every appended event again was a share of every write's cost).
 */
@Injectable()
export class LiveEventsHub implements OnApplicationShutdown {
  private readonly logger = new Logger('LiveEvents');
  private readonly listeners = new Set<Listener>();
  private subscription: Subscription | undefined;
  private starting: Promise<void> | undefined;
  private closed = false;

  constructor(
    @Inject(EVENT_STORE) private readonly store: EventStore,
    @Inject(READ_FRESHNESS) private readonly freshness: ReadFreshness,
  ) {}

  async onApplicationShutdown(): Promise<void> {
    this.closed = true;
    this.listeners.clear();
    await this.starting;
    const subscription = this.subscription;
    this.subscription = undefined;
    await subscription?.stop();
  }

  /** Whether the hub follows the log now (someone listens). */
  get following(): boolean {
    return this.subscription !== undefined || this.starting !== undefined;
  }

  private addListener(listener: Listener): void {
    this.listeners.add(listener);
    if (this.subscription || this.starting || this.closed) return;
    this.starting = this.follow()
      .catch((error: unknown) => this.logger.error(`Live event subscription could not start: ${error instanceof Error ? error.message : String(error)}`))
      .finally(() => {
        this.starting = undefined;
        // Everyone left while it started.
        this.unfollowIfIdle();
      });
  }

  private removeListener(listener: Listener): void {
    this.listeners.delete(listener);
    this.unfollowIfIdle();
  }

  private async follow(): Promise<void> {
    const head = await this.store.headPosition();
    if (this.listeners.size === 0 || this.closed) return;
    const subscription: Subscription = this.store.subscribeToAll(
      { fromPosition: head },
      {
        onEvent: async (event) => {
          if (this.listeners.size === 0) return;
          // Late is better than judged against a stale read model; after the wait, deliver anyway.
          await this.freshness.waitFor(event.position).catch(() => undefined);
          for (const listener of this.listeners) listener(event);
        },
        onError: (error) => {
          this.logger.error(`Live event subscription ended: ${error.message}`);
          // The next subscriber starts a new one.
          if (this.subscription === subscription) this.subscription = undefined;
        },
      },
    );
    this.subscription = subscription;
  }

  private unfollowIfIdle(): void {
    if (this.listeners.size > 0 || this.starting || !this.subscription) return;
    const subscription = this.subscription;
    this.subscription = undefined;
    // Not awaited: this may run inside the subscription's own handler.
    void subscription.stop().catch(() => undefined);
  }

  /** An async iterator of live events, filtered by `keep`; ends when the client unsubscribes. */
  iterate(keep: (event: RecordedEvent) => Promise<boolean>): AsyncIterableIterator<RecordedEvent> {
    const queue: RecordedEvent[] = [];
    let wake: (() => void) | undefined;
    let done = false;
    let chain = Promise.resolve();
    const listener: Listener = (event) => {
      // Filters run one after another so events stay in log order.
      chain = chain.then(async () => {
        if (done || !(await keep(event).catch(() => false))) return;
        if (queue.length >= MAX_QUEUED) {
          done = true;
          this.removeListener(listener);
        } else queue.push(event);
        wake?.();
      });
    };
    this.addListener(listener);
    const finish = (): Promise<IteratorResult<RecordedEvent>> => {
      done = true;
      this.removeListener(listener);
      wake?.();
      return Promise.resolve({ value: undefined, done: true });
    };
    return {
      [Symbol.asyncIterator]() {
        return this;
      },
      async next(): Promise<IteratorResult<RecordedEvent>> {
        while (queue.length === 0 && !done) await new Promise<void>((resolve) => (wake = resolve));
        const event = queue.shift();
        return event ? { value: event, done: false } : finish();
      },
      return: finish,
    };
  }
}
