/**
 * Measures the rebuild rate of the counting test projection over N events (default 100 000) on
 * an SQLite read store and, when reachable, a PostgreSQL one. The log is an SQLite event store.
 *   node -r @swc-node/register libs/read-store/src/testing/rebuild-bench.ts [events] [batchSize]
 * Env: TEST_DATABASE_URL (default postgres://postgres@127.0.0.1:5432/test).
 */
import type { RecordedEvent } from '@kam/event-store';
import type { Projection, ProjectionContext, ReadDb, ReadTx } from '../projection';
import { ProjectionEngine } from '../projection-engine';
import { rebuildProjections } from '../rebuild';
import { countingProjection } from './counting-projection';
import { appendEvents, openTestEventStore, postgresBackend, postgresUnavailableReason, sqliteBackend, type Backend } from './read-store-test-kit';

async function main(): Promise<void> {
  const count = Number(process.argv[2] ?? 100_000);
  const batchSize = Number(process.argv[3] ?? 1000);
  const events = await openTestEventStore();
  const t0 = Date.now();
  await appendEvents(events.store, count, { perAppend: 1000 });
  console.log(`log: ${count} events appended in ${Date.now() - t0} ms`);
  const backends: Backend[] = [sqliteBackend()];
  const reason = postgresUnavailableReason();
  if (reason === null) backends.push(postgresBackend());
  else console.warn(`PostgreSQL skipped: ${reason}`);
  try {
    for (const backend of backends) {
      const db = await backend.open();
      try {
        for (const projection of [countingProjection(), rowPerEventProjection()]) {
          for (let round = 1; round <= 2; round++) {
            const [r] = await rebuildProjections({ store: events.store, readStore: db.readStore, projections: [projection], batchSize, dropOldAfterMs: 0 });
            console.log(
              `${backend.name} ${projection.name} round ${round}: ${r!.processed} events (${r!.applied} applied) in ${r!.durationMs} ms = ${r!.eventsPerSecond} events/s`,
            );
          }
        }
        // The live engine catching up from position 0 (subscription + 500-event batches).
        const engine = new ProjectionEngine({ store: events.store, readStore: db.readStore, projections: [countingProjection({ name: 'catch_up' })], metricsRegistry: null });
        const t1 = Date.now();
        await engine.start();
        await engine.waitForPosition((await events.store.headPosition())!, 600_000);
        const ms = Date.now() - t1;
        await engine.stop();
        console.log(`${backend.name} engine catch-up from 0: ${count} events in ${ms} ms = ${Math.round((count * 1000) / ms)} events/s`);
      } finally {
        await db.dispose();
      }
    }
  } finally {
    await events.dispose();
  }
}

/** A heavier shape: one row per handled event (like an entity or history table). */
function rowPerEventProjection(): Projection {
  return {
    name: 'row_per_event',
    version: 1,
    tables: ['bench_rows'],
    eventTypes: ['DealOpened', 'DealWon', 'DealLost'],
    async createTables(db: ReadDb, ctx: ProjectionContext) {
      await db.schema
        .createTable(ctx.table('bench_rows'))
        .addColumn('position', 'text', (c) => c.primaryKey())
        .addColumn('stream_id', 'text', (c) => c.notNull())
        .addColumn('type', 'text', (c) => c.notNull())
        .addColumn('amount', 'bigint', (c) => c.notNull())
        .execute();
    },
    async applyBatch(tx: ReadTx, batch: readonly RecordedEvent[], ctx: ProjectionContext) {
      const rows = batch.map((e) => ({ position: e.position, stream_id: e.streamId, type: e.type, amount: (e.data as { amount: number }).amount }));
      // Multi-row inserts, kept under SQLite's bound-parameter limit.
      for (let i = 0; i < rows.length; i += 200) await tx.insertInto(ctx.table('bench_rows')).values(rows.slice(i, i + 200)).execute();
    },
  };
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
