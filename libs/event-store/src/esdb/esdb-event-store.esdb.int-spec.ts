import { randomUUID } from 'node:crypto';
import { testMetadata } from '@kam/kernel/testing';
import { DuplicateEventId, EventStoreUnavailable, EventTooLarge, StreamNotFound } from '../errors';
import type { NewEvent, RecordedEvent, Subscription } from '../event-store.port';
import { comparePositions } from '../position';
import { describeEventStoreContract, startEsdbDouble, type EsdbDouble } from '../testing';
import { openEsdbEventStore, type EsdbEventStore, type EsdbEventStoreOptions } from './esdb-event-store';

// (a) The contract against the in-process gRPC double, through the real client: always.
describeEventStoreContract('esdb (gRPC double)', async (options) => {
  const double = await startEsdbDouble();
  const store = await openEsdbEventStore({ connectionString: double.url, upcasters: options?.upcasters });
  return {
    store,
    close: async () => {
      await store.close();
      await double.stop();
    },
  };
});

// (b) The same contract against a real EventStoreDB/KurrentDB node, only when one is configured.
const realServerUrl = process.env.EVENTSTORE_URL;
if (realServerUrl) {
  describeEventStoreContract(`esdb (real server at ${redact(realServerUrl)})`, async (options) => {
    const store = await openEsdbEventStore({
      connectionString: realServerUrl,
      upcasters: options?.upcasters,
    });
    return { store, close: () => store.close() };
  });
} else {
  console.warn(
    'EVENTSTORE_URL is not set: the EventStore contract ran against the gRPC double only, not against a real ' +
      'EventStoreDB. Set EVENTSTORE_URL (e.g. esdb://localhost:2113?tls=false) to run it against a server too.',
  );
}

