/**
 * A projection process to be killed with SIGKILL by the crash test: it projects the events of an
 * SQLite event-store file into a read store (SQLite file or PostgreSQL schema) and keeps every
 * batch transaction open a little while, so that kills land inside transactions.
 * Environment: EVENTS_FILE, READ_SQLITE_FILE | (READ_PG_URL + READ_PG_SCHEMA), BATCH_SIZE.
 */
import { ProjectionEngine } from '../projection-engine';
import { openChildStores } from './child-stores';
import { countingProjection } from './counting-projection';

async function main(): Promise<void> {
  const { store, readStore } = await openChildStores();
  const projection = countingProjection({
    afterWrite: async () => {
      const until = Date.now() + 2;
      while (Date.now() < until) {
        // Hold the transaction open with the rows written but not committed.
      }
      await new Promise((resolve) => setImmediate(resolve));
    },
  });
  const engine = new ProjectionEngine({
    store,
    readStore,
    projections: [projection],
    batchSize: Number(process.env.BATCH_SIZE ?? 100),
    metricsRegistry: null,
  });
  await engine.start();
  process.stdout.write('ready\n');
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
