/**
 * A rebuild process (what `npm run rebuild` runs: `rebuildProjections`, old tables dropped after
 * a wait it awaits) to be killed with SIGKILL by the claim tests. Prints `claimed` once it writes
 * behind its claim, `swapped` once the new generation is served (it then waits DROP_AFTER_MS
 * before dropping the old one).
 * Environment: EVENTS_FILE, READ_SQLITE_FILE | (READ_PG_URL + READ_PG_SCHEMA), DROP_AFTER_MS.
 */
import { openChildStores } from './child-stores';
import { rebuildProjections } from '../rebuild';
import { countingProjection } from './counting-projection';

async function main(): Promise<void> {
  const { store, readStore } = await openChildStores();
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
