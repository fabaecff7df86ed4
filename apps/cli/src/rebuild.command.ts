import { allProjections, configuredRebuildOffload, loadConfig, openConfiguredReadStore, openEventStore } from '@kam/api';
import { rebuildProjections } from '@kam/read-store';
import { parseArgs } from './args';
import { ProgressBar } from './progress';

/**
 * `npm run rebuild [-- --projection NAME] [--threads 1|2]`: rebuilds read models from position 0
 * into fresh tables while a running service keeps answering from the old ones, then swaps
 * atomically. On the SQLite default, a rebuild of every read model runs on two threads (the
 * smaller reports on a worker thread, REBUILD_WORKER_PROJECTIONS) unless `--threads 1`.
 */
export async function rebuildCommand(argv: string[]): Promise<void> {
  const args = parseArgs(argv, { projection: 'string', threads: 'string' });
  const threads = args.threads === undefined ? 2 : Number(args.threads);
  if (threads !== 1 && threads !== 2) throw new Error(`--threads must be 1 or 2, not ${String(args.threads)}`);
  const projections = allProjections();
  const only = typeof args.projection === 'string' ? args.projection : undefined;
  if (only && !projections.some((p) => p.name === only)) {
    throw new Error(`Unknown projection "${only}" (known: ${projections.map((p) => p.name).join(', ')})`);
  }
  const config = loadConfig();
  const store = await openEventStore(config);
  const readStore = await openConfiguredReadStore(config);
  const bars = new Map<string, ProgressBar>();
  const started = performance.now();
  try {
    const results = await rebuildProjections({
      store,
      readStore,
      projections,
      only,
      offload: configuredRebuildOffload(config, readStore, { threads, only }),
      onProgress: (progress) => {
        let bar = bars.get(progress.projection);
        if (!bar) {
          bar = new ProgressBar({ label: progress.projection, total: progress.total, unit: 'events' });
          bars.set(progress.projection, bar);
        }
        bar.update(progress.processed, progress.total);
        if (progress.done) bar.finish();
      },
    });
    for (const bar of bars.values()) bar.finish();
    const seconds = (performance.now() - started) / 1000;
    for (const result of results) process.stderr.write(`rebuilt ${JSON.stringify(result)}\n`);
    process.stderr.write(`rebuilt ${results.length} projection(s) in ${seconds.toFixed(1)} s\n`);
  } finally {
    await readStore.close();
    await store.close();
  }
}
