import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'kysely';
import { openSqliteEventStore, type EventStore, type RecordedEvent } from '@kam/event-store';
import { openReadStore, rebuildProjections, type Projection, type ReadStore } from '@kam/read-store';
import { allProjections } from '../apps/api/src/read-side/engine-factory';
import { REBUILD_WORKER_PROJECTIONS, workerRebuildOffload } from '../apps/api/src/read-side/rebuild-offload';
import { bulkLoadSqlite } from '../apps/cli/src/seed/bulk-load';
import { seedOrganisation } from '../apps/cli/src/seed/generator';
import { MemoryEventStore } from '../apps/cli/src/seed/memory-event-store';
import { createWriteContext } from '../apps/cli/src/seed/write-context';

jest.setTimeout(120_000);

/** Every row of every table of the served generations, in a stable order (what the two rebuilds must agree on). */
async function contents(readStore: ReadStore): Promise<Record<string, unknown[]>> {
  const tables = (await readStore.db.introspection.getTables()).map((t) => t.name).filter((n) => /_g\d+$/.test(n));
  const out: Record<string, unknown[]> = {};
  for (const table of tables.sort()) {
    const { rows } = await sql<Record<string, unknown>>`select * from ${sql.id(table)}`.execute(readStore.db);
    out[table.replace(/_g\d+$/, '')] = rows.map((r) => JSON.stringify(r)).sort();
  }
  return out;
}

describe('rebuild with the report projections on a worker thread', () => {
  let dir: string;
  let eventsFile: string;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'kam-rebuild-worker-'));
    eventsFile = join(dir, 'events.sqlite');
    const memory = new MemoryEventStore();
    const context = await createWriteContext(memory);
    try {
      await seedOrganisation(context.commandBus, { teams: 2, reps: 8, accounts: 30, months: 4, seed: 7, end: new Date('2025-06-01T00:00:00Z') });
    } finally {
      await context.close();
    }
    bulkLoadSqlite(eventsFile, memory.rows);
  });

  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  /** The seeded log and two fresh read stores in files named `first` and `second`, closed after `work`. */
  const withStores = async (first: string, second: string, work: (store: EventStore, a: ReadStore, b: ReadStore) => Promise<void>): Promise<void> => {
    const store = await openSqliteEventStore({ file: eventsFile });
    const a = await openReadStore({ sqliteFile: join(dir, `${first}.sqlite`) });
    const b = await openReadStore({ sqliteFile: join(dir, `${second}.sqlite`) });
    try {
      await work(store, a, b);
    } finally {
      await a.close();
      await b.close();
      await store.close();
    }
  };
  const reportProjections = (): Projection[] => allProjections().filter((p) => p.name.startsWith('report-'));

  it('builds exactly the read models of a rebuild on one thread, and leaves no side file', async () => {
    const sideFile = join(dir, 'parallel.sqlite.rebuild-side');
    await withStores('single', 'parallel', async (store, single, parallel) => {
      const progress = new Map<string, number>();
      const one = await rebuildProjections({ store, readStore: single, projections: allProjections(), dropOldAfterMs: 0 });
      const two = await rebuildProjections({
        store,
        readStore: parallel,
        projections: allProjections(),
        dropOldAfterMs: 0,
        progressIntervalMs: 0,
        offload: workerRebuildOffload({ events: { file: eventsFile }, sideFile }),
        onProgress: (p) => progress.set(p.projection, p.processed),
      });
      expect(two.map((r) => [r.projection, r.generation, r.checkpoint])).toEqual(one.map((r) => [r.projection, r.generation, r.checkpoint]));
      // The worker's projections applied what the single-thread rebuild applied.
      for (const name of REBUILD_WORKER_PROJECTIONS) {
        expect(two.find((r) => r.projection === name)!.applied).toBe(one.find((r) => r.projection === name)!.applied);
        expect(progress.get(name)).toBe(one[0]!.processed);
      }
      const expected = await contents(single);
      expect(Object.keys(expected).length).toBeGreaterThan(40);
      expect(await contents(parallel)).toEqual(expected);
      expect(existsSync(sideFile)).toBe(false);
    });
  });

  it('undoes what a failed report batch did to the deals it keeps in memory: the same tables as a log without the event that failed', async () => {
    await withStores('poisoned', 'without', async (store, poisoned, without) => {
      const log = await store.readAll();
      // A deal won in the middle of a rebuild batch (every report handles it): the batch closes
      // that deal and changes many others in memory before it fails.
      const poison = log.find((e, i) => i > log.length / 2 && e.type === 'DealWon')!;
      expect(poison).toBeDefined();
      const reports = reportProjections();
      expect(reports.length).toBe(7);
      /** The report, failing every batch that holds the poison event after it applied the batch. */
      const failing = (projection: Projection): Projection => ({
        ...projection,
        async applyBatch(tx, events, ctx) {
          await projection.applyBatch(tx, events, ctx);
          if (events.some((e) => e.id === poison.id)) throw new Error('poisoned');
        },
      });
      const results = await rebuildProjections({ store, readStore: poisoned, projections: reports.map(failing), dropOldAfterMs: 0 });
      expect(results.map((r) => r.parked)).toEqual(reports.map(() => 1));
      /** The log without the poison event. */
      const filtered: EventStore = Object.assign(Object.create(store) as EventStore, {
        readAll: async (options?: Parameters<EventStore['readAll']>[0]): Promise<RecordedEvent[]> =>
          (await store.readAll(options)).filter((e) => e.id !== poison.id),
      });
      await rebuildProjections({ store: filtered, readStore: without, projections: reports, dropOldAfterMs: 0 });
      const expected = await contents(without);
      expect(Object.keys(expected).length).toBeGreaterThan(20);
      expect(await contents(poisoned)).toEqual(expected);
    });
  });

  it('builds the same report tables when the open deals outgrow the memory budget and are written out and read back', async () => {
    await withStores('roomy', 'tight', async (store, roomy, tight) => {
      const reports = reportProjections();
      await rebuildProjections({ store, readStore: roomy, projections: reports, dropOldAfterMs: 0 });
      // Small transactions, and memory for 5 open deals: every report spills early in the log.
      await rebuildProjections({ store, readStore: tight, projections: reports, dropOldAfterMs: 0, memoryRows: 5, batchSize: 200, maxTransactionEvents: 300 });
      const expected = await contents(roomy);
      expect(Object.keys(expected).length).toBeGreaterThan(20);
      expect(await contents(tight)).toEqual(expected);
    });
  });
});
