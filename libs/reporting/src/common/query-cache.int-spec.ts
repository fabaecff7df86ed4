import { ProjectionEngine, rebuildProjection } from '@kam/read-store';
// The read store's own test kit (it has no @kam/read-store/testing entry point yet).
// eslint-disable-next-line no-restricted-imports
import { countingProjection } from '../../../read-store/src/testing/counting-projection';
// eslint-disable-next-line no-restricted-imports
import {
  appendEvents,
  availableBackends,
  quietLogger,
  openTestEventStore,
  type TestEventStore,
  type TestReadStore,
} from '../../../read-store/src/testing/read-store-test-kit';
import { projectionStateVersion } from './query-cache';

jest.setTimeout(30_000);

/*
 * The read-model version the query cache keys its answers by must move with every committed
 * change of what queries read — in this process or another one — and stay put otherwise.
 */
describe.each(availableBackends())('read-model version on $name', (backend) => {
  let events: TestEventStore;
  let db: TestReadStore;
  const engines: ProjectionEngine[] = [];

  beforeEach(async () => {
    events = await openTestEventStore();
    // The shared PostgreSQL database: the migrator's introspection fails now and then while other
    // suites drop their schemas (42P01 on a table of another schema); this test is not about that.
    for (let attempt = 1; ; attempt++) {
      try {
        db = await backend.open();
        break;
      } catch (error) {
        if (attempt >= 5 || !/does not exist/.test(String(error))) throw error;
        await new Promise((r) => setTimeout(r, 100 * attempt));
      }
    }
  });
  afterEach(async () => {
    for (const e of engines.splice(0)) await e.stop();
    await db?.dispose();
    await events?.dispose();
  });

  function engineWith(poison: { on: boolean }): ProjectionEngine {
    const engine = new ProjectionEngine({
      store: events.store,
      readStore: db.readStore,
      projections: [countingProjection({ isPoison: (e) => poison.on && (e.data as { amount: number }).amount === 3 })],
      logger: quietLogger,
      metricsRegistry: null,
      retryDelayMs: 10,
    });
    engines.push(engine);
    return engine;
  }

  it('moves with projected batches, parked retries and generation swaps, seen from any connection', async () => {
    const poison = { on: true };
    const engine = engineWith(poison);
    await engine.start();
    const here = projectionStateVersion(db.readStore, ['counting']);
    const other = await db.reopen();
    const there = projectionStateVersion(other, ['counting']);

    const v0 = await here();
    expect(await here()).toBe(v0);

    await appendEvents(events.store, 5, { types: ['DealOpened'] });
    await engine.waitForPosition((await events.store.headPosition())!, 10_000);
    const v1 = await here();
    expect(v1).not.toBe(v0);
    expect(await here()).toBe(v1);
    expect(await there()).toBe(v1.replace(/:\d+$/, `:${other.generationOf('counting')}`));

    // The poison event was parked; retrying it successfully changes the rows, not the checkpoint.
    expect((await db.readStore.parkedEvents('counting')).length).toBe(1);
    poison.on = false;
    const retried = await engine.retryParked('counting');
    expect(retried.succeeded).toBe(1);
    const v2 = await here();
    expect(v2).not.toBe(v1);

    // A rebuild in "another process" swaps the served generation.
    await engine.stop();
    await rebuildProjection({ store: events.store, readStore: other, projection: countingProjection(), dropOldAfterMs: 0 });
    const v3 = await there();
    expect(v3).not.toBe(v2);
    await db.readStore.refreshGenerations();
    const v4 = await here();
    expect(v4).not.toBe(v2);
    expect(await here()).toBe(v4);
  });
});
