/**
 * A rebuild process (what `npm run rebuild` runs: `rebuildProjections`, old tables dropped after
 * a wait it awaits) to be killed with SIGKILL by the claim tests. Prints `claimed` once it writes
 * behind its claim, `swapped` once the new generation is served (it then waits DROP_AFTER_MS
 * before dropping the old one).
 * Environment: EVENTS_FILE, READ_SQLITE_FILE | (READ_PG_URL + READ_PG_SCHEMA), DROP_AFTER_MS.
 */
import { openSqliteEventStore } from '@kam/event-store';
import { openReadStore } from '../read-store';
import { rebuildProjections } from '../rebuild';
import { countingProjection } from './counting-projection';

async function main(): Promise<void> {
  const store = await openSqliteEventStore({ file: process.env.EVENTS_FILE! });
  const readStore = await openReadStore(
    process.env.READ_PG_URL
      ? { databaseUrl: process.env.READ_PG_URL, pgSchema: process.env.READ_PG_SCHEMA }
      : { sqliteFile: process.env.READ_SQLITE_FILE },
  );
  let said = false;
  await rebuildProjections({
    store,
    readStore,
    projections: [countingProjection({ afterWrite: () => new Promise((resolve) => setTimeout(resolve, 50)) })],
    batchSize: 50,
    progressIntervalMs: 0,
    dropOldAfterMs: Number(process.env.DROP_AFTER_MS ?? 600_000),
    onProgress: (p) => {
      if (!said && p.applied > 0) {
        said = true;
        process.stdout.write('claimed\n');
      }
      if (p.done) process.stdout.write('swapped\n');
    },
  });
  process.stdout.write('done\n');
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
