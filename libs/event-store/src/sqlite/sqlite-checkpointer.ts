import { Worker } from 'node:worker_threads';

/**
 * WAL checkpoints of SQLite files (the event store's and the read store's), on a thread of their own.
 *
 * In WAL mode the connection that commits past `wal_autocheckpoint` pages copies the WAL into the
 * database file and fsyncs both, inside its COMMIT. better-sqlite3 is synchronous, so that stall
 * froze the whole event loop: tens of ms every few batches of the projections (their upserts
 * dirty hundreds of pages), and 10-30 ms every ~250 single-event appends of the event store
 * (1 in 250 appends at p99.9 instead of 0.2 ms). A worker thread runs a PASSIVE checkpoint on its
 * own connection to each file every `intervalMs` instead. PASSIVE never waits for and never
 * blocks readers or writers, so the main thread's connection is not slowed down (it restarts the
 * WAL from the beginning at its next write once everything is copied). If the worker dies, the
 * main connection's own autocheckpoint (kept at a higher threshold) takes over.
 *
 * One worker serves every file opened in the same isolate (module state): a worker is a V8 isolate
 * and a Node environment of its own (≈ 8-15 MB resident each). The files take turns on that
 * thread, which only delays one file's checkpoint by the other's; the writing thread waits for
 * neither. The worker starts with the first file and ends with the last. The API's projection
 * worker is an isolate of its own, so it starts a second one for the read store it writes.
 */
export interface Checkpointer {
  /** Checkpoints the file one last time and closes the worker's connection to it. */
  stop(): Promise<void>;
}

const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const Database = require(workerData.driver);
const files = new Map();
const checkpoint = (db) => {
  try { db.pragma('wal_checkpoint(PASSIVE)'); } catch (error) { /* busy or gone: the next tick (or the writer's autocheckpoint) */ }
};
parentPort.on('message', (message) => {
  if (message.type === 'add') {
    let db;
    try {
      db = new Database(message.file, { fileMustExist: true });
      db.pragma('busy_timeout = 0');
      db.pragma('synchronous = NORMAL');
    } catch (error) {
      // This file keeps its writer's own autocheckpoint; the others are not affected.
      try { db?.close(); } catch (ignored) { /* best effort */ }
      return;
    }
    const entry = { db, timer: undefined };
    const tick = () => {
      checkpoint(db);
      entry.timer = setTimeout(tick, message.intervalMs);
    };
    entry.timer = setTimeout(tick, message.intervalMs);
    files.set(message.id, entry);
  } else if (message.type === 'remove') {
    const entry = files.get(message.id);
    if (entry) {
      files.delete(message.id);
      clearTimeout(entry.timer);
      checkpoint(entry.db);
      try { entry.db.close(); } catch (error) { /* best effort */ }
    }
    parentPort.postMessage({ type: 'removed', id: message.id });
  } else if (message.type === 'exit') {
    for (const entry of files.values()) {
      clearTimeout(entry.timer);
      try { entry.db.close(); } catch (error) { /* best effort */ }
    }
    parentPort.close();
  }
});
`;

/** How long a stop waits for the worker before terminating it (a checkpoint of a huge WAL, a hung fsync). */
const STOP_TIMEOUT_MS = 2000;

interface CheckpointThread {
  worker: Worker;
  /** Files registered and not stopped yet. */
  files: number;
  exited: boolean;
  exit: Promise<void>;
  removals: Map<number, () => void>;
}

let current: CheckpointThread | undefined;
let nextId = 1;

function checkpointThread(): CheckpointThread {
  if (current && !current.exited) return current;
  const worker = new Worker(WORKER_SOURCE, {
    eval: true,
    workerData: { driver: require.resolve('better-sqlite3') },
  });
  // Never the reason a process stays alive; a failing worker only means the fallback applies.
  worker.unref();
  worker.on('error', () => undefined);
  const removals = new Map<number, () => void>();
  const thread: CheckpointThread = { worker, files: 0, exited: false, exit: Promise.resolve(), removals };
  thread.exit = new Promise<void>((resolve) =>
    worker.once('exit', () => {
      thread.exited = true;
      if (current === thread) current = undefined;
      for (const done of removals.values()) done();
      removals.clear();
      resolve();
    }),
  );
  worker.on('message', (message: { type: string; id: number }) => {
    if (message.type !== 'removed') return;
    removals.get(message.id)?.();
    removals.delete(message.id);
  });
  current = thread;
  return thread;
}

/** Checkpoint worker threads running in this process: 0 or 1 (for tests and diagnostics). */
export function checkpointThreads(): number {
  return current && !current.exited ? 1 : 0;
}

/**
 * Between two checkpoints of a file, ms. Measured with the projections on their worker thread,
 * openDeal at 500/s on the 1M-event set, p99 of command → visible over three alternating pairs:
 * 50 ms 47 / 63 / 41 against 100 ms 60 / 87 / 56; 20 ms (244-260) and 1000 ms (112-113) were
 * worse: the writer's commits wait while a checkpoint has much to copy and fsync, or while
 * checkpoints come too often.
 */
export const CHECKPOINT_INTERVAL_MS = 50;

export function startCheckpointer(file: string, intervalMs = CHECKPOINT_INTERVAL_MS): Checkpointer {
  const thread = checkpointThread();
  const id = nextId++;
  thread.files++;
  thread.worker.postMessage({ type: 'add', id, file, intervalMs });
  let stopped: Promise<void> | undefined;
  const stop = async (): Promise<void> => {
    if (!thread.exited) {
      const removed = new Promise<void>((resolve) => thread.removals.set(id, resolve));
      thread.worker.postMessage({ type: 'remove', id });
      let timer: NodeJS.Timeout | undefined;
      const late = new Promise<'late'>((resolve) => (timer = setTimeout(() => resolve('late'), STOP_TIMEOUT_MS)));
      const outcome = await Promise.race([removed, late]);
      clearTimeout(timer);
      if (outcome === 'late') await thread.worker.terminate();
    }
    thread.files--;
    if (thread.files > 0 || thread.exited) return;
    // The last file: the thread ends, and a later store starts a new one.
    if (current === thread) current = undefined;
    thread.worker.postMessage({ type: 'exit' });
    const timer = setTimeout(() => void thread.worker.terminate(), STOP_TIMEOUT_MS);
    await thread.exit;
    clearTimeout(timer);
  };
  return {
    stop() {
      stopped ??= stop();
      return stopped;
    },
  };
}
