import { Client } from 'pg';
import { ProjectionEngine, openReadStore, rebuildProjection, type ReadStore } from '@kam/read-store';
import type { ReadScope } from '@kam/graphql';
import { DealsQuery } from './deals/deals.query';
import { RepsQuery } from './reps/reps.query';
import { TrainingSessionsQuery } from './training/training.query';
import { ENTITY_PROJECTIONS } from './entity-projections';
import { dealsProjection } from './deals/deals.projection';
import { availableBackends, Story, TEST_PG_URL } from './testing/entities-test-kit';
import { DEAL_1, DEAL_2, REP_1, SESSION_1, T, TEAM_A, TEAM_B, tellStory } from './testing/story.fixture';

jest.setTimeout(60_000);

const ALL: ReadScope = { kind: 'all' };
const quiet = { info: () => undefined, warn: () => undefined, error: () => undefined };

/**
 * The entity projections under the real projection engine and rebuild: generation-suffixed
 * tables and index names, batches cut wherever the engine cuts them, a generation swap.
 */
describe.each(availableBackends())('entity projections under the projection engine on $name', (backend) => {
  let story: Story;
  let readStore: ReadStore;
  let engine: ProjectionEngine;
  const schema = `ent_${Date.now().toString(36)}_${process.pid}`;

  beforeAll(async () => {
    story = await Story.open();
    await tellStory(story);
    readStore =
      backend.name === 'postgres'
        ? await openReadStore({
            databaseUrl: TEST_PG_URL,
            pgSchema: schema,
            poolSize: 4,
            generationRefreshMs: 0,
          })
        : await openReadStore({ generationRefreshMs: 0 });
    engine = new ProjectionEngine({
      store: story.store,
      readStore,
      projections: ENTITY_PROJECTIONS,
      batchSize: 7,
      logger: quiet,
      metricsRegistry: null,
    });
    await engine.start();
    await engine.waitForPosition((await story.store.headPosition())!, 20_000);
  });

  afterAll(async () => {
    await engine?.stop();
    await readStore?.close();
    await story?.close();
    if (backend.name === 'postgres') {
      const client = new Client({ connectionString: TEST_PG_URL });
      await client.connect();
      await client.query(`drop schema if exists "${schema}" cascade`);
      await client.end();
    }
  });

  it('projects the story and answers through the served generation', async () => {
    expect(await new DealsQuery(readStore, story.store).get(DEAL_1, ALL)).toMatchObject({
      teamId: TEAM_B,
      valueMinor: 1_200_000,
      revision: 5,
    });
    expect(await new DealsQuery(readStore, story.store).get(DEAL_1, ALL, T.opened)).toMatchObject({
      teamId: TEAM_A,
      valueMinor: 1_000_000,
    });
    expect(await new RepsQuery(readStore).get(REP_1, ALL, T.hired)).toMatchObject({
      teamId: TEAM_A,
      channel: 'FIELD',
    });
    expect((await new TrainingSessionsQuery(readStore).get(SESSION_1, ALL)).status).toBe('COMPLETED');
  });

  it('follows live events', async () => {
    const position = await story.emit(
      'deal',
      DEAL_2,
      'FulfilmentRecorded',
      { dealId: DEAL_2, amountMinor: 0, cumulativeMinor: 45_000, note: 'again' },
      T.training,
    );
    await engine.waitForPosition(position, 10_000);
    expect(await new DealsQuery(readStore, story.store).get(DEAL_2, ALL)).toMatchObject({
      revision: 4,
      fulfilledMinor: 45_000,
    });
  });

  it('rebuilds into a new generation that answers the same', async () => {
    const deals = new DealsQuery(readStore, story.store);
    const before = await deals.list(null, { first: 500 }, ALL);
    const result = await rebuildProjection({
      store: story.store,
      readStore,
      projection: dealsProjection,
      dropOldAfterMs: 0,
    });
    expect(result).toMatchObject({ projection: 'deals', generation: 2, parked: 0 });
    expect(readStore.generationOf('deals')).toBe(2);
    expect(await deals.list(null, { first: 500 }, ALL)).toEqual(before);
    expect(await deals.get(DEAL_1, ALL, T.transferred)).toMatchObject({ teamId: TEAM_B });
  });
});
