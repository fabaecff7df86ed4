import { Worker } from 'node:worker_threads';

/**
 * WAL checkpoints of an SQLite file (the event store's and the read store's), on a thread of their own.
 *
 * In WAL mode the connection that commits past `wal_autocheckpoint` pages copies the WAL into the
 * database file and fsyncs both, inside its COMMIT. better-sqlite3 is synchronous, so that stall
 * froze the whole event loop: tens of ms every few batches of the projections (their upserts
 * dirty hundreds of pages), and 10-30 ms every ~250 single-event appends of the event store
 * (1 in 250 appends at p99.9 instead of 0.2 ms). This worker runs a
 * PASSIVE checkpoint on its own connection every `intervalMs` instead. PASSIVE never waits for
 * and never blocks readers or writers, so the main thread's connection is not slowed down (it
 * restarts the WAL from the beginning at its next write once everything is copied). If the
 * worker dies, the main connection's own autocheckpoint (kept at a higher threshold) takes over.
 */
export interface Checkpointer {
  stop(): Promise<void>;
}

const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const Database = require(workerData.driver);
const db = new Database(workerData.file, { fileMustExist: true });
db.pragma('busy_timeout = 0');
db.pragma('synchronous = NORMAL');
let timer;
const tick = () => {
  try { db.pragma('wal_checkpoint(PASSIVE)'); } catch (error) { /* busy or gone: the next tick (or the writer's autocheckpoint) */ }
  timer = setTimeout(tick, workerData.intervalMs);
};
parentPort.on('message', (message) => {
  if (message !== 'stop') return;
  clearTimeout(timer);
  try { db.pragma('wal_checkpoint(PASSIVE)'); } catch (error) { /* best effort */ }
  db.close();
  parentPort.close();
});
timer = setTimeout(tick, workerData.intervalMs);
`;

export function startCheckpointer(file: string, intervalMs = 100): Checkpointer {
  const worker = new Worker(WORKER_SOURCE, {
    eval: true,
    workerData: { file, driver: require.resolve('better-sqlite3'), intervalMs },
  });
  // Never the reason a process stays alive; a failing worker only means the fallback applies.
  worker.unref();
  worker.on('error', () => undefined);
  let exited = false;
  const exit = new Promise<void>((resolve) =>
    worker.once('exit', () => {
      exited = true;
      resolve();
    }),
  );
  return {
    async stop() {
      if (exited) return;
      worker.postMessage('stop');
      const timer = setTimeout(() => void worker.terminate(), 2000);
      await exit;
      clearTimeout(timer);
    },
  };
}
