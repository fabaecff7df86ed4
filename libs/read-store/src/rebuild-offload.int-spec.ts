import { existsSync } from 'node:fs';
import { join, dirname } from 'node:path';
import { openSqliteEventStore } from '@kam/event-store';
import { buildSideGenerations, rebuildProjections, type RebuildOffload } from './rebuild';
import { countingProjection, expectedCounts, readCounts } from './testing/counting-projection';
import { allEvents, appendEvents, openTestEventStore, sqliteBackend, type TestEventStore, type TestReadStore } from './testing/read-store-test-kit';

jest.setTimeout(60_000);

/**
 * RebuildOptions.offload with the other side run in this thread (its own event-store
 * connection, its own file): what the API's worker does (rebuild-worker.ts), without the thread.
 */
describe('a rebuild with projections built elsewhere (SQLite)', () => {
  let events: TestEventStore;
  let db: TestReadStore;
  const own = countingProjection({ name: 'own', eventTypes: ['DealOpened', 'DealWon'] });
  const away = countingProjection({ name: 'away', eventTypes: ['DealOpened', 'DealLost'] });
  const poisoned = countingProjection({ name: 'poisoned', eventTypes: ['DealOpened'], isPoison: (e) => e.position === '6' });

  beforeEach(async () => {
    events = await openTestEventStore();
    db = await sqliteBackend().open();
  });

  afterEach(async () => {
    await db.dispose();
    await events.dispose();
  });

  const sideFile = (): string => join(dirname(db.location.sqliteFile!), 'side.sqlite');

  /** The other side on a connection of its own; `before` runs first (appends meanwhile, failures). */
  const offload = (names: string[], before?: () => Promise<void>): RebuildOffload & { untilSeen: Array<string | null> } => {
    const untilSeen: Array<string | null> = [];
    return {
      projections: names,
      untilSeen,
      async build({ targets, untilPosition, signal }) {
        untilSeen.push(untilPosition);
        await before?.();
        const store = await openSqliteEventStore({ file: events.file });
        try {
          const projections = [own, away, poisoned].filter((p) => names.includes(p.name));
          return await buildSideGenerations({ store, file: sideFile(), projections, targets, untilPosition, batchSize: 100, ...(signal ? { signal } : {}) });
        } finally {
          await store.close();
        }
      },
    };
  };

  it('swaps both halves together, each with every event of the log, parked events included', async () => {
    await appendEvents(events.store, 1000);
    const side = offload(['away', 'poisoned'], () => appendEvents(events.store, 50).then(() => undefined));
    const results = await rebuildProjections({ store: events.store, readStore: db.readStore, projections: [own, away, poisoned], batchSize: 100, dropOldAfterMs: 0, offload: side });

    expect(side.untilSeen).toEqual(['1000']);
    const all = await allEvents(events.store);
    expect(all).toHaveLength(1050);
    // The 50 appended while the other side built came in with the swap's tail, for both halves.
    expect(await readCounts(db.readStore, 'own', own.logicalTable)).toEqual(expectedCounts(all, ['DealOpened', 'DealWon']));
    expect(await readCounts(db.readStore, 'away', away.logicalTable)).toEqual(expectedCounts(all, ['DealOpened', 'DealLost']));
    expect(await readCounts(db.readStore, 'poisoned', poisoned.logicalTable)).toEqual(expectedCounts(all, ['DealOpened'], (e) => e.position === '6'));
    expect(results.map((r) => [r.projection, r.generation, r.checkpoint])).toEqual([
      ['own', 2, '1050'],
      ['away', 2, '1050'],
      ['poisoned', 2, '1050'],
    ]);
    expect(results.find((r) => r.projection === 'away')!.applied).toBe(expectedCounts(all, ['DealOpened', 'DealLost']).DealOpened!.n + expectedCounts(all, ['DealOpened', 'DealLost']).DealLost!.n);
    const parked = await db.readStore.db.selectFrom('parked_events').select(['projection', 'generation', 'position']).execute();
    expect(parked).toEqual([{ projection: 'poisoned', generation: 2, position: '6' }]);
    expect(existsSync(sideFile())).toBe(false);
  });

  it('keeps the old generation of the offloaded projections when the other side fails, and swaps the rest', async () => {
    await appendEvents(events.store, 300);
    await rebuildProjections({ store: events.store, readStore: db.readStore, projections: [own, away], dropOldAfterMs: 0 });
    const failing: RebuildOffload = { projections: ['away'], build: async () => Promise.reject(new Error('the worker died')) };
    await expect(
      rebuildProjections({ store: events.store, readStore: db.readStore, projections: [own, away], dropOldAfterMs: 0, offload: failing }),
    ).rejects.toMatchObject({ name: 'RebuildFailedError', results: [expect.objectContaining({ projection: 'own', generation: 3 })] });
    expect(await db.readStore.readState('away')).toMatchObject({ generation: 2, rebuild_owner: null });
    expect(await readCounts(db.readStore, 'away', away.logicalTable)).toEqual(expectedCounts(await allEvents(events.store), ['DealOpened', 'DealLost']));
  });

  it('removes the side file of a build that did not finish', async () => {
    await appendEvents(events.store, 200);
    const aborted = new AbortController();
    aborted.abort(new Error('stopped'));
    await expect(
      buildSideGenerations({ store: events.store, file: sideFile(), projections: [away], targets: { away: 2 }, untilPosition: '200', signal: aborted.signal }),
    ).rejects.toThrow('stopped');
    expect(existsSync(sideFile())).toBe(false);
  });

  it('builds nothing elsewhere on an empty log, and still swaps', async () => {
    const side = offload(['away']);
    const results = await rebuildProjections({ store: events.store, readStore: db.readStore, projections: [own, away], dropOldAfterMs: 0, offload: side });
    expect(side.untilSeen).toEqual([null]);
    expect(results.map((r) => [r.projection, r.generation, r.checkpoint])).toEqual([
      ['own', 2, null],
      ['away', 2, null],
    ]);
    expect(await readCounts(db.readStore, 'away', away.logicalTable)).toEqual({});
  });
});
