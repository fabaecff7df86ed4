import { randomUUID } from 'node:crypto';
import type { EventMetadata } from '@kam/kernel';
import { EventTooLarge, StreamNotFound, WrongExpectedRevision } from '../errors';
import {
  MAX_EVENT_BYTES,
  type AppendResult,
  type EventStore,
  type NewEvent,
  type RecordedEvent,
  type SubscribeOptions,
  type Subscription,
} from '../event-store.port';
import { comparePositions, isPosition } from '../position';
import { UpcasterRegistry } from '../upcasters';

export interface ContractStoreOptions {
  upcasters?: UpcasterRegistry;
}

export interface OpenedContractStore {
  store: EventStore;
  close(): Promise<void>;
}

/** Opens a store for the suite; called once for the suite and once more for the upcaster case. */
export type OpenContractStore = (options?: ContractStoreOptions) => Promise<OpenedContractStore>;

/** How far `recordedAt` may be from this process's clock (a server in a container has its own). */
const CLOCK_SLACK_MS = 60_000;
const WAIT_MS = 5_000;

/**
 * The behaviour every EventStore adapter owes the rest of the code, as one jest `describe`.
 *
 * Store-agnostic: it may run against a store that already holds other data (a shared
 * EventStoreDB), so every test writes to fresh random streams and event types, reads `$all` from
 * the head position taken before it wrote, and filters by its own unique prefixes.
 */
