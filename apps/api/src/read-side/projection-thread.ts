import { extname, join } from 'node:path';
import { Worker } from 'node:worker_threads';
import type { EventStore } from '@kam/event-store';
import {
  PositionWaiters,
  approxEventsBetween,
  consoleProjectionLogger,
  type ProjectionControl,
  type ProjectionLogger,
  type ProjectionMetrics,
  type ProjectionProgress,
  type ProjectionStatus,
  type ReadStore,
  type RetryParkedResult,
} from '@kam/read-store';
import type { AppConfig } from '../config/config';

/**
 * Messages between the API's main thread and the projection worker (projection-worker.ts).
 * Main → worker: requests answered by a `reply` with the same id. Worker → main: `progress` after
 * every round of writes (committed checkpoints and the events applied since the last one),
 * `ready` once its stores are open. Appends are announced without a message: the main thread
 * increments a shared counter and notifies it (Atomics), the worker awaits it with waitAsync.
 */
type WorkerRequest = { op: 'start' | 'stop' | 'status' | 'close' } | { op: 'retryParked'; projection?: string };

export type ToWorker = WorkerRequest & { type: 'request'; id: number };

export type FromWorker =
  | { type: 'ready' }
  | { type: 'progress'; active: boolean; projections: ProjectionProgress[]; applied: Array<[string, number]> }
  | { type: 'reply'; id: number; ok: true; value: unknown }
  | { type: 'reply'; id: number; ok: false; error: string };

export interface WorkerData {
  config: AppConfig;
  /** Int32Array over a SharedArrayBuffer: [0] counts the appends announced by the main thread. */
  appends: Int32Array;
}

export interface ThreadedProjectionsOptions {
  config: AppConfig;
  /** The API's event store: its appends wake the worker (SQLite), and status() falls back on its head. */
  store: EventStore;
  /** The API's read store: generations the worker serves are noted on it; checkpoints are polled from it while the worker does not project. */
  readStore: ReadStore;
  metrics?: ProjectionMetrics;
  logger?: ProjectionLogger;
  /** The worker's entry file (default: projection-worker next to this file, same extension). */
  entry?: string;
  /** First restart delay after the worker died; doubles up to 30 s (default 500 ms). */
  restartDelayMs?: number;
  /** How long close() waits for the worker to commit and close its stores (default 15 s). */
  closeTimeoutMs?: number;
  statePollMs?: number;
}

interface Pending {
  resolve(value: unknown): void;
  reject(error: Error): void;
}

const MAX_RESTART_DELAY_MS = 30_000;

/**
 * Loads the worker entry under the runtime of this process: the TypeScript sources through
 * @swc-node/register (npm start, the tests, which may not have it in their execArgv), or the
 * built JavaScript as it is.
 */
const BOOTSTRAP = `
const { workerData } = require('node:worker_threads');
if (workerData.register) require(workerData.register);
require(workerData.entry);
`;

/**
 * The projection engine on a worker thread of the API process (docs/adr/0007): the worker opens
 * its own event store and read store from the same configuration and runs the same engine; this
 * side stands in for it where the API used the engine (freshness waits, /health, /metrics, the
 * demo seed, shutdown). A worker that dies is started again, with a growing delay, and logs an
 * error each time; meanwhile its projections show `error` in /health.
 */
export class ThreadedProjections implements ProjectionControl {
  private worker: Worker | undefined;
  private workerReady: Promise<void> | undefined;
  private readonly pending = new Map<number, Pending>();
  private nextId = 1;
  private readonly waiting: PositionWaiters;
  private progress = new Map<string, ProjectionProgress>();
  private active = false;
  private started = false;
  private closing = false;
  private failures = 0;
  private lastExit: string | null = null;
  private restartTimer: NodeJS.Timeout | undefined;
  private lastStatus: ProjectionStatus[] = [];
  private detachMetrics: (() => void) | undefined;
  private readonly detachAppends: (() => void) | undefined;
  private readonly logger: ProjectionLogger;
  /** Shared with every worker started: a postMessage per append cost the main thread ~3 % under load. */
  private readonly appends = new Int32Array(new SharedArrayBuffer(4));

