import { Inject, Injectable, Logger, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { EVENT_STORE, type EventStore, type RecordedEvent, type Subscription } from '@kam/event-store';
import { READ_FRESHNESS, type ReadFreshness } from './read-freshness';

type Listener = (event: RecordedEvent) => void;

/** Events a slow subscriber may have queued before it is disconnected. */
const MAX_QUEUED = 10_000;

/**
 * Live events for GraphQL subscriptions. Each API instance follows the log itself from the head
 * (no shared pub/sub needed when there are several instances) and hands every event to the
 * subscribers once the read models have projected it, so scope decisions see the entity as the
 * event left it.
 */
@Injectable()
export class LiveEventsHub implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger('LiveEvents');
  private readonly listeners = new Set<Listener>();
  private subscription: Subscription | undefined;

  constructor(
    @Inject(EVENT_STORE) private readonly store: EventStore,
    @Inject(READ_FRESHNESS) private readonly freshness: ReadFreshness,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    const head = await this.store.headPosition();
    this.subscription = this.store.subscribeToAll(
      { fromPosition: head },
      {
        onEvent: async (event) => {
          if (this.listeners.size === 0) return;
          // Late is better than judged against a stale read model; after the wait, deliver anyway.
          await this.freshness.waitFor(event.position).catch(() => undefined);
          for (const listener of this.listeners) listener(event);
        },
        onError: (error) => this.logger.error(`Live event subscription ended: ${error.message}`),
      },
    );
  }

  async onApplicationShutdown(): Promise<void> {
    await this.subscription?.stop();
    this.listeners.clear();
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
          this.listeners.delete(listener);
        } else queue.push(event);
        wake?.();
      });
    };
    this.listeners.add(listener);
    const finish = (): Promise<IteratorResult<RecordedEvent>> => {
      done = true;
      this.listeners.delete(listener);
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