export function describeEventStoreContract(name: string, open: OpenContractStore): void {
  describe(`EventStore contract: ${name}`, () => {
    let opened: OpenedContractStore | undefined;
    let store: EventStore;

    beforeAll(async () => {
      opened = await open();
      store = opened.store;
    });

    afterAll(async () => {
      await opened?.close();
    });

    describe('append and read', () => {
      it('round-trips the full envelope through readStream and readAll', async () => {
        const t = testScope();
        const streamId = t.stream('roundtrip');
        const head = await store.headPosition();
        const first = t.event(
          'Opened',
          {
            title: 'Żółta łódź & "quotes" \u{1F680}',
            value: 125_000,
            nested: { list: [1, 'two', null, { deep: true }], empty: {} },
          },
          { occurredAt: '2026-01-15T08:30:00.000Z', schemaVersion: 1 },
        );
        const second = t.event(
          'Renamed',
          { name: 'n' },
          { schemaVersion: 2, occurredAt: '2026-01-15T08:31:00.000Z' },
        );
        const before = Date.now();

        const result = await store.append(streamId, [first, second], 'no_stream');

        const after = Date.now();
        expect(result.nextExpectedRevision).toBe(1);
        expect(isPosition(result.position)).toBe(true);
        const read = await store.readStream(streamId);
        expect(read).toHaveLength(2);
        [first, second].forEach((sent, revision) => {
          const got = read[revision]!;
          expect(got.id).toBe(sent.id);
          expect(got.streamId).toBe(streamId);
          expect(got.revision).toBe(revision);
          expect(got.type).toBe(sent.type);
          expect(got.data).toEqual(sent.data);
          expect(got.metadata).toMatchObject(sent.metadata);
          expect(got.recordedAt).toBeInstanceOf(Date);
          expect(got.recordedAt.getTime()).toBeGreaterThanOrEqual(before - CLOCK_SLACK_MS);
          expect(got.recordedAt.getTime()).toBeLessThanOrEqual(after + CLOCK_SLACK_MS);
          expect(isPosition(got.position)).toBe(true);
          if (head !== undefined) expect(comparePositions(got.position, head)).toBeGreaterThan(0);
        });
        expect(comparePositions(read[0]!.position, read[1]!.position)).toBeLessThan(0);
        expect(read[1]!.position).toBe(result.position);

        const fromAll = await store.readAll({ fromPosition: head, filter: { streamPrefixes: [streamId] } });
        expect(fromAll).toEqual(read);
        const newHead = await store.headPosition();
        expect(newHead).toBeDefined();
        expect(comparePositions(newHead!, result.position)).toBeGreaterThanOrEqual(0);
      });

      it('answers ping while open', async () => {
        await expect(store.ping()).resolves.toBe(true);
        expect(typeof store.kind).toBe('string');
      });
    });

    describe('expected revision', () => {
      it("'no_stream' creates a stream, then conflicts carrying the actual revision", async () => {
        const t = testScope();
        const streamId = t.stream('nostream');
        await expect(store.append(streamId, [t.event('A')], 'no_stream')).resolves.toMatchObject({
          nextExpectedRevision: 0,
        });
        await store.append(streamId, [t.event('B')], 0);

        const conflict = await rejectionOf(store.append(streamId, [t.event('C')], 'no_stream'));

        expectWrongRevision(conflict, streamId, 1);
        expect(await store.readStream(streamId)).toHaveLength(2);
      });

      it("'stream_exists' conflicts with actual null on a missing stream, appends to an existing one", async () => {
        const t = testScope();
        const streamId = t.stream('exists');

        const conflict = await rejectionOf(store.append(streamId, [t.event('A')], 'stream_exists'));

        expectWrongRevision(conflict, streamId, null);
        await expect(store.readStream(streamId)).rejects.toBeInstanceOf(StreamNotFound);
        await store.append(streamId, [t.event('A')], 'no_stream');
        await expect(
          store.append(streamId, [t.event('B'), t.event('C')], 'stream_exists'),
        ).resolves.toMatchObject({
          nextExpectedRevision: 2,
        });
      });

      it('an exact revision appends when it matches and conflicts with the actual revision otherwise', async () => {
        const t = testScope();
        const streamId = t.stream('exact');

        expectWrongRevision(await rejectionOf(store.append(streamId, [t.event('A')], 0)), streamId, null);
        await store.append(streamId, [t.event('A'), t.event('B'), t.event('C')], 'no_stream');
        await expect(store.append(streamId, [t.event('D')], 2)).resolves.toMatchObject({
          nextExpectedRevision: 3,
        });
        expectWrongRevision(await rejectionOf(store.append(streamId, [t.event('E')], 2)), streamId, 3);
        expectWrongRevision(await rejectionOf(store.append(streamId, [t.event('E')], 7)), streamId, 3);

        const read = await store.readStream(streamId);
        expect(read.map((e) => e.type)).toEqual(['A', 'B', 'C', 'D'].map(t.type));
      });

      it("'any' creates a missing stream and appends to an existing one", async () => {
        const t = testScope();
        const streamId = t.stream('any');
        await expect(store.append(streamId, [t.event('A')], 'any')).resolves.toMatchObject({
          nextExpectedRevision: 0,
        });
        await expect(store.append(streamId, [t.event('B'), t.event('C')], 'any')).resolves.toMatchObject({
          nextExpectedRevision: 2,
        });
        expect((await store.readStream(streamId)).map((e) => e.revision)).toEqual([0, 1, 2]);
      });

      it('lets exactly one of 50 concurrent writers with the same expected revision win, per revision', async () => {
        const t = testScope();
        const streamId = t.stream('race');
        await store.append(streamId, [t.event('Started')], 'no_stream');
        const rounds = 3;
        const writers = 50;

        for (let expected = 0; expected < rounds; expected++) {
          const outcomes = await Promise.allSettled(
            Array.from({ length: writers }, (_, writer) =>
              store.append(streamId, [t.event('Raced', { expected, writer })], expected),
            ),
          );

          const won = outcomes.filter(
            (o): o is PromiseFulfilledResult<AppendResult> => o.status === 'fulfilled',
          );
          const lost = outcomes.filter((o): o is PromiseRejectedResult => o.status === 'rejected');
          expect(won).toHaveLength(1);
          expect(won[0]!.value.nextExpectedRevision).toBe(expected + 1);
          expect(lost).toHaveLength(writers - 1);
          for (const loss of lost) expectWrongRevision(loss.reason, streamId, expected + 1);
        }
        const read = await store.readStream(streamId);
        expect(read.map((e) => e.revision)).toEqual([0, 1, 2, 3]);
      });
    });

    describe('idempotent append', () => {
      it('stores a retried batch (same event ids) once and returns the first result', async () => {
        const t = testScope();
        const streamId = t.stream('retry');
        const head = await store.headPosition();
        const batch = [t.event('A'), t.event('B')];

        const first = await store.append(streamId, batch, 'no_stream');
        const again = await store.append(streamId, batch, 'no_stream');

        expect(again).toEqual(first);
        await store.append(streamId, [t.event('C')], 1);
        // The stream has moved on: a late retry of the first batch still answers with its result.
        await expect(store.append(streamId, batch, 'no_stream')).resolves.toEqual(first);

        const single = t.event('D');
        const singleResult = await store.append(streamId, [single], 2);
        await expect(store.append(streamId, [single], 2)).resolves.toEqual(singleResult);

        const read = await store.readStream(streamId);
        expect(read.map((e) => e.id)).toEqual([batch[0]!.id, batch[1]!.id, expect.any(String), single.id]);
        const fromAll = await store.readAll({ fromPosition: head, filter: { streamPrefixes: [streamId] } });
        expect(fromAll).toHaveLength(4);
        expect(new Set(fromAll.map((e) => e.id)).size).toBe(4);
      });
    });

    describe('readStream', () => {
      let streamId: string;
      let t: TestScope;

      beforeAll(async () => {
        t = testScope();
        streamId = t.stream('window');
        await store.append(
          streamId,
          Array.from({ length: 10 }, (_, i) => t.event('Counted', { i })),
          'no_stream',
        );
      });

      const revisionsOf = (events: RecordedEvent[]): number[] => events.map((e) => e.revision);

      it('reads forwards from the start by default', async () => {
        const read = await store.readStream(streamId);
        expect(revisionsOf(read)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
        expect(read.map((e) => (e.data as { i: number }).i)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
      });

      it('reads backwards from the end', async () => {
        expect(revisionsOf(await store.readStream(streamId, { direction: 'backwards' }))).toEqual([
          9, 8, 7, 6, 5, 4, 3, 2, 1, 0,
        ]);
      });

      it('reads a window from an inclusive revision, limited by maxCount, in both directions', async () => {
        expect(revisionsOf(await store.readStream(streamId, { fromRevision: 3, maxCount: 4 }))).toEqual([
          3, 4, 5, 6,
        ]);
        expect(
          revisionsOf(
            await store.readStream(streamId, { direction: 'backwards', fromRevision: 5, maxCount: 3 }),
          ),
        ).toEqual([5, 4, 3]);
        expect(revisionsOf(await store.readStream(streamId, { fromRevision: 8, maxCount: 100 }))).toEqual([
          8, 9,
        ]);
        expect(revisionsOf(await store.readStream(streamId, { maxCount: 2 }))).toEqual([0, 1]);
        expect(
          revisionsOf(await store.readStream(streamId, { direction: 'backwards', maxCount: 2 })),
        ).toEqual([9, 8]);
      });

      it('returns nothing past the end of an existing stream', async () => {
        await expect(store.readStream(streamId, { fromRevision: 10 })).resolves.toEqual([]);
      });

      it('throws StreamNotFound for a stream without events, in both directions', async () => {
        const missing = t.stream('missing');
        const forwards = await rejectionOf(store.readStream(missing));
        expect(forwards).toBeInstanceOf(StreamNotFound);
        expect((forwards as StreamNotFound).streamId).toBe(missing);
        await expect(store.readStream(missing, { direction: 'backwards' })).rejects.toBeInstanceOf(
          StreamNotFound,
        );
      });
    });

    describe('$all', () => {
      it('keeps the append order across 100 streams, with strictly increasing positions', async () => {
        const t = testScope();
        const head = await store.headPosition();
        const appended: { id: string; streamId: string }[] = [];
        const lastPositions: string[] = [];
        for (let i = 0; i < 100; i++) {
          const streamId = t.stream(`s${i}`);
          const events = Array.from({ length: i % 10 === 0 ? 3 : 1 }, (_, k) => t.event('Spread', { i, k }));
          const result = await store.append(streamId, events, 'no_stream');
          appended.push(...events.map((e) => ({ id: e.id, streamId })));
          lastPositions.push(result.position);
        }
        const filter = { streamPrefixes: [t.prefix] };

        const forwards = await store.readAll({ fromPosition: head, filter });

        expect(forwards.map((e) => ({ id: e.id, streamId: e.streamId }))).toEqual(appended);
        expectStrictlyIncreasing(forwards.map((e) => e.position));
        const lastOfEachAppend = forwards.filter((e, i) => forwards[i + 1]?.streamId !== e.streamId);
        expect(lastOfEachAppend.map((e) => e.position)).toEqual(lastPositions);

        const backwards = await store.readAll({ direction: 'backwards', filter, maxCount: forwards.length });
        expect(backwards.map((e) => e.id)).toEqual(forwards.map((e) => e.id).reverse());

        // Paging with the last position as an exclusive cursor reassembles the same sequence.
        const paged: RecordedEvent[] = [];
        let cursor = head;
        for (;;) {
          const page = await store.readAll({ fromPosition: cursor, filter, maxCount: 25 });
          if (page.length === 0) break;
          expect(page.length).toBeLessThanOrEqual(25);
          paged.push(...page);
          cursor = page[page.length - 1]!.position;
        }
        expect(paged.map((e) => e.id)).toEqual(forwards.map((e) => e.id));

        const middle = forwards[50]!.position;
        const before = await store.readAll({
          direction: 'backwards',
          fromPosition: middle,
          filter,
          maxCount: 5,
        });
        expect(before.map((e) => e.id)).toEqual(
          forwards
            .slice(45, 50)
            .map((e) => e.id)
            .reverse(),
        );
        const after = await store.readAll({ fromPosition: middle, filter, maxCount: 5 });
        expect(after.map((e) => e.id)).toEqual(forwards.slice(51, 56).map((e) => e.id));
      });

      it('reads strictly after the given position without a filter', async () => {
        const t = testScope();
        const head = await store.headPosition();
        await store.append(t.stream('unfiltered'), [t.event('A'), t.event('B')], 'no_stream');

        const read = await store.readAll({ fromPosition: head, maxCount: 2 });

        expect(read.length).toBeGreaterThan(0);
        if (head !== undefined)
          for (const e of read) expect(comparePositions(e.position, head)).toBeGreaterThan(0);
        expectStrictlyIncreasing(read.map((e) => e.position));
      });

      it('filters by event-type prefixes and by stream prefixes (both given: both must match)', async () => {
        const t = testScope();
        const head = await store.headPosition();
        const a1 = t.stream('a');
        const a2 = t.stream('a');
        const b1 = t.stream('b');
        const plan: [string, string][] = [
          [a1, 'Opened'],
          [b1, 'Opened'],
          [a2, 'Noted'],
          [a1, 'Closed'],
          [b1, 'Noted'],
          [a2, 'Opened'],
          [b1, 'Closed'],
        ];
        const written: { streamId: string; type: string; id: string }[] = [];
        for (const [streamId, type] of plan) {
          const event = t.event(type);
          await store.append(streamId, [event], 'any');
          written.push({ streamId, type: event.type, id: event.id });
        }
        const aPrefix = `${t.prefix}a-`;
        const typePrefixes = [t.type('Op'), t.type('Cl')];
        const isTyped = (w: { type: string }) => !w.type.endsWith('Noted');
        const ids = (events: { id: string }[]) => events.map((e) => e.id);

        const byType = await store.readAll({
          fromPosition: head,
          filter: { eventTypePrefixes: typePrefixes },
        });
        expect(ids(byType)).toEqual(ids(written.filter(isTyped)));

        const byStream = await store.readAll({ fromPosition: head, filter: { streamPrefixes: [aPrefix] } });
        expect(ids(byStream)).toEqual(ids(written.filter((w) => w.streamId.startsWith(aPrefix))));

        const both = await store.readAll({
          fromPosition: head,
          filter: { eventTypePrefixes: typePrefixes, streamPrefixes: [aPrefix] },
        });
        expect(ids(both)).toEqual(ids(written.filter((w) => isTyped(w) && w.streamId.startsWith(aPrefix))));

        const subscribedByType = collect(store, {
          fromPosition: head,
          filter: { eventTypePrefixes: typePrefixes },
        });
        const subscribedByStream = collect(store, {
          fromPosition: head,
          filter: { streamPrefixes: [aPrefix] },
        });
        try {
          await waitFor(() => subscribedByType.caughtUp > 0 && subscribedByStream.caughtUp > 0, 'caught up');
          expect(ids(subscribedByType.events)).toEqual(ids(byType));
          expect(ids(subscribedByStream.events)).toEqual(ids(byStream));
          expect([...subscribedByType.errors, ...subscribedByStream.errors]).toEqual([]);
        } finally {
          await subscribedByType.subscription.stop();
          await subscribedByStream.subscription.stop();
        }
      });
    });

    describe('subscribeToAll', () => {
      it('signals caught-up once, after the stored events, then delivers live events in order', async () => {
        const t = testScope();
        const head = await store.headPosition();
        const streams = [t.stream('x'), t.stream('y')];
        const expected: string[] = [];
        for (let i = 0; i < 5; i++) {
          const event = t.event('Before', { i });
          await store.append(streams[i % 2]!, [event], 'any');
          expected.push(event.id);
        }
        const caughtUpAt: number[] = [];
        const received: RecordedEvent[] = [];
        const subscription = store.subscribeToAll(
          { fromPosition: head, filter: { streamPrefixes: [t.prefix] } },
          {
            onEvent: (event) => {
              received.push(event);
            },
            onCaughtUp: () => caughtUpAt.push(received.length),
          },
        );
        try {
          await waitFor(() => caughtUpAt.length > 0, 'caught up');
          expect(caughtUpAt).toEqual([5]);
          for (let i = 0; i < 3; i++) {
            const event = t.event('Live', { i });
            await store.append(streams[i % 2]!, [event], 'any');
            expected.push(event.id);
          }
          await waitFor(() => received.length >= 8, 'live events');
          await sleep(30);
          expect(received.map((e) => e.id)).toEqual(expected);
          expectStrictlyIncreasing(received.map((e) => e.position));
          expect(caughtUpAt).toEqual([5]);
          expect(subscription.lastPosition).toBe(received[7]!.position);
        } finally {
          await subscription.stop();
        }
      });

      it('resumes from lastPosition after stop() without a gap or a duplicate; stop awaits the running handler', async () => {
        const t = testScope();
        const head = await store.headPosition();
        const filter = { streamPrefixes: [t.prefix] };
        const streams = [t.stream('p'), t.stream('q'), t.stream('r')];
        const expected: string[] = [];
        const appendSome = async (count: number): Promise<void> => {
          for (let i = 0; i < count; i++) {
            const event = t.event('Resumable', { n: expected.length });
            await store.append(streams[expected.length % streams.length]!, [event], 'any');
            expected.push(event.id);
          }
        };
        await appendSome(10);

        const firstRun: RecordedEvent[] = [];
        const gate = deferred();
        const reachedSeventh = deferred();
        let seventhFinished = false;
        const subscription = store.subscribeToAll(
          { fromPosition: head, filter },
          {
            onEvent: async (event) => {
              firstRun.push(event);
              if (firstRun.length === 7) {
                reachedSeventh.resolve();
                await gate.promise;
                seventhFinished = true;
              }
            },
          },
        );
        await reachedSeventh.promise;
        let stopped = false;
        const stopping = subscription.stop().then(() => {
          stopped = true;
        });
        await sleep(30);
        expect(stopped).toBe(false);
        gate.resolve();
        await stopping;
        expect(seventhFinished).toBe(true);

        await appendSome(10);
        await sleep(30);
        expect(firstRun).toHaveLength(7);
        expect(subscription.lastPosition).toBe(firstRun[6]!.position);

        const resumed = collect(store, { fromPosition: subscription.lastPosition, filter });
        try {
          await waitFor(() => resumed.events.length >= 13 && resumed.caughtUp > 0, 'the rest of the events');
          await sleep(30);
          expect([...firstRun, ...resumed.events].map((e) => e.id)).toEqual(expected);
          expectStrictlyIncreasing([...firstRun, ...resumed.events].map((e) => e.position));
        } finally {
          await resumed.subscription.stop();
        }
      });

      it('ends with onError when a handler throws, keeping lastPosition at the last handled event', async () => {
        const t = testScope();
        const head = await store.headPosition();
        const streamId = t.stream('failing');
        await store.append(streamId, [t.event('Fine'), t.event('Poison'), t.event('After')], 'no_stream');
        const handled: RecordedEvent[] = [];
        const errors: Error[] = [];
        const failure = new Error('projection failed');
        const subscription = store.subscribeToAll(
          { fromPosition: head, filter: { streamPrefixes: [t.prefix] } },
          {
            onEvent: (event) => {
              if (event.type === t.type('Poison')) throw failure;
              handled.push(event);
            },
            onError: (error) => errors.push(error),
          },
        );
        try {
          await waitFor(() => errors.length > 0, 'onError');
          await store.append(streamId, [t.event('Live')], 2);
          await sleep(50);
          expect(errors).toEqual([failure]);
          expect(handled.map((e) => e.type)).toEqual([t.type('Fine')]);
          // Resuming from here retries the event that failed instead of skipping it.
          expect(subscription.lastPosition).toBe(handled[0]!.position);
        } finally {
          await subscription.stop();
        }
      });
    });

    describe('limits', () => {
      it('rejects an event over MAX_EVENT_BYTES with EventTooLarge and stores nothing of the append', async () => {
        const t = testScope();
        const streamId = t.stream('large');

        const tooLarge = await rejectionOf(
          store.append(streamId, [t.event('Huge', { blob: 'x'.repeat(MAX_EVENT_BYTES) })], 'any'),
        );
        expect(tooLarge).toBeInstanceOf(EventTooLarge);
        expect((tooLarge as EventTooLarge).streamId).toBe(streamId);
        expect((tooLarge as EventTooLarge).limit).toBe(MAX_EVENT_BYTES);
        expect((tooLarge as EventTooLarge).bytes).toBeGreaterThan(MAX_EVENT_BYTES);

        // Fewer characters than the limit, more bytes (UTF-8): the limit is in bytes.
        const multiByte = 'ż'.repeat(Math.ceil(MAX_EVENT_BYTES * 0.6));
        await expect(
          store.append(streamId, [t.event('Small'), t.event('Huge', { blob: multiByte })], 'any'),
        ).rejects.toBeInstanceOf(EventTooLarge);
        await expect(store.readStream(streamId)).rejects.toBeInstanceOf(StreamNotFound);

        const fine = { blob: 'y'.repeat(200_000) };
        await store.append(streamId, [t.event('Fine', fine)], 'no_stream');
        const [read] = await store.readStream(streamId);
        expect(read!.data).toEqual(fine);
      });
    });

    describe('upcasters', () => {
      it('applies the registry on readStream, readAll and subscriptions', async () => {
        const t = testScope();
        const type = t.type('Renamed');
        const upcasters = new UpcasterRegistry()
          .register({
            type,
            fromVersion: 1,
            upcast: (data) => ({ name: (data as { title: string }).title }),
          })
          .register({
            type,
            fromVersion: 2,
            upcast: (data) => ({ ...(data as object), tags: [] }),
          });
        const withUpcasters = await open({ upcasters });
        try {
          const upStore = withUpcasters.store;
          const head = await upStore.headPosition();
          const streamId = t.stream('upcast');
          const old = t.event('Renamed', { title: 'Old name' }, { schemaVersion: 1 });
          const current = t.event('Renamed', { name: 'New name', tags: ['x'] }, { schemaVersion: 3 });
          await upStore.append(streamId, [old, current], 'no_stream');
          const check = (events: RecordedEvent[]): void => {
            expect(events.map((e) => e.data)).toEqual([
              { name: 'Old name', tags: [] },
              { name: 'New name', tags: ['x'] },
            ]);
            expect(events.map((e) => e.metadata.schemaVersion)).toEqual([3, 3]);
            expect(events[0]!.metadata.commandId).toBe(old.metadata.commandId);
          };

          check(await upStore.readStream(streamId));
          check(await upStore.readAll({ fromPosition: head, filter: { streamPrefixes: [streamId] } }));
          const subscribed = collect(upStore, { fromPosition: head, filter: { streamPrefixes: [streamId] } });
          try {
            await waitFor(() => subscribed.events.length >= 2, 'upcast events');
            check(subscribed.events);
          } finally {
            await subscribed.subscription.stop();
          }
        } finally {
          await withUpcasters.close();
        }
      });
    });
  });
}

interface TestScope {
  /** Common prefix of every stream of this test. */
  prefix: string;
  stream(category: string): string;
  /** Event type unique to this test. */
  type(name: string): string;
  event(name: string, data?: unknown, metadata?: Partial<EventMetadata>): NewEvent;
}

function testScope(): TestScope {
  const run = randomUUID().replace(/-/g, '').slice(0, 16);
  const prefix = `contract${run}`;
  const type = (name: string): string => `Contract${run}${name}`;
  return {
    prefix,
    type,
    stream: (category) => `${prefix}${category}-${randomUUID()}`,
    event: (name, data = {}, metadata = {}) => {
      const commandId = randomUUID();
      return {
        id: randomUUID(),
        type: type(name),
        data,
        metadata: {
          commandId,
          correlationId: randomUUID(),
          causationId: commandId,
          actor: 'contract-suite',
          occurredAt: '2026-02-01T12:00:00.000Z',
          schemaVersion: 1,
          ...metadata,
        },
      };
    },
  };
}

function expectWrongRevision(error: unknown, streamId: string, actualRevision: number | null): void {
  expect(error).toBeInstanceOf(WrongExpectedRevision);
  expect((error as WrongExpectedRevision).streamId).toBe(streamId);
  expect((error as WrongExpectedRevision).actualRevision).toBe(actualRevision);
}

function expectStrictlyIncreasing(positions: string[]): void {
  for (let i = 1; i < positions.length; i++) {
    expect(comparePositions(positions[i - 1]!, positions[i]!)).toBe(-1);
  }
}

async function rejectionOf(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error('Expected the promise to reject');
}

interface Collected {
  subscription: Subscription;
  events: RecordedEvent[];
  caughtUp: number;
  errors: Error[];
}

function collect(store: EventStore, options: SubscribeOptions): Collected {
  const collected: Omit<Collected, 'subscription'> = { events: [], caughtUp: 0, errors: [] };
  const subscription = store.subscribeToAll(options, {
    onEvent: (event) => {
      collected.events.push(event);
    },
    onCaughtUp: () => {
      collected.caughtUp += 1;
    },
    onError: (error) => {
      collected.errors.push(error);
    },
  });
  return Object.assign(collected, { subscription });
}

async function waitFor(condition: () => boolean, what: string, timeoutMs = WAIT_MS): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`Timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(5);
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

function deferred(): { promise: Promise<void>; resolve(): void } {
  let resolve!: () => void;
  const promise = new Promise<void>((r) => {
    resolve = r;
  });
  return { promise, resolve };
}
