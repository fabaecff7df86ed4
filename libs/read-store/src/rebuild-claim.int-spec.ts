import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { ProjectionEngine } from './projection-engine';
import { dropAbandonedGenerations, generationTables } from './projection-state';
import { PROJECTION_STATE_TABLE, type ReadStore } from './read-store';
import { RebuildInProgressError, rebuildProjections } from './rebuild';
import { claimHolderIsGone, currentClaimHolder, describeProcess } from './rebuild-claim';
import { countingProjection, expectedCounts, readCounts } from './testing/counting-projection';
import { allEvents, appendEvents, availableBackends, openTestEventStore, quietLogger, type TestEventStore, type TestReadStore } from './testing/read-store-test-kit';

jest.setTimeout(60_000);

/** Far longer than any test: a claim these tests see taken over was taken over for its dead holder, not its age. */
const NEVER_STALE_MS = 600_000;

describe('claim holders', () => {
  it('knows a live process from a dead one and from a recycled pid', async () => {
    const me = currentClaimHolder();
    expect(me.pid).toBe(process.pid);
    expect(claimHolderIsGone(me)).toBe(false);
    const child = spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000)'], { stdio: 'ignore' });
    try {
      const holder = describeProcess(child.pid!)!;
      expect(holder).toMatchObject({ host: me.host, pid: child.pid });
      expect(claimHolderIsGone(holder)).toBe(false);
      // The same pid, started at another time: a recycled pid, not the holder.
      if (holder.start !== undefined) expect(claimHolderIsGone({ ...holder, start: `${Number(holder.start) - 1}` })).toBe(true);
      // Another machine: this one cannot tell, the heartbeat decides.
      expect(claimHolderIsGone({ ...holder, host: `${holder.host}-elsewhere` })).toBe(false);
      await kill(child);
      expect(claimHolderIsGone(holder)).toBe(true);
      expect(claimHolderIsGone({ ...holder, host: `${holder.host}-elsewhere` })).toBe(false);
    } finally {
      child.kill('SIGKILL');
    }
  });
});

