import { ProjectionEngine } from './projection-engine';
import type { ReadStore } from './read-store';
import { PROJECTION_STATE_TABLE } from './read-store';
import { RebuildFailedError, RebuildInProgressError, rebuildProjections, type RebuildOverallProgress, type RebuildProgress } from './rebuild';
import { ProjectionStateMovedError } from './projection-writer';
import { countingProjection, expectedCounts, readCounts } from './testing/counting-projection';
import {
  allEvents,
  appendEvents,
  availableBackends,
  countingEventStore,
  eventually,
  openTestEventStore,
  quietLogger,
  type CountingEventStore,
  type TestEventStore,
  type TestReadStore,
} from './testing/read-store-test-kit';

jest.setTimeout(60_000);

/** A connection reset inside a batch: the infrastructure's fault, never the event's. */
function connectionReset(): Error {
  return Object.assign(new Error('read ECONNRESET'), { code: 'ECONNRESET' });
}

describe.each(availableBackends())('one pass over the log for many projections on $name', (backend) => {
  let events: TestEventStore;
  let store: CountingEventStore;
  let db: TestReadStore;
  const engines: ProjectionEngine[] = [];

  const tableExists = async (rs: ReadStore, name: string): Promise<boolean> =>
    (await rs.db.introspection.getTables()).some((t) => t.name === name);

  beforeEach(async () => {
    events = await openTestEventStore();
    store = countingEventStore(events.store);
    db = await backend.open();
  });

  afterEach(async () => {
    for (const e of engines.splice(0)) await e.stop();
    await db.dispose();
    await events.dispose();
  });

  it('rebuilds projections with different type sets from one read of the log; each reaches the head, with progress per projection and overall', async () => {
    await appendEvents(events.store, 2500, { perAppend: 250 });
    const log = await allEvents(events.store);
    const poison = log.find((e, i) => i > 1200 && e.type === 'DealOpened')!;
    const a = countingProjection({ name: 'a', eventTypes: ['DealOpened', 'DealWon'], isPoison: (e) => e.id === poison.id });
    const b = countingProjection({ name: 'b', eventTypes: ['TeamFormed'] });
    const c = countingProjection({ name: 'c', eventTypes: ['RepHired', 'DealLost', 'DealWon'] });
    const progress: RebuildProgress[] = [];
    const overall: RebuildOverallProgress[] = [];
    store.counts.readAllEvents = 0;

    const results = await rebuildProjections({
      store,
      readStore: db.readStore,
      projections: [a, b, c],
      batchSize: 300,
      progressIntervalMs: 0,
      dropOldAfterMs: 0,
      onProgress: (p) => progress.push(p),
      onOverallProgress: (p) => overall.push(p),
    });

    // One pass: the log was read once, not once per projection.
    expect(store.counts.readAllEvents).toBe(log.length);
    const head = log[log.length - 1]!.position;
    expect(results.map((r) => [r.projection, r.generation, r.processed, r.checkpoint])).toEqual([
      ['a', 2, 2500, head],
      ['b', 2, 2500, head],
      ['c', 2, 2500, head],
    ]);
    expect(results.map((r) => r.applied)).toEqual([
      log.filter((e) => ['DealOpened', 'DealWon'].includes(e.type)).length - 1,
      log.filter((e) => e.type === 'TeamFormed').length,
      log.filter((e) => ['RepHired', 'DealLost', 'DealWon'].includes(e.type)).length,
    ]);
    expect(results.map((r) => r.parked)).toEqual([1, 0, 0]);
    for (const r of results) expect(r.applyMs).toBeGreaterThanOrEqual(0);

    expect(await readCounts(db.readStore, 'a', a.logicalTable)).toEqual(expectedCounts(log, a.eventTypes, (e) => e.id === poison.id));
    expect(await readCounts(db.readStore, 'b', b.logicalTable)).toEqual(expectedCounts(log, b.eventTypes));
    expect(await readCounts(db.readStore, 'c', c.logicalTable)).toEqual(expectedCounts(log, c.eventTypes));
    for (const name of ['a', 'b', 'c']) {
      expect(await db.readStore.readState(name)).toMatchObject({ generation: 2, checkpoint: head, status: 'live', rebuild_owner: null });
    }
    expect((await db.readStore.parkedEvents('a')).map((p) => p.position)).toEqual([poison.position]);

    // Progress: every projection reported while the pass went on, and once more when done.
    for (const name of ['a', 'b', 'c']) {
      const mine = progress.filter((p) => p.projection === name);
      expect(mine.length).toBeGreaterThan(2);
      expect(mine[mine.length - 1]).toMatchObject({ done: true, processed: 2500, total: 2500 });
      expect(mine.filter((p) => p.done)).toHaveLength(1);
    }
    expect(overall.length).toBeGreaterThan(2);
    expect(overall[0]!.total).toBeGreaterThanOrEqual(2500);
    expect(overall[overall.length - 1]).toMatchObject({ done: true, processed: 2500, projections: ['a', 'b', 'c'], failed: [] });
  });

  it('does not swap a projection that fails mid-rebuild (database error, claim lost); the others are swapped', async () => {
    await appendEvents(events.store, 1500, { perAppend: 150 });
    const before = await allEvents(events.store);
    const healthy = countingProjection({ name: 'healthy' });
    const flaky = countingProjection({ name: 'flaky', eventTypes: ['DealOpened', 'TeamFormed'] });
    const robbed = countingProjection({ name: 'robbed', eventTypes: ['DealWon'] });
    // Generation 1 of each, served and current.
    const engine = new ProjectionEngine({ store: events.store, readStore: db.readStore, projections: [healthy, flaky, robbed], logger: quietLogger, metricsRegistry: null });
    await engine.start();
    await engine.waitForPosition(before[before.length - 1]!.position, 10_000);
    await engine.stop();

    let flakyBatches = 0;
    const flakyV1 = countingProjection({
      name: 'flaky',
      eventTypes: ['DealOpened', 'TeamFormed'],
      afterWrite: () => {
        flakyBatches += 1;
        if (flakyBatches === 2) throw connectionReset();
      },
    });
    let stolen = false;
    const error = await rebuildProjections({
      store,
      readStore: db.readStore,
      projections: [healthy, flakyV1, robbed],
      batchSize: 100,
      maxTransactionEvents: 100,
      progressIntervalMs: 0,
      dropOldAfterMs: 0,
      onProgress: (p) => {
        if (!stolen && p.processed >= 500) {
          stolen = true;
          // Another rebuild took over the claim (it found ours stale).
          void db.readStore.db
            .updateTable(PROJECTION_STATE_TABLE)
            .set({ rebuild_owner: 'someone-else', rebuild_heartbeat_at: new Date().toISOString() })
            .where('name', '=', 'robbed')
            .execute();
        }
      },
    }).then(
      () => undefined,
      (e: unknown) => e,
    );

    expect(error).toBeInstanceOf(RebuildFailedError);
    const failed = error as RebuildFailedError;
    expect(failed.results.map((r) => [r.projection, r.generation])).toEqual([['healthy', 2]]);
    expect(failed.failures.map((f) => f.projection).sort()).toEqual(['flaky', 'robbed']);
    expect(failed.failures.find((f) => f.projection === 'flaky')!.error).toMatchObject({ code: 'ECONNRESET' });
    expect(failed.failures.find((f) => f.projection === 'robbed')!.error).toBeInstanceOf(ProjectionStateMovedError);

    expect(await db.readStore.readState('healthy')).toMatchObject({ generation: 2, status: 'live', rebuild_owner: null });
    // The failed ones still serve generation 1, untouched; flaky's claim is released and its g2 dropped,
    // robbed's claim and g2 belong to the other rebuild now.
    expect(await db.readStore.readState('flaky')).toMatchObject({ generation: 1, status: 'live', rebuild_owner: null });
    expect(await tableExists(db.readStore, 'flaky_counts_g2')).toBe(false);
    expect(await readCounts(db.readStore, 'flaky', flaky.logicalTable)).toEqual(expectedCounts(before, flaky.eventTypes));
    expect(await db.readStore.readState('robbed')).toMatchObject({ generation: 1, rebuild_owner: 'someone-else' });
    expect(await readCounts(db.readStore, 'robbed', robbed.logicalTable)).toEqual(expectedCounts(before, robbed.eventTypes));
    expect(await readCounts(db.readStore, 'healthy', healthy.logicalTable)).toEqual(expectedCounts(await allEvents(events.store)));
  });

  it('refuses the whole rebuild, claiming nothing, when one selected projection is being rebuilt elsewhere', async () => {
    await appendEvents(events.store, 200);
    const a = countingProjection({ name: 'a' });
    const b = countingProjection({ name: 'b' });
    await rebuildProjections({ store, readStore: db.readStore, projections: [a, b], dropOldAfterMs: 0 });
    await db.readStore.db
      .updateTable(PROJECTION_STATE_TABLE)
      .set({ status: 'rebuilding', rebuild_owner: 'elsewhere', rebuild_heartbeat_at: new Date().toISOString() })
      .where('name', '=', 'b')
      .execute();
    await expect(rebuildProjections({ store, readStore: db.readStore, projections: [a, b], dropOldAfterMs: 0 })).rejects.toBeInstanceOf(RebuildInProgressError);
    expect(await db.readStore.readState('a')).toMatchObject({ generation: 2, rebuild_owner: null, status: 'live' });
    expect(await db.readStore.readState('b')).toMatchObject({ generation: 2, rebuild_owner: 'elsewhere' });
  });

  it('feeds every projection from one subscription, and rebuilds bumped versions at start in one pass while the others run', async () => {
    await appendEvents(events.store, 1200);
    const v1 = ['a', 'b', 'c'].map((name) => countingProjection({ name, eventTypes: ['DealOpened'] }));
    const first = new ProjectionEngine({ store, readStore: db.readStore, projections: v1, logger: quietLogger, metricsRegistry: null });
    engines.push(first);
    await first.start();
    await first.waitForPosition('1200', 10_000);
    expect(store.counts.subscriptions).toBe(1);
    expect(store.counts.delivered).toBe(1200);
    await first.stop();

    // a and b change (version 2 counts DealWon too); c does not.
    const v2 = [
      countingProjection({ name: 'a', version: 2, eventTypes: ['DealOpened', 'DealWon'] }),
      countingProjection({ name: 'b', version: 2, eventTypes: ['DealOpened', 'DealWon'] }),
      countingProjection({ name: 'c', eventTypes: ['DealOpened'] }),
    ];
    store.counts.readAllEvents = 0;
    const second = new ProjectionEngine({ store, readStore: db.readStore, projections: v2, logger: quietLogger, metricsRegistry: null, dropOldGenerationAfterMs: 0 });
    engines.push(second);
    await second.start();
    expect(store.counts.readAllEvents).toBe(1200);
    expect(await db.readStore.readState('a')).toMatchObject({ version: 2, generation: 2, checkpoint: '1200' });
    expect(await db.readStore.readState('b')).toMatchObject({ version: 2, generation: 2, checkpoint: '1200' });
    expect(await db.readStore.readState('c')).toMatchObject({ version: 1, generation: 1 });

    await appendEvents(events.store, 300, { perAppend: 7 });
    await second.waitForPosition('1500', 10_000);
    const log = await allEvents(events.store);
    for (const p of v2) expect(await readCounts(db.readStore, p.name, p.logicalTable)).toEqual(expectedCounts(log, p.eventTypes));
    // Whatever feeds were needed to get there, the projections end up on one.
    await eventually(() => store.counts.openSubscriptions === 1, 5000, 'one open subscription');
  });

  it('a projection that fails alone comes back on a feed of its own from its checkpoint and rejoins the shared one', async () => {
    await appendEvents(events.store, 600);
    let resets = 0;
    const steady = countingProjection({ name: 'steady' });
    const shaky = countingProjection({
      name: 'shaky',
      afterWrite: () => {
        if (resets > 0) {
          resets -= 1;
          throw connectionReset();
        }
      },
    });
    const engine = new ProjectionEngine({
      store,
      readStore: db.readStore,
      projections: [steady, shaky],
      batchSize: 50,
      retryDelayMs: 100,
      groupCommit: false,
      logger: quietLogger,
      metricsRegistry: null,
    });
    engines.push(engine);
    await engine.start();
    await engine.waitForPosition('600', 10_000);
    expect(store.counts.openSubscriptions).toBe(1);

    resets = 1;
    await appendEvents(events.store, 400, { perAppend: 5 });
    await engine.waitForPosition('1000', 10_000);
    // It failed, waited, and caught up on a second subscription…
    expect(store.counts.subscriptions).toBeGreaterThanOrEqual(2);
    const log = await allEvents(events.store);
    expect(await readCounts(db.readStore, 'shaky', shaky.logicalTable)).toEqual(expectedCounts(log));
    expect(await readCounts(db.readStore, 'steady', steady.logicalTable)).toEqual(expectedCounts(log));
    // …then both are fed by one subscription again.
    await appendEvents(events.store, 20);
    await engine.waitForPosition('1020', 10_000);
    await eventually(() => store.counts.openSubscriptions === 1, 5000, 'the feeds to merge');
    expect(await readCounts(db.readStore, 'shaky', shaky.logicalTable)).toEqual(expectedCounts(await allEvents(events.store)));
    expect((await engine.status()).map((s) => [s.name, s.checkpoint, s.state])).toEqual([
      ['steady', '1020', 'running'],
      ['shaky', '1020', 'running'],
    ]);
  });
});
