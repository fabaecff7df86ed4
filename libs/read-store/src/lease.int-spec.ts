import { Client } from 'pg';
import type { RecordedEvent } from '@kam/event-store';
import { LocalLease, advisoryLockKey, createProjectionLease } from './lease';
import { ProjectionEngine } from './projection-engine';
import type { ReadStore } from './read-store';
import { countingProjection, expectedCounts, readCounts } from './testing/counting-projection';
import {
  TEST_PG_URL,
  allEvents,
  appendEvents,
  eventually,
  openTestEventStore,
  postgresBackend,
  postgresUnavailableReason,
  quietLogger,
  sqliteBackend,
  type TestEventStore,
  type TestReadStore,
} from './testing/read-store-test-kit';

jest.setTimeout(30_000);

describe('projection lease on sqlite', () => {
  it('is the trivial local lease: the single process always runs the projections', async () => {
    const events = await openTestEventStore();
    const db = await sqliteBackend().open();
    try {
      expect(createProjectionLease(db.readStore)).toBeInstanceOf(LocalLease);
      await appendEvents(events.store, 20);
      const engine = new ProjectionEngine({ store: events.store, readStore: db.readStore, projections: [countingProjection()], useLease: true, logger: quietLogger, metricsRegistry: null });
      await engine.start();
      expect(engine.isActive).toBe(true);
      await engine.waitForPosition('20', 5000);
      expect(await readCounts(db.readStore, 'counting', 'counting_counts')).toEqual(expectedCounts(await allEvents(events.store)));
      await engine.stop();
    } finally {
      await db.dispose();
      await events.dispose();
    }
  });

  it('derives stable, distinct advisory-lock keys', () => {
    expect(advisoryLockKey('kam-ledger:public:projections')).toBe(advisoryLockKey('kam-ledger:public:projections'));
    expect(advisoryLockKey('a')).not.toBe(advisoryLockKey('b'));
  });
});

const pgUnavailable = postgresUnavailableReason();
if (pgUnavailable !== null) {
  console.warn(`PostgreSQL lease tests are not declared: ${TEST_PG_URL} is unreachable (${pgUnavailable})`);
} else {
  describe('projection lease on postgres (advisory lock)', () => {
    let events: TestEventStore;
    let db: TestReadStore;
    const engines: ProjectionEngine[] = [];

    const instance = async (label: string, applied: Map<string, string>): Promise<{ engine: ProjectionEngine; readStore: ReadStore }> => {
      const readStore = await db.reopen();
      const projection = countingProjection({
        afterWrite: (batch: readonly RecordedEvent[]) => {
          for (const e of batch) applied.set(e.position, label);
        },
      });
      const engine = new ProjectionEngine({
        store: events.store,
        readStore,
        projections: [projection],
        useLease: true,
        leaseRetryMs: 100,
        logger: quietLogger,
        metricsRegistry: null,
      });
      engines.push(engine);
      return { engine, readStore };
    };

    beforeEach(async () => {
      events = await openTestEventStore();
      db = await postgresBackend().open();
    });

    afterEach(async () => {
      for (const e of engines.splice(0)) await e.stop();
      await db.dispose();
      await events.dispose();
    });

    it('lets only the holder project; the standby takes over when the holder stops', async () => {
      const applied = new Map<string, string>();
      const a = await instance('a', applied);
      const b = await instance('b', applied);
      await a.engine.start();
      await b.engine.start();
      expect(a.engine.isActive).toBe(true);
      expect(b.engine.isActive).toBe(false);

      await appendEvents(events.store, 200);
      // The standby answers waitForPosition from the checkpoints the holder writes.
      await b.engine.waitForPosition('200', 5000);
      expect(new Set(applied.values())).toEqual(new Set(['a']));
      expect((await b.engine.status())[0]).toMatchObject({ state: 'standby', checkpoint: '200' });

      await a.engine.stop();
      await eventually(() => b.engine.isActive, 5000, 'the standby to take the lease');
      await appendEvents(events.store, 50);
      await b.engine.waitForPosition('250', 5000);
      expect([...applied].filter(([p]) => Number(p) > 200).every(([, who]) => who === 'b')).toBe(true);
      expect(await readCounts(db.readStore, 'counting', 'counting_counts')).toEqual(expectedCounts(await allEvents(events.store)));
    });

    it('hands over when the holder loses its lock connection, without double counting', async () => {
      const applied = new Map<string, string>();
      const a = await instance('a', applied);
      const b = await instance('b', applied);
      await a.engine.start();
      await b.engine.start();
      await appendEvents(events.store, 100);
      await a.engine.waitForPosition('100', 5000);

      // Kill the session that holds the advisory lock, as a network partition or crash would.
      const admin = new Client({ connectionString: TEST_PG_URL });
      await admin.connect();
      try {
        const key = advisoryLockKey(`kam-ledger:${db.location.pgSchema}:projections`);
        const { rows } = await admin.query<{ pid: number }>(
          `select pid from pg_locks where locktype = 'advisory' and granted
             and ((classid::bigint << 32) | objid::bigint) = ($1::bigint & x'ffffffffffffffff'::bigint)`,
          [key.toString()],
        );
        expect(rows).toHaveLength(1);
        await admin.query('select pg_terminate_backend($1)', [rows[0]!.pid]);
      } finally {
        await admin.end();
      }
      await eventually(() => b.engine.isActive && !a.engine.isActive, 10_000, 'b to take over from a');
      await appendEvents(events.store, 100);
      await b.engine.waitForPosition('200', 5000);
      expect(await readCounts(db.readStore, 'counting', 'counting_counts')).toEqual(expectedCounts(await allEvents(events.store)));
    });
  });
}