  constructor(private readonly options: ThreadedProjectionsOptions) {
    this.logger = options.logger ?? consoleProjectionLogger;
    this.waiting = new PositionWaiters({
      checkpoints: () => this.checkpoints(),
      poll: () => this.pollStoredStates(),
      pollMs: options.statePollMs ?? 25,
    });
    // SQLite: the worker's subscription would only see the append at its next poll otherwise.
    this.detachAppends = options.store.onAppended?.(() => this.wake());
  }

  get isActive(): boolean {
    return this.active;
  }

  /** Starts the worker (if not running) and its engine; resolves once every projection is set up (rebuilds included). */
  async start(): Promise<void> {
    if (this.started) return;
    this.started = true;
    this.detachMetrics ??= this.options.metrics?.attach(this);
    try {
      await this.request({ op: 'start' });
    } catch (error) {
      // A worker that cannot start fails the start (and the API's): no restarts behind its back.
      this.started = false;
      this.cancelRestart();
      throw error;
    }
  }

  /** Stops projecting (the worker commits its last batch); the worker stays, for a later start. */
  async stop(): Promise<void> {
    if (!this.started) return;
    this.started = false;
    this.cancelRestart();
    if (this.worker) await this.request({ op: 'stop' }).catch((error: unknown) => this.logger.error('stopping the projection worker failed', { error: String(error) }));
  }

  /** Shutdown: stop (commit), close the worker's stores, end the thread. */
  async close(): Promise<void> {
    this.closing = true;
    this.started = false;
    this.cancelRestart();
    this.detachAppends?.();
    this.detachMetrics?.();
    this.detachMetrics = undefined;
    const worker = this.worker;
    if (worker) {
      const exited = new Promise<void>((resolve) => worker.once('exit', () => resolve()));
      const timer = setTimeout(() => {
        this.logger.error('the projection worker did not close in time; terminating it');
        void worker.terminate();
      }, this.options.closeTimeoutMs ?? 15_000);
      await this.request({ op: 'close' }).catch((error: unknown) => this.logger.error('closing the projection worker failed', { error: String(error) }));
      await exited;
      clearTimeout(timer);
    }
    this.waiting.rejectAll();
  }

  waitForPosition(position: string, timeoutMs = 5000): Promise<void> {
    return this.waiting.wait(position, timeoutMs);
  }

  async status(): Promise<ProjectionStatus[]> {
    if (this.worker && !this.restartTimer) {
      try {
        this.lastStatus = (await this.request({ op: 'status' })) as ProjectionStatus[];
        return this.lastStatus;
      } catch {
        // The worker died meanwhile: what was last known, marked as failed.
      }
    }
    const head = (await this.options.store.headPosition().catch(() => undefined)) ?? null;
    const known = this.lastStatus.length > 0 ? this.lastStatus : [...this.progress.values()].map((p) => fromProgress(p));
    return known.map((s) => {
      const checkpoint = this.progress.get(s.name)?.checkpoint ?? s.checkpoint;
      return {
        ...s,
        head,
        checkpoint,
        lagEvents: approxEventsBetween(checkpoint, head ?? undefined),
        state: this.started ? 'error' : s.state,
        lastError: this.started ? `projection worker ${this.lastExit ?? 'not running'}; restarting` : s.lastError,
      };
    });
  }

  async retryParked(projection?: string): Promise<RetryParkedResult> {
    return (await this.request({ op: 'retryParked', projection })) as RetryParkedResult;
  }

  // --- the worker --------------------------------------------------------------------------

