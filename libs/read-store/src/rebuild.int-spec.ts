import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { ProjectionEngine } from './projection-engine';
import { RebuildInProgressError, rebuildProjections, type RebuildProgress } from './rebuild';
import type { ReadStore } from './read-store';
import { countingProjection, expectedCounts, readCounts, readCountsFrom, type TypeCount } from './testing/counting-projection';
import {
  allEvents,
  appendEvents,
  availableBackends,
  eventually,
  openTestEventStore,
  quietLogger,
  type TestEventStore,
  type TestReadStore,
} from './testing/read-store-test-kit';

jest.setTimeout(60_000);

describe.each(availableBackends())('rebuild and crash safety on $name', (backend) => {
  let events: TestEventStore;
  let db: TestReadStore;
  const engines: ProjectionEngine[] = [];

  const engineFor = (readStore: ReadStore, options: Partial<ConstructorParameters<typeof ProjectionEngine>[0]> = {}): ProjectionEngine => {
    const engine = new ProjectionEngine({
      store: events.store,
      readStore,
      projections: [countingProjection()],
      logger: quietLogger,
      metricsRegistry: null,
      dropOldGenerationAfterMs: 0,
      ...options,
    });
    engines.push(engine);
    return engine;
  };

  const tableExists = async (rs: ReadStore, name: string): Promise<boolean> =>
    (await rs.db.introspection.getTables()).some((t) => t.name === name);

  beforeEach(async () => {
    events = await openTestEventStore();
    db = await backend.open();
  });

  afterEach(async () => {
    for (const e of engines.splice(0)) await e.stop();
    await db.dispose();
    await events.dispose();
  });

  it('builds generation 2 while generation 1 keeps being served and updated, then swaps; the running engine follows', async () => {
    await appendEvents(events.store, 3000);
    const projection = countingProjection();
    // A reader with its own connection stands for the API in another process. On SQLite the
    // rebuild shares the engine's connection (two connections writing one SQLite file from one process block each other); on PostgreSQL it is
    // a separate pool, like `npm run rebuild` next to a running service.
    const reader = await db.reopen();
    const rebuilder = backend.name === 'postgres' ? await db.reopen() : db.readStore;
    const engine = engineFor(db.readStore, { projections: [projection] });
    await engine.start();
    await engine.waitForPosition('3000', 10_000);
    const initial = expectedCounts(await allEvents(events.store));

    const during: Array<Promise<{ table: string; counts: Record<string, TypeCount> }>> = [];
    const progress: RebuildProgress[] = [];
    const [result] = await rebuildProjections({
      store: events.store,
      readStore: rebuilder,
      projections: [projection],
      batchSize: 100,
      progressIntervalMs: 0,
      dropOldAfterMs: 200,
      onProgress: (p) => {
        progress.push(p);
        if (progress.length === 5) {
          during.push(
            (async () => {
              const table = reader.table('counting', projection.logicalTable);
              const counts = await readCountsFrom(reader.db, table);
              await appendEvents(events.store, 150);
              return { table, counts };
            })(),
          );
        }
      },
    });
    const [seen] = await Promise.all(during);
    expect(seen).toEqual({ table: 'counting_counts_g1', counts: initial });
    expect(result).toMatchObject({ projection: 'counting', fromGeneration: 1, generation: 2 });
    expect(progress[progress.length - 1]).toMatchObject({ done: true, projection: 'counting' });
    expect(progress[0]!.total).toBeGreaterThanOrEqual(3000);
    expect(progress.some((p) => p.eventsPerSecond > 0 && p.etaSeconds !== null)).toBe(true);

    expect(db.readStore.table('counting', projection.logicalTable)).toBe('counting_counts_g2');
    await eventually(() => reader.table('counting', projection.logicalTable) === 'counting_counts_g2', 5000, 'the reader to see the swap');
    // The engine notices the swap at its next batch and carries on in generation 2.
    await appendEvents(events.store, 40);
    const head = (await events.store.headPosition())!;
    await engine.waitForPosition(head, 10_000);
    const all = expectedCounts(await allEvents(events.store));
    expect(await readCounts(reader, 'counting', projection.logicalTable)).toEqual(all);
    expect(await db.readStore.readState('counting')).toMatchObject({ generation: 2, checkpoint: head, status: 'live', rebuild_owner: null });
    await eventually(async () => !(await tableExists(db.readStore, 'counting_counts_g1')), 5000, 'the old generation to be dropped');
  });

  it('refuses a second concurrent rebuild of the same projection', async () => {
    await appendEvents(events.store, 500);
    const projection = countingProjection({ afterWrite: () => new Promise((r) => setTimeout(r, 5)) });
    let second: Promise<unknown> | undefined;
    await rebuildProjections({
      store: events.store,
      readStore: db.readStore,
      projections: [projection],
      batchSize: 100,
      dropOldAfterMs: 0,
      onProgress: () => {
        second ??= rebuildProjections({ store: events.store, readStore: db.readStore, projections: [projection], dropOldAfterMs: 0 }).then(
          () => 'second rebuild ran',
          (error: unknown) => error,
        );
      },
    });
    expect(await second).toBeInstanceOf(RebuildInProgressError);
    expect(await readCounts(db.readStore, 'counting', projection.logicalTable)).toEqual(expectedCounts(await allEvents(events.store)));
    await expect(rebuildProjections({ store: events.store, readStore: db.readStore, projections: [projection], only: 'nope' })).rejects.toThrow(/Unknown projection nope/);
  });

  it('rebuilds a projection whose version was bumped when the engine starts', async () => {
    await appendEvents(events.store, 800);
    const v1 = countingProjection({ eventTypes: ['DealOpened'] });
    const first = engineFor(db.readStore, { projections: [v1] });
    await first.start();
    await first.waitForPosition('800', 10_000);
    await first.stop();
    expect(await readCounts(db.readStore, 'counting', v1.logicalTable)).toEqual(expectedCounts(await allEvents(events.store), ['DealOpened']));

    // Version 2 also counts DealWon: only a rebuild from position 0 can get the past right.
    const v2 = countingProjection({ version: 2, eventTypes: ['DealOpened', 'DealWon'] });
    const second = engineFor(db.readStore, { projections: [v2] });
    await second.start();
    expect(await db.readStore.readState('counting')).toMatchObject({ version: 2, generation: 2, checkpoint: '800' });
    await appendEvents(events.store, 10);
    await second.waitForPosition('810', 5000);
    expect(await readCounts(db.readStore, 'counting', v2.logicalTable)).toEqual(expectedCounts(await allEvents(events.store), ['DealOpened', 'DealWon']));
    await eventually(async () => !(await tableExists(db.readStore, 'counting_counts_g1')), 5000, 'the old generation to be dropped');

    // Older code meeting a newer stored version does not rebuild it back.
    const old = engineFor(db.readStore, { projections: [v1] });
    await old.start();
    expect((await old.status())[0]).toMatchObject({ state: 'outdated', version: 2, generation: 2 });
    expect(await db.readStore.readState('counting')).toMatchObject({ version: 2, generation: 2 });
  });

  it('drops a table the bumped version retired together with the generation that had it', async () => {
    await appendEvents(events.store, 300);
    // Version 1 owns two tables; version 2 keeps one and retires the other.
    const v1 = countingProjection({ table: 'kept' });
    const extra = countingProjection({ table: 'retired' });
    const withExtra = {
      ...v1,
      tables: ['kept', 'retired'],
      async createTables(tx: Parameters<typeof v1.createTables>[0], ctx: Parameters<typeof v1.createTables>[1]) {
        await v1.createTables(tx, ctx);
        await extra.createTables(tx, ctx);
      },
    };
    const first = engineFor(db.readStore, { projections: [withExtra] });
    await first.start();
    await first.waitForPosition('300', 10_000);
    await first.stop();
    expect(await tableExists(db.readStore, 'retired_g1')).toBe(true);

    const v2 = { ...countingProjection({ version: 2, table: 'kept' }), retiredTables: ['retired'] };
    const second = engineFor(db.readStore, { projections: [v2] });
    await second.start();
    expect(await db.readStore.readState('counting')).toMatchObject({ version: 2, generation: 2, checkpoint: '300' });
    await eventually(async () => !(await tableExists(db.readStore, 'kept_g1')), 5000, 'the old generation to be dropped');
    expect(await tableExists(db.readStore, 'retired_g1')).toBe(false);
    expect(await tableExists(db.readStore, 'retired_g2')).toBe(false);
  });

  it('survives SIGKILL at random instants: no event lost, none counted twice', async () => {
    await appendEvents(events.store, 6000, { perAppend: 500 });
    const child = join(__dirname, 'testing', 'crash-child.ts');
    const env = {
      ...process.env,
      EVENTS_FILE: events.file,
      BATCH_SIZE: '50',
      ...(db.location.sqliteFile
        ? { READ_SQLITE_FILE: db.location.sqliteFile }
        : { READ_PG_URL: db.location.databaseUrl!, READ_PG_SCHEMA: db.location.pgSchema! }),
    };
    const checkpoints: Array<string | null> = [];
    for (let round = 0; round < 4; round++) {
      const proc = spawn(process.execPath, ['-r', '@swc-node/register', child], { env, stdio: ['ignore', 'pipe', 'pipe'] });
      let stderr = '';
      proc.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
      await new Promise<void>((resolve, reject) => {
        proc.stdout.on('data', (d: Buffer) => d.toString().includes('ready') && resolve());
        proc.on('exit', (code) => reject(new Error(`child exited early (${code}): ${stderr}`)));
      });
      await new Promise((r) => setTimeout(r, 20 + Math.floor(Math.random() * 150)));
      const exited = new Promise((r) => proc.on('exit', r));
      proc.kill('SIGKILL');
      await exited;
      checkpoints.push((await db.readStore.readState('counting'))?.checkpoint ?? null);
    }
    // The children made progress between kills (otherwise the test would prove little).
    expect(checkpoints.some((c) => c !== null)).toBe(true);

    const engine = engineFor(db.readStore);
    await engine.start();
    await engine.waitForPosition('6000', 20_000);
    expect(await readCounts(db.readStore, 'counting', 'counting_counts')).toEqual(expectedCounts(await allEvents(events.store)));
  });
});
