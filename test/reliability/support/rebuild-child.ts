/**
 * What `npm run rebuild` does (apps/cli/src/rebuild.command.ts), as a child process the crash test
 * can SIGKILL: rebuild every read model from the log of KAM_DATA_DIR into a new generation and
 * swap. It prints one line per progress report so the test can kill it mid-rebuild. It makes the
 * CLI's library call (`rebuildProjections` over `allProjections()`) without the CLI's progress bar,
 * which on a pipe prints only every 2 s and so gives no kill points.
 */
import 'reflect-metadata';
import { allProjections, configuredRebuildOffload, loadConfig, openConfiguredReadStore, openEventStore } from '@kam/api';
import { rebuildProjections } from '@kam/read-store';

async function main(): Promise<void> {
  const config = loadConfig();
  const store = await openEventStore(config);
  const readStore = await openConfiguredReadStore(config);
  try {
    process.stdout.write('rebuild started\n');
    const results = await rebuildProjections({
      store,
      readStore,
      projections: allProjections(),
      // Two threads on SQLite, as the CLI.
      offload: configuredRebuildOffload(config, readStore),
      batchSize: Number(process.env.REBUILD_BATCH_SIZE ?? 1000),
      progressIntervalMs: 0,
      dropOldAfterMs: Number(process.env.REBUILD_DROP_AFTER_MS ?? 3000),
      onProgress: (p) => process.stdout.write(`progress ${p.projection} ${p.processed}/${p.total}${p.done ? ' done' : ''}\n`),
    });
    process.stdout.write(`rebuilt ${results.length} projections\n`);
  } finally {
    await readStore.close();
    await store.close();
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`rebuild failed: ${error instanceof Error ? `${error.name}: ${error.message}` : String(error)}\n`);
  process.exit(1);
});