  private ensureWorker(): Promise<void> {
    if (this.worker && this.workerReady) return this.workerReady;
    const entry = this.options.entry ?? join(__dirname, `projection-worker${extname(__filename)}`);
    const data: WorkerData = { config: this.options.config, appends: this.appends };
    const worker = startWorker(entry, data);
    this.worker = worker;
    this.workerReady = new Promise<void>((resolve, reject) => {
      const onReady = (message: FromWorker): void => {
        if (message.type !== 'ready') return;
        worker.off('message', onReady);
        worker.off('exit', onEarlyExit);
        resolve();
      };
      const onEarlyExit = (code: number): void => reject(new Error(`the projection worker exited with code ${code} while starting (${this.lastExit ?? 'no error reported'})`));
      worker.on('message', onReady);
      worker.once('exit', onEarlyExit);
    });
    // Unhandled until someone awaits it; the exit handler reports it in any case.
    this.workerReady.catch(() => undefined);
    worker.on('message', (message: FromWorker) => this.onMessage(message));
    worker.on('error', (error) => {
      this.lastExit = `failed: ${error instanceof Error ? error.message : String(error)}`;
      this.logger.error('projection worker failed', { error: this.lastExit });
    });
    worker.once('exit', (code) => this.onExit(worker, code));
    return this.workerReady;
  }

  private onMessage(message: FromWorker): void {
    switch (message.type) {
      case 'progress':
        this.onProgress(message);
        return;
      case 'reply': {
        const pending = this.pending.get(message.id);
        if (!pending) return;
        this.pending.delete(message.id);
        if (message.ok) pending.resolve(message.value);
        else pending.reject(new Error(message.error));
        return;
      }
      default:
        return;
    }
  }

  private onProgress(message: Extract<FromWorker, { type: 'progress' }>): void {
    this.active = message.active;
    for (const p of message.projections) {
      this.progress.set(p.name, p);
      this.options.readStore.noteGeneration(p.name, p.generation);
    }
    for (const [name, events] of message.applied) this.options.metrics?.countApplied(name, events);
    this.waiting.check();
  }

  private onExit(worker: Worker, code: number): void {
    if (this.worker !== worker) return;
    this.worker = undefined;
    this.workerReady = undefined;
    this.active = false;
    for (const p of this.progress.values()) p.state = 'error';
    const reason = this.lastExit ?? `exited with code ${code}`;
    this.lastExit = null;
    const error = new Error(`the projection worker ${reason}`);
    for (const pending of this.pending.values()) pending.reject(error);
    this.pending.clear();
    if (this.closing) return;
    this.lastExit = reason;
    if (!this.started) {
      this.logger.error('projection worker stopped; it starts again with the projections', { reason });
      return;
    }
    this.failures += 1;
    const delay = Math.min(MAX_RESTART_DELAY_MS, (this.options.restartDelayMs ?? 500) * 2 ** Math.min(this.failures - 1, 16));
    this.logger.error('projection worker died; restarting it', { reason, attempt: this.failures, delayMs: delay });
    this.restartTimer = setTimeout(() => {
      this.restartTimer = undefined;
      this.request({ op: 'start' })
        .then(() => {
          this.failures = 0;
          this.lastExit = null;
          this.logger.warn('projection worker restarted');
        })
        .catch((error: unknown) => this.logger.error('restarting the projection worker failed', { error: String(error) }));
    }, delay);
  }

  private cancelRestart(): void {
    if (this.restartTimer) clearTimeout(this.restartTimer);
    this.restartTimer = undefined;
  }

  private async request(body: WorkerRequest): Promise<unknown> {
    await this.ensureWorker();
    const worker = this.worker;
    if (!worker) throw new Error('the projection worker is not running');
    const id = this.nextId++;
    return new Promise<unknown>((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      worker.postMessage({ type: 'request', id, ...body } satisfies ToWorker);
    });
  }

  /** The worker's subscription reads everything appended by the time it wakes (a notify without a waiter costs nothing). */
  private wake(): void {
    Atomics.add(this.appends, 0, 1);
    Atomics.notify(this.appends, 0);
  }

