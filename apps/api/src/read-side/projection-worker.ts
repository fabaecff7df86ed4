import 'reflect-metadata';
import { parentPort, workerData } from 'node:worker_threads';
import type { EventStore } from '@kam/event-store';
import type { ProjectionEngine, ReadStore } from '@kam/read-store';
import { openEventStore } from '../infrastructure/event-store-factory';
import type { FromWorker, ToWorker, WorkerData } from './projection-thread';
import { createEngine, openConfiguredReadStore } from './engine-factory';

/**
 * Entry of the projection worker thread (started by ThreadedProjections, projection-thread.ts):
 * its own event store and read store from the API's configuration, the same engine as in-thread,
 * driven by the main thread's messages. See docs/adr/0007-projections-on-a-worker-thread.md.
 */
async function main(): Promise<void> {
  const port = parentPort;
  if (!port) throw new Error('projection-worker.ts runs as a worker thread');
  const { config, appends } = workerData as WorkerData;
  const store: EventStore = await openEventStore(config);
  const readStore: ReadStore = await openConfiguredReadStore(config);
  const applied = new Map<string, number>();
  let progressPosted = false;
  const sendProgress = (): void => {
    progressPosted = false;
    const message: FromWorker = { type: 'progress', active: engine.isActive, projections: engine.progress(), applied: [...applied] };
    applied.clear();
    port.postMessage(message);
  };
  // Posted once per turn however many rounds and attachments ended in it.
  const postProgress = (): void => {
    if (progressPosted) return;
    progressPosted = true;
    queueMicrotask(() => {
      if (progressPosted) sendProgress();
    });
  };
  const engine: ProjectionEngine = createEngine(config, store, readStore, null, {
    onApplied: (projection, events) => applied.set(projection, (applied.get(projection) ?? 0) + events),
    onProgress: postProgress,
  });

  const answer = async (id: number, run: () => Promise<unknown>): Promise<void> => {
    try {
      const value = await run();
      // Before the reply: a start resolves with the checkpoints and generations known on the main thread.
      sendProgress();
      port.postMessage({ type: 'reply', id, ok: true, value: value ?? null } satisfies FromWorker);
    } catch (error) {
      port.postMessage({ type: 'reply', id, ok: false, error: error instanceof Error ? error.message : String(error) } satisfies FromWorker);
    }
  };

  let closing = false;
  void followAppends(appends, () => closing, () => store.wakeSubscriptions?.());

  port.on('message', (message: ToWorker) => {
    switch (message.op) {
      case 'start':
        void answer(message.id, () => engine.start());
        return;
      case 'stop':
        void answer(message.id, () => engine.stop());
        return;
      case 'status':
        void answer(message.id, () => engine.status());
        return;
      case 'retryParked':
        void answer(message.id, () => engine.retryParked(message.projection));
        return;
      case 'close':
        void answer(message.id, async () => {
          closing = true;
          Atomics.notify(appends, 0);
          // The last batch and its checkpoint are committed before the stores close.
          await engine.stop();
          await readStore.close();
          await store.close();
        }).then(() => port.close());
        return;
    }
  });
  port.postMessage({ type: 'ready' } satisfies FromWorker);
}

/**
 * Wakes the subscriptions each time the main thread announces appends (SQLite: they would only
 * see them at their next poll). Whatever was appended before a wake-up is read after it: the
 * count is loaded before waiting, and a change since then returns at once.
 */
async function followAppends(appends: Int32Array, closing: () => boolean, wake: () => void): Promise<void> {
  const waitAsync = (Atomics as unknown as { waitAsync(a: Int32Array, i: number, v: number): { async: boolean; value: Promise<string> | string } }).waitAsync;
  let seen = Atomics.load(appends, 0);
  while (!closing()) {
    const result = waitAsync(appends, 0, seen);
    if (result.async) await result.value;
    if (closing()) return;
    seen = Atomics.load(appends, 0);
    wake();
  }
}

main().catch((error: unknown) => {
  // Ends the thread with an error: the host logs it and starts a new worker.
  setImmediate(() => {
    throw error;
  });
});