describe('EsdbEventStore (adapter specifics, on the double)', () => {
  const cleanups: Array<() => Promise<void>> = [];

  afterEach(async () => {
    while (cleanups.length > 0) await cleanups.pop()!();
  });

  const setUp = async (
    options: Partial<EsdbEventStoreOptions> = {},
    doubleOptions: Parameters<typeof startEsdbDouble>[0] = {},
  ): Promise<{ double: EsdbDouble; store: EsdbEventStore }> => {
    const double = await startEsdbDouble(doubleOptions);
    cleanups.push(() => double.stop());
    const store = await openEsdbEventStore({
      connectionString: double.url,
      resubscribe: { initialDelayMs: 20, maxDelayMs: 200 },
      ...options,
    });
    cleanups.push(() => store.close());
    return { double, store };
  };

  it('hides the server’s own $ events: empty head and $all on a fresh node, none delivered later', async () => {
    const { double, store } = await setUp();
    expect(double.logLength).toBeGreaterThan(0);
    await expect(store.headPosition()).resolves.toBeUndefined();
    await expect(store.readAll()).resolves.toEqual([]);

    const received: RecordedEvent[] = [];
    let caughtUp = 0;
    const subscription = store.subscribeToAll(
      {},
      {
        onEvent: (event) => {
          received.push(event);
        },
        onCaughtUp: () => caughtUp++,
      },
    );
    cleanups.push(() => subscription.stop());
    await waitFor(() => caughtUp === 1, 'caught up on a log with only system events');

    double.appendSystemEvent();
    const event = newEvent('Opened');
    const result = await store.append('deal-1', [event], 'no_stream');
    double.appendSystemEvent();
    await waitFor(() => received.length === 1, 'the user event');
    await sleep(50);

    expect(received.map((e) => e.id)).toEqual([event.id]);
    expect((await store.readAll()).map((e) => e.id)).toEqual([event.id]);
    await expect(store.headPosition()).resolves.toBe(result.position);
    expect(caughtUp).toBe(1);
  });

  it('maps positions to "commit:prepare" and back, recordedAt from the server’s created ticks', async () => {
    const { store } = await setUp();
    const before = Date.now();
    const result = await store.append('deal-2', [newEvent('A'), newEvent('B')], 'no_stream');
    const [first, second] = await store.readStream('deal-2');

    expect(result.position).toMatch(/^\d+:\d+$/);
    expect(second!.position).toBe(result.position);
    expect(comparePositions(first!.position, second!.position)).toBe(-1);
    expect(Math.abs(first!.recordedAt.getTime() - before)).toBeLessThan(5_000);
    const after = await store.readAll({ fromPosition: first!.position });
    expect(after.map((e) => e.id)).toEqual([second!.id]);
    // A single-number cursor (e.g. a checkpoint saved as "0") reads as commit = prepare.
    await expect(store.readAll({ fromPosition: '0' })).resolves.toHaveLength(2);
    await expect(store.readAll({ fromPosition: 'not-a-position' })).rejects.toBeInstanceOf(RangeError);
  });

  it('treats a repeated first event id as a retry even when the server would not dedupe it', async () => {
    // The real server dedupes `any` only through a bounded id cache; this double forgets, like an evicted cache.
    const { store } = await setUp({}, { dedupeAny: false });
    const batch = [newEvent('A'), newEvent('B')];

    const first = await store.append('deal-3', batch, 'any');
    const again = await store.append('deal-3', batch, 'any');
    await store.append('deal-3', [newEvent('C')], 'any');
    const late = await store.append('deal-3', batch, 'any');

    expect(again).toEqual(first);
    expect(late).toEqual(first);
    expect((await store.readStream('deal-3')).map((e) => e.revision)).toEqual([0, 1, 2]);
  });

  it('rejects a batch that repeats an event id, and an id that is not a UUID, before sending', async () => {
    const { store } = await setUp();
    const event = newEvent('A');

    await expect(store.append('deal-4', [event, { ...event }], 'any')).rejects.toBeInstanceOf(
      DuplicateEventId,
    );
    await expect(store.append('deal-4', [{ ...newEvent('A'), id: 'e-1' }], 'any')).rejects.toBeInstanceOf(
      RangeError,
    );
    await expect(store.readStream('deal-4')).rejects.toBeInstanceOf(StreamNotFound);
  });

  it('reports the server’s MaxAppendSize for a batch whose events fit one by one', async () => {
    const { store } = await setUp({}, { maxAppendSize: 300_000 });
    const blob = 'x'.repeat(200_000);

    const error = await rejectionOf(
      store.append('deal-5', [newEvent('A', { blob }), newEvent('B', { blob })], 'any'),
    );

    expect(error).toBeInstanceOf(EventTooLarge);
    expect((error as EventTooLarge).limit).toBe(300_000);
    expect((error as EventTooLarge).bytes).toBeGreaterThan(400_000);
    await expect(store.readStream('deal-5')).rejects.toBeInstanceOf(StreamNotFound);
  });

  it('throws EventStoreUnavailable (and ping is false) while the server is down, then works again', async () => {
    const { double, store } = await setUp({ pingTimeoutMs: 1_000 });
    await store.append('deal-6', [newEvent('A')], 'no_stream');
    await double.stop();

    await expect(store.append('deal-6', [newEvent('B')], 0)).rejects.toBeInstanceOf(EventStoreUnavailable);
    await expect(store.readStream('deal-6')).rejects.toBeInstanceOf(EventStoreUnavailable);
    await expect(store.readAll()).rejects.toBeInstanceOf(EventStoreUnavailable);
    await expect(store.headPosition()).rejects.toBeInstanceOf(EventStoreUnavailable);
    await expect(store.ping()).resolves.toBe(false);

    await double.restart();
    await expect(store.ping()).resolves.toBe(true);
    await expect(store.append('deal-6', [newEvent('B')], 0)).resolves.toMatchObject({
      nextExpectedRevision: 1,
    });
  });

  it('resubscribes by itself after the server restarts: no gap, no duplicate, caught-up once', async () => {
    const { double, store } = await setUp();
    const expected: string[] = [];
    const appendMany = async (count: number): Promise<void> => {
      for (let i = 0; i < count; i++) {
        const event = newEvent('Counted', { n: expected.length });
        await store.append(`rep-${expected.length % 4}`, [event], 'any');
        expected.push(event.id);
      }
    };
    await appendMany(40);

    const received: RecordedEvent[] = [];
    const errors: Error[] = [];
    let caughtUp = 0;
    const subscription = store.subscribeToAll(
      { filter: { streamPrefixes: ['rep-'] } },
      {
        // Slow enough that the outage lands in the middle of the catch-up.
        onEvent: async (event) => {
          received.push(event);
          await sleep(3);
        },
        onCaughtUp: () => caughtUp++,
        onError: (error) => errors.push(error),
      },
    );
    cleanups.push(() => subscription.stop());

    await waitFor(() => received.length >= 10, 'the first events');
    await double.stop();
    await sleep(150);
    await double.restart();
    await waitFor(() => caughtUp === 1, 'caught up after the restart');
    await appendMany(10);
    await double.stop();
    await double.restart();
    await appendMany(10);
    await waitFor(() => received.length >= 60, 'every event');
    await sleep(50);

    expect(received.map((e) => e.id)).toEqual(expected);
    for (let i = 1; i < received.length; i++) {
      expect(comparePositions(received[i - 1]!.position, received[i]!.position)).toBe(-1);
    }
    expect(subscription.lastPosition).toBe(received.at(-1)!.position);
    expect(caughtUp).toBe(1);
    expect(errors).toEqual([]);
  });

  it('keeps retrying a subscription while the server is down, and delivers once it is back', async () => {
    const { double, store } = await setUp();
    await double.stop();
    const received: RecordedEvent[] = [];
    let caughtUp = 0;
    const subscription: Subscription = store.subscribeToAll(
      {},
      {
        onEvent: (event) => {
          received.push(event);
        },
        onCaughtUp: () => caughtUp++,
      },
    );
    cleanups.push(() => subscription.stop());
    await sleep(300);
    expect(received).toEqual([]);

    await double.restart();
    const event = newEvent('Back');
    await store.append('deal-7', [event], 'no_stream');

    await waitFor(() => received.length === 1, 'the event after the outage');
    expect(received[0]!.id).toBe(event.id);
    expect(caughtUp).toBe(1);
  });

  it('stops a subscription whose handler throws and reports the error through onError', async () => {
    const { store } = await setUp();
    await store.append('deal-8', [newEvent('A'), newEvent('B')], 'no_stream');
    const errors: Error[] = [];
    const seen: string[] = [];
    const subscription = store.subscribeToAll(
      {},
      {
        onEvent: (event) => {
          seen.push(event.id);
          throw new Error('projection bug');
        },
        onError: (error) => errors.push(error),
      },
    );
    cleanups.push(() => subscription.stop());

    await waitFor(() => errors.length === 1, 'the handler error');
    await sleep(50);
    expect(errors[0]!.message).toBe('projection bug');
    expect(seen).toHaveLength(1);
    expect(subscription.lastPosition).toBeUndefined();
  });

  it('is unavailable after close: ping false, calls throw EventStoreUnavailable', async () => {
    const { store } = await setUp();
    await store.close();
    await expect(store.ping()).resolves.toBe(false);
    await expect(store.readAll()).rejects.toBeInstanceOf(EventStoreUnavailable);
    expect(() => store.subscribeToAll({}, { onEvent: () => undefined })).toThrow(EventStoreUnavailable);
  });
});

function newEvent(type: string, data: unknown = {}): NewEvent {
  return { id: randomUUID(), type, data, metadata: testMetadata('esdb-spec', '2026-03-01T09:00:00.000Z') };
}

function redact(url: string): string {
  return url.replace(/\/\/[^@/]*@/, '//***@');
}

async function rejectionOf(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error('Expected the promise to reject');
}

async function waitFor(condition: () => boolean, what: string, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`Timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(5);
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