  // --- waiting for a position ---------------------------------------------------------------

  /** Checkpoints known on this thread; before the worker's first report, none (nothing is reached). */
  private checkpoints(): Array<string | null> {
    return this.progress.size === 0 ? [null] : [...this.progress.values()].map((p) => p.checkpoint);
  }

  /**
   * While the worker does not project (stopped, standing by for the lease, restarting, or a
   * projection not running), checkpoints are read from projection_state, as the engine does.
   */
  private pollStoredStates(): Promise<void> | undefined {
    const idle = this.progress.size === 0 || !this.active || [...this.progress.values()].some((p) => p.state !== 'running');
    if (!idle) return undefined;
    return this.options.readStore.readStates().then((states) => {
      for (const s of states) {
        const known = this.progress.get(s.name);
        if (known && known.state === 'running' && this.active) continue;
        this.progress.set(s.name, { name: s.name, generation: s.generation, checkpoint: s.checkpoint, state: known?.state ?? 'standby' });
      }
    });
  }
}

/** A worker thread running `entry` (TypeScript or built JavaScript, like this file) with `data` as its workerData. */
export function startWorker(entry: string, data: object): Worker {
  const register = entry.endsWith('.ts') && !hasSwcRegister(process.execArgv) ? require.resolve('@swc-node/register') : undefined;
  return new Worker(BOOTSTRAP, { eval: true, workerData: { ...data, entry, register }, ...workerArgs(process.execArgv) });
}

function hasSwcRegister(execArgv: readonly string[]): boolean {
  return execArgv.some((arg, i) => arg.includes('@swc-node/register') && (i === 0 || arg.startsWith('-') || execArgv[i - 1] === '-r' || execArgv[i - 1] === '--require'));
}

function fromProgress(p: ProjectionProgress): ProjectionStatus {
  return { name: p.name, version: 0, generation: p.generation, checkpoint: p.checkpoint, head: null, lagEvents: 0, lagMs: 0, parked: 0, state: p.state, lastError: null };
}

/**
 * The process's node options for the worker. A worker refuses V8 and process-wide options
 * (--max-old-space-size, --expose-gc, ...): those are left out, and a heap limit becomes the
 * worker's own resource limit.
 */
export function workerArgs(execArgv: readonly string[]): { execArgv: string[]; resourceLimits?: { maxOldGenerationSizeMb: number } } {
  const kept: string[] = [];
  let maxOld: number | undefined;
  for (let i = 0; i < execArgv.length; i++) {
    const arg = execArgv[i]!;
    if (WITH_VALUE.has(arg)) {
      kept.push(arg, execArgv[++i] ?? '');
      continue;
    }
    const old = /^--max-old-space-size=(\d+)$/.exec(arg);
    if (old) maxOld = Number(old[1]);
    if (ACCEPTED.some((prefix) => arg === prefix || arg.startsWith(`${prefix}=`) || (prefix.endsWith('-') && arg.startsWith(prefix)))) kept.push(arg);
  }
  return maxOld === undefined ? { execArgv: kept } : { execArgv: kept, resourceLimits: { maxOldGenerationSizeMb: maxOld } };
}

/** Options followed by a separate value that a worker accepts (preloads, loaders). */
const WITH_VALUE = new Set(['-r', '--require', '--import', '--loader', '--experimental-loader', '--conditions', '-C']);

/** Options a worker accepts (as `--x`, `--x=value`, or every option starting with a prefix ending in '-'). */
const ACCEPTED = [
  '--require',
  '--import',
  '--loader',
  '--experimental-loader',
  '--conditions',
  '--enable-source-maps',
  '--cpu-prof',
  '--cpu-prof-',
  '--heap-prof',
  '--heap-prof-',
  '--disable-warning',
  '--no-warnings',
  '--no-deprecation',
  '--trace-warnings',
  '--experimental-',
];