describe.each(availableBackends())('rebuild claims of dead processes and abandoned generations on $name', (backend) => {
  let events: TestEventStore;
  let db: TestReadStore;
  const children: ChildProcess[] = [];
  const engines: ProjectionEngine[] = [];

  beforeEach(async () => {
    events = await openTestEventStore();
    db = await backend.open();
  });

  afterEach(async () => {
    for (const child of children.splice(0)) child.kill('SIGKILL');
    for (const engine of engines.splice(0)) await engine.stop();
    await db.dispose();
    await events.dispose();
  });

  const tables = async (rs: ReadStore): Promise<string[]> =>
    (await generationTables(rs, countingProjection())).map((t) => t.name).sort();

  /** Starts testing/rebuild-child.ts on this test's stores and waits for `line`. */
  const rebuildChild = async (line: 'claimed' | 'swapped'): Promise<ChildProcess> => {
    const child = spawn(process.execPath, ['-r', '@swc-node/register', join(__dirname, 'testing', 'rebuild-child.ts')], {
      env: {
        ...process.env,
        EVENTS_FILE: events.file,
        ...(db.location.sqliteFile
          ? { READ_SQLITE_FILE: db.location.sqliteFile }
          : { READ_PG_URL: db.location.databaseUrl!, READ_PG_SCHEMA: db.location.pgSchema! }),
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    children.push(child);
    let output = '';
    await new Promise<void>((resolve, reject) => {
      const onData = (d: Buffer): void => {
        output += d.toString();
        if (output.includes(`${line}\n`)) resolve();
      };
      child.stdout!.on('data', onData);
      child.stderr!.on('data', (d: Buffer) => (output += d.toString()));
      child.on('exit', (code) => reject(new Error(`rebuild child exited (${code}) before ${line}: ${output}`)));
    });
    return child;
  };

  const engineFor = (): ProjectionEngine => {
    const engine = new ProjectionEngine({
      store: events.store,
      readStore: db.readStore,
      projections: [countingProjection({ version: 2 })],
      logger: quietLogger,
      metricsRegistry: null,
      dropOldGenerationAfterMs: 0,
    });
    engines.push(engine);
    return engine;
  };

  it('takes over at once the claim of a rebuild killed while building, and drops its half-built generation', async () => {
    await appendEvents(events.store, 3000);
    const projection = countingProjection();
    await rebuildProjections({ store: events.store, readStore: db.readStore, projections: [projection], dropOldAfterMs: 0 });
    expect(await tables(db.readStore)).toEqual(['counting_counts_g2']);

    const child = await rebuildChild('claimed');
    const claimed = await db.readStore.readState('counting');
    expect(claimed).toMatchObject({ generation: 2, status: 'rebuilding' });
    expect(JSON.parse(claimed!.rebuild_holder!)).toMatchObject({ host: currentClaimHolder().host, pid: child.pid, owner: claimed!.rebuild_owner });
    // Alive, its claim holds (a heartbeat this fresh would hold anyway: staleness is not what decides here).
    await expect(
      rebuildProjections({ store: events.store, readStore: db.readStore, projections: [projection], dropOldAfterMs: 0, staleClaimMs: NEVER_STALE_MS }),
    ).rejects.toBeInstanceOf(RebuildInProgressError);
    expect(await tables(db.readStore)).toEqual(['counting_counts_g2', 'counting_counts_g3']);

    await kill(child);
    expect(await db.readStore.readState('counting')).toMatchObject({ generation: 2, status: 'rebuilding' });
    const started = Date.now();
    const [result] = await rebuildProjections({ store: events.store, readStore: db.readStore, projections: [projection], dropOldAfterMs: 0, staleClaimMs: NEVER_STALE_MS });
    expect(Date.now() - started).toBeLessThan(30_000);
    expect(result).toMatchObject({ fromGeneration: 2, generation: 3 });
    expect(await readCounts(db.readStore, 'counting', projection.logicalTable)).toEqual(expectedCounts(await allEvents(events.store)));
    expect(await db.readStore.readState('counting')).toMatchObject({ generation: 3, status: 'live', rebuild_owner: null, rebuild_holder: null });
    expect(await tables(db.readStore)).toEqual(['counting_counts_g3']);
  });

  it('an engine starting after a killed rebuild of a bumped version takes over its claim instead of waiting for it to go stale', async () => {
    await appendEvents(events.store, 1000);
    await rebuildProjections({ store: events.store, readStore: db.readStore, projections: [countingProjection()], dropOldAfterMs: 0 });
    await kill(await rebuildChild('claimed'));
    // The claim was written seconds ago: by the heartbeat rule alone the engine would wait ~30 s.
    const engine = engineFor();
    const started = Date.now();
    await engine.start();
    expect(Date.now() - started).toBeLessThan(20_000);
    expect(await db.readStore.readState('counting')).toMatchObject({ version: 2, generation: 3 });
    await engine.waitForPosition('1000', 10_000);
  });

  it('drops the generation a rebuild killed in its drop wait replaced, at the next start or rebuild', async () => {
    await appendEvents(events.store, 600);
    const projection = countingProjection();
    await rebuildProjections({ store: events.store, readStore: db.readStore, projections: [projection], dropOldAfterMs: 0 });
    const child = await rebuildChild('swapped');
    // Swapped to generation 3, waiting to drop 2; its claim stays until then, so readers of 2
    // elsewhere are safe from a cleanup running meanwhile.
    expect(await db.readStore.readState('counting')).toMatchObject({ generation: 3, status: 'live' });
    expect((await db.readStore.readState('counting'))!.rebuild_owner).not.toBeNull();
    expect(await dropAbandonedGenerations(db.readStore, projection)).toEqual([]);
    expect(await tables(db.readStore)).toEqual(['counting_counts_g2', 'counting_counts_g3']);

    await kill(child);
    // A generation a much older leak left (below served - 1) goes even while a live claim is held.
    await db.readStore.db.schema.createTable('counting_counts_g1').addColumn('type', 'text').execute();
    const engine = new ProjectionEngine({
      store: events.store,
      readStore: db.readStore,
      projections: [projection],
      logger: quietLogger,
      metricsRegistry: null,
    });
    engines.push(engine);
    await engine.start();
    expect(await tables(db.readStore)).toEqual(['counting_counts_g3']);
    expect(await db.readStore.readState('counting')).toMatchObject({ generation: 3, status: 'live', rebuild_owner: null });
    await engine.waitForPosition('600', 10_000);
    expect(await readCounts(db.readStore, 'counting', projection.logicalTable)).toEqual(expectedCounts(await allEvents(events.store)));
  });

  it('takes over only for the owner the dead holder wrote (a holder left by an earlier claim does not vouch for a newer one)', async () => {
    await appendEvents(events.store, 100);
    const projection = countingProjection();
    await rebuildProjections({ store: events.store, readStore: db.readStore, projections: [projection], dropOldAfterMs: 0 });
    const child = spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000)'], { stdio: 'ignore' });
    children.push(child);
    const dead = describeProcess(child.pid!)!;
    await kill(child);
    const claimBy = (owner: string, holderOwner: string) =>
      db.readStore.db
        .updateTable(PROJECTION_STATE_TABLE)
        .set({ status: 'rebuilding', rebuild_owner: owner, rebuild_holder: JSON.stringify({ ...dead, owner: holderOwner }), rebuild_heartbeat_at: new Date().toISOString() })
        .where('name', '=', 'counting')
        .execute();
    const rebuild = () =>
      rebuildProjections({ store: events.store, readStore: db.readStore, projections: [projection], dropOldAfterMs: 0, staleClaimMs: NEVER_STALE_MS });
    await claimBy('written-by-older-code', 'an-earlier-claim');
    await expect(rebuild()).rejects.toBeInstanceOf(RebuildInProgressError);
    await claimBy('dead-rebuild', 'dead-rebuild');
    expect(await rebuild()).toMatchObject([{ fromGeneration: 2, generation: 3 }]);
  });

  it('leaves the generations a live claim protects, drops only those below served - 1', async () => {
    await appendEvents(events.store, 100);
    const projection = countingProjection();
    await rebuildProjections({ store: events.store, readStore: db.readStore, projections: [projection], dropOldAfterMs: 0 });
    await rebuildProjections({ store: events.store, readStore: db.readStore, projections: [projection], dropOldAfterMs: 0 });
    for (const g of [1, 2, 4]) await db.readStore.db.schema.createTable(`counting_counts_g${g}`).addColumn('type', 'text').execute();
    // A live holder elsewhere (another host: only its heartbeat could end it) is building 4.
    await db.readStore.db
      .updateTable(PROJECTION_STATE_TABLE)
      .set({
        status: 'rebuilding',
        rebuild_owner: 'elsewhere',
        rebuild_holder: JSON.stringify({ ...currentClaimHolder(), host: 'another-host' }),
        rebuild_heartbeat_at: new Date().toISOString(),
      })
      .where('name', '=', 'counting')
      .execute();
    expect(await dropAbandonedGenerations(db.readStore, projection)).toEqual(['counting_counts_g1']);
    expect(await tables(db.readStore)).toEqual(['counting_counts_g2', 'counting_counts_g3', 'counting_counts_g4']);
    // Its heartbeat gone stale: the claim is taken over and everything but the served generation goes.
    expect((await dropAbandonedGenerations(db.readStore, projection, () => new Date(Date.now() + 31_000))).sort()).toEqual(['counting_counts_g2', 'counting_counts_g4']);
    expect(await tables(db.readStore)).toEqual(['counting_counts_g3']);
    expect(await db.readStore.readState('counting')).toMatchObject({ generation: 3, status: 'live', rebuild_owner: null });
  });
});

async function kill(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((resolve) => child.on('exit', resolve));
  child.kill('SIGKILL');
  await exited;
}
