import { extname, join } from 'node:path';
import type { ReadStore, RebuildOffload, SideBuild } from '@kam/read-store';
import type { AppConfig } from '../config/config';
import { startWorker } from './projection-thread';

/**
 * The report projections a full rebuild hands to a second thread: about half of its work. On the
 * 1M-event bench set (CPU in each projection's transactions): deals 14 s and report-pipeline 10 s
 * stay on the calling thread with the entity models; funnel 7, kpis 4, competitors 4,
 * key-accounts 3, channels 3 and training 3 s go. Each thread also reads the log itself (≈ 5 s).
 */
export const REBUILD_WORKER_PROJECTIONS: readonly string[] = [
  'report-funnel',
  'report-kpis',
  'report-competitors',
  'report-key-accounts',
  'report-channels',
  'report-training',
];

export interface RebuildWorkerData {
  /** Where the worker opens the log: the SQLite file, or the service's configuration. */
  events: { file: string } | { config: AppConfig };
  projections: readonly string[];
  targets: Record<string, number>;
  untilPosition: string | null;
  file: string;
}

export type ToRebuildWorker = { type: 'abort' };
export type FromRebuildWorker =
  | { type: 'progress'; processed: number }
  | { type: 'done'; result: SideBuild }
  | { type: 'failed'; message: string };

/**
 * RebuildOptions.offload on a worker thread of this process: the worker (rebuild-worker.ts)
 * builds `projections` into `sideFile` (next to the read store: the copy then stays on one file
 * system) from the log it opens itself, while the calling thread builds the others.
 */
export function workerRebuildOffload(options: {
  events: RebuildWorkerData['events'];
  sideFile: string;
  projections?: readonly string[];
  /** The worker's entry (default: rebuild-worker next to this file, same extension). */
  entry?: string;
}): RebuildOffload {
  const projections = options.projections ?? REBUILD_WORKER_PROJECTIONS;
  return {
    projections,
    build: ({ targets, untilPosition, signal, onProgress }) =>
      new Promise<SideBuild>((resolve, reject) => {
        const names = projections.filter((name) => name in targets);
        const data: RebuildWorkerData = { events: options.events, projections: names, targets, untilPosition, file: options.sideFile };
        const worker = startWorker(options.entry ?? join(__dirname, `rebuild-worker${extname(__filename)}`), data);
        let settled = false;
        const settle = (fn: () => void): void => {
          if (settled) return;
          settled = true;
          signal?.removeEventListener('abort', onAbort);
          fn();
        };
        const onAbort = (): void => {
          worker.postMessage({ type: 'abort' } satisfies ToRebuildWorker);
        };
        signal?.addEventListener('abort', onAbort, { once: true });
        worker.on('message', (message: FromRebuildWorker) => {
          if (message.type === 'progress') onProgress?.(message.processed);
          else if (message.type === 'done') settle(() => resolve(message.result));
          else settle(() => reject(new Error(`The rebuild worker failed: ${message.message}`)));
        });
        worker.once('error', (error) => settle(() => reject(error)));
        worker.once('exit', (code) => settle(() => reject(new Error(`The rebuild worker exited with code ${code} before it finished`))));
      }),
  };
}

/**
 * What `npm run rebuild` uses: on the SQLite default, a rebuild of every read model hands
 * REBUILD_WORKER_PROJECTIONS to a worker thread (side file in the data directory); one thread
 * when asked (`threads: 1`), for a single projection, and on PostgreSQL, whose pool already runs
 * the projections' transactions side by side.
 */
export function configuredRebuildOffload(
  config: AppConfig,
  readStore: ReadStore,
  options: { threads?: 1 | 2; only?: string } = {},
): RebuildOffload | undefined {
  if ((options.threads ?? 2) === 1 || readStore.dialect !== 'sqlite' || options.only !== undefined) return undefined;
  return workerRebuildOffload({ events: { config }, sideFile: join(config.dataDir, `read-models.rebuild-${process.pid}.sqlite`) });
}
