import { parentPort, workerData } from 'node:worker_threads';
import { openSqliteEventStore, type EventStore } from '@kam/event-store';
import { buildSideGenerations } from '@kam/read-store';
import { openEventStore } from '../infrastructure/event-store-factory';
import { allProjections } from './engine-factory';
import type { RebuildWorkerData, FromRebuildWorker, ToRebuildWorker } from './rebuild-offload';

/**
 * The other thread of a rebuild that offloads projections (rebuild-offload.ts): opens the log
 * itself, builds the named projections into the side file with buildSideGenerations, reports
 * progress and then the result, and stops on `abort`.
 */
async function main(data: RebuildWorkerData): Promise<void> {
  const port = parentPort!;
  const post = (message: FromRebuildWorker): void => port.postMessage(message);
  const controller = new AbortController();
  port.on('message', (message: ToRebuildWorker) => {
    if (message.type === 'abort') controller.abort(new Error('the rebuild was aborted'));
  });
  const store: EventStore = 'file' in data.events ? await openSqliteEventStore({ file: data.events.file }) : await openEventStore(data.events.config);
  try {
    const projections = allProjections().filter((p) => data.projections.includes(p.name));
    const missing = data.projections.filter((name) => !projections.some((p) => p.name === name));
    if (missing.length > 0) throw new Error(`Unknown projections ${missing.join(', ')}`);
    const result = await buildSideGenerations({
      store,
      file: data.file,
      projections,
      targets: data.targets,
      untilPosition: data.untilPosition,
      signal: controller.signal,
      // At most every 250 ms: the rebuild's own progress interval.
      onProgress: (processed) => post({ type: 'progress', processed }),
    });
    post({ type: 'done', result });
  } catch (error) {
    post({ type: 'failed', message: error instanceof Error ? `${error.name}: ${error.message}` : String(error) });
  } finally {
    await store.close();
    port.close();
  }
}

void main(workerData as RebuildWorkerData);
