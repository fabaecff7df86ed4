import { sql } from 'kysely';
import type { Projection } from './projection';
import { SQLITE_CACHE_KIB, SQLITE_REBUILD_CACHE_KIB } from './read-store';
import { rebuildProjections } from './rebuild';
import { countingProjection } from './testing/counting-projection';
import { appendEvents, openTestEventStore, sqliteBackend, type TestEventStore, type TestReadStore } from './testing/read-store-test-kit';

jest.setTimeout(30_000);

describe('the SQLite page cache around a rebuild', () => {
  let events: TestEventStore;
  let db: TestReadStore;

  beforeEach(async () => {
    events = await openTestEventStore();
    db = await sqliteBackend().open();
    await appendEvents(events.store, 50);
  });

  afterEach(async () => {
    await db.dispose();
    await events.dispose();
  });

  const cacheSize = async (): Promise<number> =>
    Number((await sql.raw<{ cache_size: number }>('pragma cache_size').execute(db.readStore.db)).rows[0]!.cache_size);

  it('serves with the small cache, rebuilds with the large one, and puts the small one back', async () => {
    expect(await cacheSize()).toBe(-SQLITE_CACHE_KIB);
    const seen: number[] = [];
    const inner = countingProjection();
    const probing: Projection = {
      ...inner,
      async applyBatch(tx, batch, ctx) {
        seen.push(Number((await sql.raw<{ cache_size: number }>('pragma cache_size').execute(tx)).rows[0]!.cache_size));
        await inner.applyBatch(tx, batch, ctx);
      },
    };
    await rebuildProjections({ store: events.store, readStore: db.readStore, projections: [probing], dropOldAfterMs: 0 });
    expect(seen.length).toBeGreaterThan(0);
    expect(new Set(seen)).toEqual(new Set([-SQLITE_REBUILD_CACHE_KIB]));
    expect(await cacheSize()).toBe(-SQLITE_CACHE_KIB);

    // A failing rebuild puts it back too.
    const failing: Projection = { ...inner, applyBatch: () => Promise.reject(Object.assign(new Error('disk gone'), { code: 'SQLITE_IOERR' })) };
    await expect(rebuildProjections({ store: events.store, readStore: db.readStore, projections: [failing], dropOldAfterMs: 0 })).rejects.toThrow('disk gone');
    expect(await cacheSize()).toBe(-SQLITE_CACHE_KIB);
  });
});
