import { Registry } from 'prom-client';
import { StaleReadModelError } from '@kam/kernel';
import { openSqliteEventStore, type RecordedEvent } from '@kam/event-store';
import { ProjectionEngine } from './projection-engine';
import { ProjectionStateMovedError, moveCheckpoints, servedGenerationGuard, writeBatch, contextFor } from './projection-writer';
import { ensureProjectionState } from './projection-state';
import { countingProjection, expectedCounts, readCounts } from './testing/counting-projection';
import {
  allEvents,
  appendEvents,
  availableBackends,
  eventually,
  openTestEventStore,
  quietLogger,
  recordingLogger,
  type TestEventStore,
  type TestReadStore,
} from './testing/read-store-test-kit';

jest.setTimeout(30_000);

describe.each(availableBackends())('projection engine on $name', (backend) => {
  let events: TestEventStore;
  let db: TestReadStore;
  const engines: ProjectionEngine[] = [];

  const engineFor = (options: Partial<ConstructorParameters<typeof ProjectionEngine>[0]> = {}): ProjectionEngine => {
    const engine = new ProjectionEngine({
      store: events.store,
      readStore: db.readStore,
      projections: [countingProjection()],
      logger: quietLogger,
      metricsRegistry: null,
      ...options,
    });
    engines.push(engine);
    return engine;
  };

  beforeEach(async () => {
    events = await openTestEventStore();
    db = await backend.open();
  });

  afterEach(async () => {
    for (const e of engines.splice(0)) await e.stop();
    await db.dispose();
    await events.dispose();
  });

  it('projects handled types, skips the others and checkpoints at the last event of the log', async () => {
    await appendEvents(events.store, 1234);
    const projection = countingProjection();
    const engine = engineFor({ projections: [projection], batchSize: 100 });
    await engine.start();
    const head = (await events.store.headPosition())!;
    await engine.waitForPosition(head, 10_000);

    expect(await readCounts(db.readStore, 'counting', projection.logicalTable)).toEqual(expectedCounts(await allEvents(events.store)));
    const state = await db.readStore.readState('counting');
    expect(state).toMatchObject({ checkpoint: head, generation: 1, version: 1 });
    const [status] = await engine.status();
    expect(status).toMatchObject({ name: 'counting', checkpoint: head, lagEvents: 0, lagMs: 0, parked: 0, state: 'running' });
  });

  it('reaches a position whose event type it does not handle (the checkpoint covers skipped events)', async () => {
    await appendEvents(events.store, 10, { types: ['DealOpened'] });
    const engine = engineFor();
    await engine.start();
    await appendEvents(events.store, 3, { types: ['TeamFormed'] });
    const head = (await events.store.headPosition())!;
    await expect(engine.waitForPosition(head, 2000)).resolves.toBeUndefined();
    expect((await db.readStore.readState('counting'))?.checkpoint).toBe(head);
  });

  it('makes a single live event visible within a few milliseconds', async () => {
    await appendEvents(events.store, 50);
    const engine = engineFor();
    await engine.start();
    await engine.waitForPosition((await events.store.headPosition())!, 5000);
    const samples: number[] = [];
    for (let i = 0; i < 20; i++) {
      const t0 = performance.now();
      const { position } = await events.store.append(
        `deal-live-${i}`,
        [{ id: `10000000-0000-4000-8000-${String(i).padStart(12, '0')}`, type: 'DealWon', data: { amount: 1 }, metadata: meta() }],
        'any',
      );
      await engine.waitForPosition(position, 1000);
      samples.push(performance.now() - t0);
    }
    samples.sort((a, b) => a - b);
    const median = samples[Math.floor(samples.length / 2)]!;
    // Generous for a loaded CI box, yet a partial batch flushed on a timer (50 ms) would not pass.
    expect(median).toBeLessThan(40);
  });

  it('writes rows and checkpoint atomically: a projection that throws after writing rows leaves both unchanged', async () => {
    await appendEvents(events.store, 20, { types: ['DealOpened'] });
    const log = await allEvents(events.store);
    const good = countingProjection();
    const rs = db.readStore;
    const clock = () => new Date();
    await ensureProjectionState(rs, good, clock);
    const ctx = contextFor(rs, good, 1);
    const first = log.slice(0, 10);
    await writeBatch(rs, servedGenerationGuard('counting', 1, null, clock), good, ctx, first, endOf(first));
    const before = await readCounts(rs, 'counting', good.logicalTable);
    expect(before).toEqual(expectedCounts(first));

    const failing = countingProjection({ isPoison: () => true });
    const second = log.slice(10);
    await expect(
      writeBatch(rs, servedGenerationGuard('counting', 1, first[9]!.position, clock), failing, ctx, second, endOf(second)),
    ).rejects.toThrow(/poison/);
    expect(await readCounts(rs, 'counting', good.logicalTable)).toEqual(before);
    expect((await rs.readState('counting'))?.checkpoint).toBe(first[9]!.position);

    // A writer whose expected checkpoint is stale (another engine moved it) writes nothing either.
    await expect(writeBatch(rs, servedGenerationGuard('counting', 1, null, clock), good, ctx, second, endOf(second))).rejects.toBeInstanceOf(
      ProjectionStateMovedError,
    );
    expect(await readCounts(rs, 'counting', good.logicalTable)).toEqual(before);
    expect((await rs.readState('counting'))?.checkpoint).toBe(first[9]!.position);
  });

  it('moves the checkpoints of several projections in one compare-and-set: all of them, or none when one moved', async () => {
    const log = await appendEvents(events.store, 6);
    const rs = db.readStore;
    const clock = () => new Date();
    const names = ['ca', 'cb', 'cc'];
    for (const name of names) await ensureProjectionState(rs, countingProjection({ name }), clock);
    const moves = (expected: (name: string) => string | null) =>
      names.map((name) => ({ projection: name, generation: 1, expected: expected(name) }));
    await rs.db.transaction().execute((tx) => moveCheckpoints(tx, moves(() => null), endOf(log.slice(0, 3)), clock));
    for (const name of names) expect((await rs.readState(name))?.checkpoint).toBe(log[2]!.position);

    // cb's checkpoint is not where the writer thinks (another engine moved it): nothing moves.
    const stale = moves((name) => (name === 'cb' ? log[1]!.position : log[2]!.position));
    await expect(rs.db.transaction().execute((tx) => moveCheckpoints(tx, stale, endOf(log), clock))).rejects.toBeInstanceOf(
      ProjectionStateMovedError,
    );
    for (const name of names) expect((await rs.readState(name))?.checkpoint).toBe(log[2]!.position);
    // A generation that is no longer served does not match either.
    const swapped = moves(() => log[2]!.position).map((move) => (move.projection === 'cc' ? { ...move, generation: 2 } : move));
    await expect(rs.db.transaction().execute((tx) => moveCheckpoints(tx, swapped, endOf(log), clock))).rejects.toBeInstanceOf(
      ProjectionStateMovedError,
    );
    for (const name of names) expect((await rs.readState(name))?.checkpoint).toBe(log[2]!.position);
  });

  it('live rounds move the checkpoints of projections that handle none of their events, and count the rest once', async () => {
    const counted = countingProjection({ name: 'deals_only', eventTypes: ['DealOpened'] });
    const idle = [countingProjection({ name: 'teams_only', eventTypes: ['TeamFormed'] }), countingProjection({ name: 'reps_only', eventTypes: ['RepHired'] })];
    const engine = engineFor({ projections: [counted, ...idle] });
    await engine.start();
    for (let i = 0; i < 5; i++) await appendEvents(events.store, 3, { types: ['DealOpened'] });
    const head = (await events.store.headPosition())!;
    await engine.waitForPosition(head, 5000);
    for (const projection of [counted, ...idle]) expect((await db.readStore.readState(projection.name))?.checkpoint).toBe(head);
    expect(await readCounts(db.readStore, 'deals_only', counted.logicalTable)).toEqual(expectedCounts(await allEvents(events.store), ['DealOpened']));
    expect(await readCounts(db.readStore, 'teams_only', idle[0]!.logicalTable)).toEqual({});
  });

  it('parks a poison event, goes on with the rest, and retryParked applies it once fixed', async () => {
    await appendEvents(events.store, 300, { types: ['DealOpened', 'DealWon'] });
    const log = await allEvents(events.store);
    const poison = new Set([log[17]!.id, log[250]!.id]);
    const projection = countingProjection({ isPoison: (e) => poison.has(e.id) });
    const logger = recordingLogger();
    const engine = engineFor({ projections: [projection], batchSize: 64, logger });
    await engine.start();
    await engine.waitForPosition(log[log.length - 1]!.position, 10_000);

    expect(await readCounts(db.readStore, 'counting', projection.logicalTable)).toEqual(expectedCounts(log, undefined, (e) => poison.has(e.id)));
    const parked = await db.readStore.parkedEvents('counting');
    expect(parked.map((p) => p.position)).toEqual([log[17]!.position, log[250]!.position]);
    expect(parked[0]!.error).toMatch(/poison event at/);
    expect((await engine.status())[0]!.parked).toBe(2);
    // Isolation moved the checkpoint event by event without tripping over its own compare-and-set.
    expect(logger.lines.filter((l) => !l.startsWith('warn event parked'))).toEqual([]);

    // Still poison: the retry fails, counts the attempt and keeps the row.
    expect(await engine.retryParked('counting')).toEqual({ retried: 2, succeeded: 0, failed: 2 });
    expect((await db.readStore.parkedEvents('counting')).map((p) => p.retries)).toEqual([1, 1]);

    poison.clear();
    expect(await engine.retryParked()).toEqual({ retried: 2, succeeded: 2, failed: 0 });
    expect(await db.readStore.parkedEvents()).toEqual([]);
    expect(await readCounts(db.readStore, 'counting', projection.logicalTable)).toEqual(expectedCounts(log));

    // The engine kept running through all of this.
    const more = await appendEvents(events.store, 5, { types: ['DealLost'] });
    await engine.waitForPosition(more[more.length - 1]!.position, 2000);
    expect(await readCounts(db.readStore, 'counting', projection.logicalTable)).toEqual(expectedCounts(more));
  });

  it('waitForPosition resolves once every projection is there, and fails with STALE_READ_MODEL after the timeout', async () => {
    await appendEvents(events.store, 10);
    const a = countingProjection({ name: 'a' });
    const b = countingProjection({ name: 'b', eventTypes: ['TeamFormed'] });
    const engine = engineFor({ projections: [a, b] });
    await engine.start();
    const head = (await events.store.headPosition())!;
    await expect(engine.waitForPosition(head, 2000)).resolves.toBeUndefined();

    const beyond = String(Number(head) + 5);
    const waiting = engine.waitForPosition(beyond, 150);
    await expect(waiting).rejects.toBeInstanceOf(StaleReadModelError);
    await expect(engine.waitForPosition(beyond, 50)).rejects.toMatchObject({ code: 'STALE_READ_MODEL', wanted: beyond, reached: head });

    const later = engine.waitForPosition(String(Number(head) + 2), 3000);
    await appendEvents(events.store, 2);
    await expect(later).resolves.toBeUndefined();
    await expect(engine.waitForPosition('not-a-position', 10)).rejects.toMatchObject({ code: 'BAD_USER_INPUT' });
  });

  it('a stopped engine commits its in-flight batch; a restart resumes from the checkpoint without double counting', async () => {
    await appendEvents(events.store, 2000);
    const projection = countingProjection({ afterWrite: () => new Promise((r) => setTimeout(r, 2)) });
    const first = engineFor({ projections: [projection], batchSize: 50 });
    await first.start();
    await eventually(async () => ((await db.readStore.readState('counting'))?.checkpoint ?? null) !== null, 5000, 'a first batch');
    await first.stop();
    const stopped = (await db.readStore.readState('counting'))!.checkpoint!;
    const log = await allEvents(events.store);
    const prefix = log.filter((e) => Number(e.position) <= Number(stopped));
    expect(await readCounts(db.readStore, 'counting', projection.logicalTable)).toEqual(expectedCounts(prefix));

    await appendEvents(events.store, 100);
    const second = engineFor({ projections: [countingProjection()], batchSize: 50 });
    await second.start();
    await second.waitForPosition((await events.store.headPosition())!, 10_000);
    expect(await readCounts(db.readStore, 'counting', projection.logicalTable)).toEqual(expectedCounts(await allEvents(events.store)));
  });

  it('an engine whose checkpoint was moved underneath it (lost lease) re-reads it and double-counts nothing', async () => {
    await appendEvents(events.store, 500);
    const projection = countingProjection();
    const engine = engineFor({ projections: [projection], batchSize: 100 });
    await engine.start();
    await engine.waitForPosition((await events.store.headPosition())!, 5000);
    // A second engine does the same work: one of the two writers loses every compare-and-set it
    // races, and no event is counted twice. On PostgreSQL it gets its own pool; on SQLite it
    // shares the connection, because two better-sqlite3 connections writing one file from one
    // process block each other (the busy wait is synchronous and freezes the event loop).
    const other = new ProjectionEngine({
      store: events.store,
      readStore: backend.name === 'postgres' ? await db.reopen() : db.readStore,
      projections: [countingProjection()],
      logger: quietLogger,
      metricsRegistry: null,
      batchSize: 7,
    });
    engines.push(other);
    await other.start();
    await appendEvents(events.store, 400, { perAppend: 3 });
    const head = (await events.store.headPosition())!;
    await engine.waitForPosition(head, 10_000);
    await other.waitForPosition(head, 10_000);
    expect(await readCounts(db.readStore, 'counting', projection.logicalTable)).toEqual(expectedCounts(await allEvents(events.store)));
  });

  it('exports lag, checkpoint, parked and applied-event metrics to the registry it is given', async () => {
    const log = await appendEvents(events.store, 40, { types: ['DealOpened', 'TeamFormed'] });
    const poisonId = log[2]!.id;
    const registry = new Registry();
    const engine = engineFor({ projections: [countingProjection({ isPoison: (e: RecordedEvent) => e.id === poisonId })], metricsRegistry: registry });
    await engine.start();
    await engine.waitForPosition(log[39]!.position, 5000);
    const text = await registry.metrics();
    expect(text).toContain('kam_projection_lag_events{projection="counting"} 0');
    expect(text).toContain('kam_projection_lag_ms{projection="counting"} 0');
    expect(text).toContain('kam_projection_checkpoint{projection="counting"} 40');
    expect(text).toContain('kam_projection_parked_events{projection="counting"} 1');
    expect(text).toContain('kam_projection_events_total{projection="counting"} 19');
  });

  it('takes in what the log holds before it stops, also events its subscription has not read yet', async () => {
    // The engine's store polls rarely and another connection appends (no in-process wake-up): only
    // the drain in stop() makes it read the last events before stopping.
    const slow = await openSqliteEventStore({ file: events.file, pollIntervalMs: 60_000 });
    try {
      await appendEvents(events.store, 20);
      const engine = engineFor({ store: slow });
      await engine.start();
      await engine.waitForPosition('20', 5000);
      await appendEvents(events.store, 7);
      const head = (await slow.headPosition())!;
      expect(head).toBe('27');
      await engine.stop();
      expect((await db.readStore.readState('counting'))?.checkpoint).toBe(head);
    } finally {
      await slow.close();
    }
  });

  it('reports lag in events and in ms while stopped behind the head', async () => {
    await appendEvents(events.store, 30);
    const engine = engineFor();
    await engine.start();
    await engine.waitForPosition('30', 5000);
    await engine.stop();
    await appendEvents(events.store, 12);
    await new Promise((r) => setTimeout(r, 30));
    const [status] = await engine.status();
    expect(status!.lagEvents).toBe(12);
    expect(status!.lagMs).toBeGreaterThanOrEqual(25);
  });
});

function endOf(events: readonly RecordedEvent[]): { position: string; recordedAt: Date } {
  const last = events[events.length - 1]!;
  return { position: last.position, recordedAt: last.recordedAt };
}

function meta() {
  return { commandId: 'c', correlationId: 'c', causationId: 'c', actor: 'test', occurredAt: new Date().toISOString(), schemaVersion: 1 };
}
