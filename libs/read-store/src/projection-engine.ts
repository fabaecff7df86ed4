import { BadUserInputError, StaleReadModelError } from '@kam/kernel';
import { comparePositions, isPosition, type EventStore, type RecordedEvent, type Subscription } from '@kam/event-store';
import type { Registry } from 'prom-client';
import { createProjectionLease, type ProjectionLease } from './lease';
import { approxEventsBetween } from './positions';
import type { Projection } from './projection';
import { projectionMetricsFor, type ProjectionMetrics, type ProjectionStatus, type ProjectionStatusSource } from './projection-metrics';
import { ensureProjectionState, validateProjections } from './projection-state';
import {
  ProjectionStateMovedError,
  applyWithIsolation,
  contextFor,
  deserializeEvent,
  errorMessage,
  isProjectionFault,
  servedGenerationGuard,
} from './projection-writer';
import { PARKED_EVENTS_TABLE, PROJECTION_STATE_TABLE, type ProjectionStateRow, type ReadStore } from './read-store';
import { RebuildInProgressError, rebuildProjection } from './rebuild';

export interface ProjectionLogger {
  info(message: string, meta?: Record<string, unknown>): void;
  warn(message: string, meta?: Record<string, unknown>): void;
  error(message: string, meta?: Record<string, unknown>): void;
}

export const consoleProjectionLogger: ProjectionLogger = {
  info: () => undefined,
  warn: (message, meta) => console.warn(`[projections] ${message}`, meta ?? ''),
  error: (message, meta) => console.error(`[projections] ${message}`, meta ?? ''),
};

export interface ProjectionEngineOptions {
  store: EventStore;
  readStore: ReadStore;
  projections: readonly Projection[];
  /** A batch is written when this many events (handled or skipped) are buffered (default 500). */
  batchSize?: number;
  /** While catching up, a partial batch is written at the latest after this delay (default 50 ms). Live events are written as soon as the subscription goes idle. */
  maxBatchDelayMs?: number;
  /** Run the projections only while holding the lease (PostgreSQL advisory lock; trivial on SQLite). Default false. */
  useLease?: boolean;
  /** Overrides the lease (default: createProjectionLease(readStore)). */
  lease?: ProjectionLease;
  /** A standby engine tries to take the lease this often (default 3000 ms). */
  leaseRetryMs?: number;
  /** Rebuild a projection whose stored version is older than its code's at start (default true). */
  rebuildOnVersionChange?: boolean;
  /** Delay before the tables of a replaced generation are dropped (default 3000 ms). */
  dropOldGenerationAfterMs?: number;
  /** Registry for the metrics (default prom-client's global registry); null: no metrics. */
  metricsRegistry?: Registry | null;
  logger?: ProjectionLogger;
  clock?: () => Date;
  /** First retry delay after an infrastructure error; doubles up to 30 s (default 500 ms). */
  retryDelayMs?: number;
  /** How often waitForPosition re-reads checkpoints written by another process (default 25 ms). */
  statePollMs?: number;
}

export interface RetryParkedResult {
  retried: number;
  succeeded: number;
  failed: number;
}

interface Waiter {
  position: string;
  resolve(): void;
  reject(error: Error): void;
  timer: NodeJS.Timeout;
}

type RunnerState = 'standby' | 'starting' | 'rebuilding' | 'running' | 'error' | 'stopped' | 'outdated';

const MAX_RETRY_DELAY_MS = 30_000;

/**
 * Runs projections: each one subscribes to the whole log from its checkpoint, skips the types it
 * does not handle, and writes batches of rows + checkpoint in one read-store transaction. See
 * docs/adr/0004-projection-engine.md for the why of every choice here.
 */
export class ProjectionEngine implements ProjectionStatusSource {
  private readonly runners = new Map<string, ProjectionRunner>();
  private readonly waiters = new Set<Waiter>();
  private readonly metrics: ProjectionMetrics | undefined;
  private readonly logger: ProjectionLogger;
  private readonly firstUnprocessed = new Map<string, { checkpoint: string | null; recordedAt: Date | undefined }>();
  private detachMetrics: (() => void) | undefined;
  private lease: ProjectionLease | undefined;
  private leaseTimer: NodeJS.Timeout | undefined;
  private pollTimer: NodeJS.Timeout | undefined;
  private started = false;
  private active = false;
  private transition: Promise<void> = Promise.resolve();

  constructor(readonly options: ProjectionEngineOptions) {
    validateProjections(options.projections);
    this.logger = options.logger ?? consoleProjectionLogger;
    this.metrics = options.metricsRegistry === null ? undefined : projectionMetricsFor(options.metricsRegistry ?? undefined);
    for (const projection of options.projections) this.runners.set(projection.name, new ProjectionRunner(this, projection));
  }

  get clock(): () => Date {
    return this.options.clock ?? (() => new Date());
  }

  get log(): ProjectionLogger {
    return this.logger;
  }

  /** Whether this process is the one running the projections (holds the lease, or needs none). */
  get isActive(): boolean {
    return this.active;
  }

  /**
   * Starts projecting (or standing by for the lease). Resolves once every projection is set up and
   * subscribed, including the rebuild of a projection whose version was bumped.
   */
  async start(): Promise<void> {
    if (this.started) return;
    this.started = true;
    this.detachMetrics = this.metrics?.attach(this);
    if (!this.options.useLease) {
      await this.queue(() => this.activate());
      return;
    }
    const lease = this.options.lease ?? createProjectionLease(this.options.readStore);
    this.lease = lease;
    lease.onLost(() => {
      this.logger.warn('projection lease lost; standing by');
      this.queue(() => this.deactivate())
        .catch((error: unknown) => this.logger.error('stopping after the lease was lost failed', { error: errorMessage(error) }))
        .finally(() => this.scheduleLeaseRetry());
    });
    await this.tryTakeLease();
  }

  /** Stops: no new events are taken, the batch in flight and the buffered events are committed. */
  async stop(): Promise<void> {
    if (!this.started) return;
    this.started = false;
    if (this.leaseTimer) clearTimeout(this.leaseTimer);
    this.leaseTimer = undefined;
    await this.queue(() => this.deactivate());
    await this.lease?.release();
    this.detachMetrics?.();
    this.detachMetrics = undefined;
  }

  /**
   * Resolves when every projection has processed the log up to `position` (handled or skipped),
   * so a reader sees its own write; rejects with StaleReadModelError after `timeoutMs`.
   */
  waitForPosition(position: string, timeoutMs = 5000): Promise<void> {
    if (!isPosition(position)) {
      return Promise.reject(new BadUserInputError([{ field: 'atLeastPosition', message: 'is not a log position' }]));
    }
    if (this.reached(position)) return Promise.resolve();
    return new Promise<void>((resolve, reject) => {
      const waiter: Waiter = {
        position,
        resolve,
        reject,
        timer: setTimeout(() => {
          this.waiters.delete(waiter);
          reject(new StaleReadModelError(position, this.lowestCheckpoint()));
        }, timeoutMs),
      };
      this.waiters.add(waiter);
      this.ensurePolling();
    });
  }

  /** Re-applies parked events of the served generation (all projections or one); removes those that succeed. */
  async retryParked(projection?: string): Promise<RetryParkedResult> {
    const { readStore } = this.options;
    const names = projection === undefined ? [...this.runners.keys()] : [projection];
    const result: RetryParkedResult = { retried: 0, succeeded: 0, failed: 0 };
    for (const name of names) {
      const runner = this.runners.get(name);
      if (!runner) throw new Error(`Unknown projection ${name}`);
      for (const row of await readStore.parkedEvents(name)) {
        result.retried += 1;
        const event = deserializeEvent(row.event);
        const ctx = contextFor(readStore, runner.projection, row.generation);
        try {
          await readStore.db.transaction().execute(async (tx) => {
            const touched = await tx
              .updateTable(PROJECTION_STATE_TABLE)
              .set({ updated_at: this.clock().toISOString() })
              .where('name', '=', name)
              .where('generation', '=', row.generation)
              .executeTakeFirst();
            if (touched.numUpdatedRows === 0n) throw new ProjectionStateMovedError(name, `generation ${row.generation} is no longer served`);
            await runner.projection.applyBatch(tx, [event], ctx);
            await tx
              .deleteFrom(PARKED_EVENTS_TABLE)
              .where('projection', '=', name)
              .where('generation', '=', row.generation)
              .where('position', '=', row.position)
              .execute();
          });
          result.succeeded += 1;
          this.metrics?.countApplied(name, 1);
        } catch (error) {
          if (!isProjectionFault(error)) throw error;
          result.failed += 1;
          await readStore.db
            .updateTable(PARKED_EVENTS_TABLE)
            .set((eb) => ({ retries: eb('retries', '+', 1), error: errorMessage(error) }))
            .where('projection', '=', name)
            .where('generation', '=', row.generation)
            .where('position', '=', row.position)
            .execute();
        }
      }
    }
    return result;
  }

  /** Per projection: generation, checkpoint, lag in events and ms, parked count, state. */
  async status(): Promise<ProjectionStatus[]> {
    const { store, readStore } = this.options;
    const [head, parked, states] = await Promise.all([store.headPosition(), readStore.parkedCounts(), readStore.readStates()]);
    const byName = new Map(states.map((s) => [s.name, s]));
    const now = this.clock().getTime();
    const out: ProjectionStatus[] = [];
    for (const runner of this.runners.values()) {
      const stored = byName.get(runner.projection.name);
      const live = runner.state === 'running';
      const checkpoint = live ? runner.checkpoint : (stored?.checkpoint ?? null);
      const lagEvents = approxEventsBetween(checkpoint, head);
      const oldest = lagEvents > 0 ? await this.firstUnprocessedAt(runner.projection.name, checkpoint) : undefined;
      out.push({
        name: runner.projection.name,
        version: stored?.version ?? runner.projection.version,
        generation: live ? runner.generation : (stored?.generation ?? runner.generation),
        checkpoint,
        head: head ?? null,
        lagEvents,
        lagMs: oldest ? Math.max(0, now - oldest.getTime()) : 0,
        parked: parked.get(runner.projection.name) ?? 0,
        state: this.active || !this.started ? runner.state : 'standby',
        lastError: runner.lastError,
      });
    }
    return out;
  }

  // --- internals used by the runners -------------------------------------------------------

  onCommitted(runner: ProjectionRunner, applied: number, parked: readonly RecordedEvent[]): void {
    this.metrics?.countApplied(runner.projection.name, applied);
    for (const event of parked) {
      this.logger.warn('event parked', { projection: runner.projection.name, position: event.position, type: event.type });
    }
    this.checkWaiters();
  }

  onCheckpointLoaded(): void {
    this.checkWaiters();
  }

  // --- lease and activation ------------------------------------------------------------------

  private async tryTakeLease(): Promise<void> {
    const lease = this.lease;
    if (!this.started || this.active || !lease) return;
    let acquired = false;
    try {
      acquired = await lease.tryAcquire();
    } catch (error) {
      this.logger.warn('lease attempt failed', { error: errorMessage(error) });
    }
    if (!this.started) {
      if (acquired) await lease.release();
      return;
    }
    if (acquired) {
      this.logger.info('projection lease acquired');
      await this.queue(() => this.activate());
    } else {
      this.scheduleLeaseRetry();
    }
  }

  private scheduleLeaseRetry(): void {
    if (!this.started || this.leaseTimer) return;
    this.leaseTimer = setTimeout(() => {
      this.leaseTimer = undefined;
      this.tryTakeLease().catch((error: unknown) => {
        this.logger.error('lease retry failed', { error: errorMessage(error) });
        this.scheduleLeaseRetry();
      });
    }, this.options.leaseRetryMs ?? 3000);
    this.leaseTimer.unref();
  }

  /** Activation and deactivation never overlap (a lease lost during start waits for the start). */
  private queue(step: () => Promise<void>): Promise<void> {
    const next = this.transition.then(step, step);
    this.transition = next.catch(() => undefined);
    return next;
  }

  private async activate(): Promise<void> {
    if (this.active || !this.started) return;
    this.active = true;
    await Promise.all([...this.runners.values()].map((r) => r.start()));
  }

  private async deactivate(): Promise<void> {
    if (!this.active) return;
    this.active = false;
    await Promise.all([...this.runners.values()].map((r) => r.stop()));
  }

  // --- waiting for a position ---------------------------------------------------------------

  private reached(position: string): boolean {
    for (const runner of this.runners.values()) {
      const checkpoint = runner.checkpoint;
      if (checkpoint === null || comparePositions(checkpoint, position) < 0) return false;
    }
    return true;
  }

  private lowestCheckpoint(): string | null {
    let lowest: string | null = null;
    for (const runner of this.runners.values()) {
      const checkpoint = runner.checkpoint;
      if (checkpoint === null) return null;
      if (lowest === null || comparePositions(checkpoint, lowest) < 0) lowest = checkpoint;
    }
    return lowest;
  }

  private checkWaiters(): void {
    for (const waiter of this.waiters) {
      if (this.reached(waiter.position)) {
        clearTimeout(waiter.timer);
        this.waiters.delete(waiter);
        waiter.resolve();
      }
    }
    if (this.waiters.size === 0 && this.pollTimer) {
      clearInterval(this.pollTimer);
      this.pollTimer = undefined;
    }
  }

  /**
   * Projections not running in this process (standby, rebuilding, not started) advance in
   * another one or not at all; their checkpoints are read from projection_state while someone waits.
   */
  private ensurePolling(): void {
    if (this.pollTimer) return;
    let busy = false;
    this.pollTimer = setInterval(() => {
      if (busy) return;
      const idle = [...this.runners.values()].filter((r) => r.state !== 'running' || !this.active);
      if (idle.length === 0) return;
      busy = true;
      this.options.readStore
        .readStates()
        .then((states) => {
          const byName = new Map(states.map((s) => [s.name, s]));
          for (const runner of idle) runner.adoptStoredState(byName.get(runner.projection.name));
          this.checkWaiters();
        })
        .catch(() => undefined)
        .finally(() => {
          busy = false;
        });
    }, this.options.statePollMs ?? 25);
    this.pollTimer.unref();
  }

  /** recordedAt of the first event after the checkpoint: how old the oldest unprocessed event is. */
  private async firstUnprocessedAt(name: string, checkpoint: string | null): Promise<Date | undefined> {
    const cached = this.firstUnprocessed.get(name);
    if (cached && cached.checkpoint === checkpoint) return cached.recordedAt;
    const [next] = await this.options.store.readAll({ fromPosition: checkpoint ?? undefined, maxCount: 1 });
    this.firstUnprocessed.set(name, { checkpoint, recordedAt: next?.recordedAt });
    return next?.recordedAt;
  }
}

/** One projection's subscription, buffer and committed checkpoint. */
class ProjectionRunner {
  state: RunnerState = 'standby';
  generation = 0;
  /** Committed checkpoint of the served generation (what waitForPosition compares). */
  checkpoint: string | null = null;
  lastError: string | null = null;

  private readonly handles: Set<string>;
  private subscription: Subscription | undefined;
  /** Incremented at every (re)subscription; callbacks of an older subscription are ignored. */
  private epoch = 0;
  private buffer: RecordedEvent[] = [];
  private last: RecordedEvent | undefined;
  private seen = 0;
  private caughtUp = false;
  private chain: Promise<void> = Promise.resolve();
  private immediate: NodeJS.Immediate | undefined;
  private delayTimer: NodeJS.Timeout | undefined;
  private restartTimer: NodeJS.Timeout | undefined;
  private pending: Promise<void> | undefined;
  private abort: AbortController | undefined;
  private failures = 0;
  private stopping = false;

  constructor(
    private readonly engine: ProjectionEngine,
    readonly projection: Projection,
  ) {
    this.handles = new Set<string>(projection.eventTypes);
  }

  private get options(): ProjectionEngineOptions {
    return this.engine.options;
  }

  start(): Promise<void> {
    this.stopping = false;
    this.pending = this.prepareAndSubscribe();
    return this.pending;
  }

  async stop(): Promise<void> {
    this.stopping = true;
    if (this.restartTimer) clearTimeout(this.restartTimer);
    this.restartTimer = undefined;
    this.abort?.abort();
    await this.pending?.catch(() => undefined);
    const subscription = this.subscription;
    this.subscription = undefined;
    await subscription?.stop().catch(() => undefined);
    this.clearFlushTimers();
    await this.flush(this.epoch);
    this.epoch += 1;
    this.state = 'stopped';
  }

  adoptStoredState(row: ProjectionStateRow | undefined): void {
    if (!row) return;
    this.generation = row.generation;
    this.checkpoint = row.checkpoint;
  }

  private async prepareAndSubscribe(): Promise<void> {
    const epoch = ++this.epoch;
    const { readStore, store } = this.options;
    const name = this.projection.name;
    this.state = 'starting';
    try {
      let row = await ensureProjectionState(readStore, this.projection, this.engine.clock);
      this.adoptStoredState(row);
      while (row.version !== this.projection.version && (this.options.rebuildOnVersionChange ?? true)) {
        if (row.version > this.projection.version) {
          // Newer code already serves this projection (rolling deploy): do not rebuild it back.
          this.state = 'outdated';
          this.engine.log.error('stored projection version is newer than this code; not running it', {
            projection: name,
            stored: row.version,
            code: this.projection.version,
          });
          return;
        }
        this.state = 'rebuilding';
        this.abort = new AbortController();
        try {
          const result = await rebuildProjection({
            store,
            readStore,
            projection: this.projection,
            awaitDrop: false,
            dropOldAfterMs: this.options.dropOldGenerationAfterMs,
            signal: this.abort.signal,
            clock: this.engine.clock,
            onDropError: (error) => this.engine.log.warn('dropping an old generation failed', { projection: name, error: errorMessage(error) }),
          });
          this.engine.log.info('projection rebuilt for its new version', { ...result });
        } catch (error) {
          if (!(error instanceof RebuildInProgressError)) throw error;
          await new Promise((resolve) => setTimeout(resolve, 1000));
        }
        if (this.stopping || epoch !== this.epoch) return;
        row = (await readStore.readState(name)) ?? row;
        this.adoptStoredState(row);
      }
      if (this.stopping || epoch !== this.epoch) return;
      readStore.noteGeneration(name, row.generation);
      this.buffer = [];
      this.last = undefined;
      this.seen = 0;
      this.caughtUp = false;
      this.engine.onCheckpointLoaded();
      this.subscription = store.subscribeToAll(
        { fromPosition: row.checkpoint ?? undefined },
        {
          onEvent: (event) => this.onEvent(epoch, event),
          onCaughtUp: () => this.onCaughtUp(epoch),
          onError: (error) => this.fail(epoch, error),
        },
      );
      this.state = 'running';
    } catch (error) {
      if (this.stopping) return;
      this.fail(epoch, error);
    }
  }

  private async onEvent(epoch: number, event: RecordedEvent): Promise<void> {
    if (epoch !== this.epoch) return;
    // Redelivery of what is already buffered or committed (a store that resends the checkpoint
    // event) is skipped, so applying stays exactly-once.
    const floor = this.last?.position ?? this.checkpoint;
    if (floor !== null && comparePositions(event.position, floor) <= 0) return;
    if (this.handles.has(event.type)) this.buffer.push(event);
    this.last = event;
    this.seen += 1;
    if (this.seen >= (this.options.batchSize ?? 500)) {
      await this.flush(epoch);
    } else if (this.caughtUp) {
      this.scheduleImmediateFlush(epoch);
    } else {
      this.scheduleDelayedFlush(epoch);
    }
  }

  private onCaughtUp(epoch: number): void {
    if (epoch !== this.epoch) return;
    this.caughtUp = true;
    this.scheduleImmediateFlush(epoch);
  }

  /** Live: flush as soon as the subscription has nothing more to hand over in this turn. */
  private scheduleImmediateFlush(epoch: number): void {
    if (this.immediate) return;
    this.immediate = setImmediate(() => {
      this.immediate = undefined;
      void this.flush(epoch);
    });
  }

  /** Catching up: let batches fill, but never hold events longer than maxBatchDelayMs. */
  private scheduleDelayedFlush(epoch: number): void {
    if (this.delayTimer) return;
    this.delayTimer = setTimeout(() => {
      this.delayTimer = undefined;
      void this.flush(epoch);
    }, this.options.maxBatchDelayMs ?? 50);
  }

  private clearFlushTimers(): void {
    if (this.immediate) clearImmediate(this.immediate);
    if (this.delayTimer) clearTimeout(this.delayTimer);
    this.immediate = undefined;
    this.delayTimer = undefined;
  }

  /** Serialized: at most one batch transaction of this projection at a time, in order. */
  private flush(epoch: number): Promise<void> {
    const run = async (): Promise<void> => {
      if (epoch !== this.epoch || !this.last) return;
      const handled = this.buffer;
      const last = this.last;
      this.buffer = [];
      this.last = undefined;
      this.seen = 0;
      const end = { position: last.position, recordedAt: last.recordedAt };
      try {
        const result = await applyWithIsolation({
          readStore: this.options.readStore,
          projection: this.projection,
          generation: this.generation,
          guard: servedGenerationGuard(this.projection.name, this.generation, this.checkpoint, this.engine.clock),
          handled,
          end,
          clock: this.engine.clock,
        });
        this.checkpoint = end.position;
        this.failures = 0;
        this.lastError = null;
        if (this.state === 'error') this.state = 'running';
        this.engine.onCommitted(this, result.applied, result.parked);
      } catch (error) {
        this.fail(epoch, error);
      }
    };
    const next = this.chain.then(run);
    this.chain = next;
    return next;
  }

  /**
   * Any failure ends the subscription; the runner re-reads its state and resubscribes from the
   * committed checkpoint — at once when the state moved (swap, other writer), after a growing
   * delay when the infrastructure failed. Buffered events are dropped: they come again.
   */
  private fail(epoch: number, error: unknown): void {
    if (epoch !== this.epoch || this.stopping) return;
    const moved = error instanceof ProjectionStateMovedError;
    if (moved) {
      this.engine.log.info('projection state moved; resuming from the stored checkpoint', { projection: this.projection.name, reason: errorMessage(error) });
    } else {
      this.failures += 1;
      this.lastError = errorMessage(error);
      this.state = 'error';
      this.engine.log.error('projection failed; retrying', { projection: this.projection.name, error: this.lastError, attempt: this.failures });
    }
    const base = this.options.retryDelayMs ?? 500;
    const delay = moved ? 0 : Math.min(MAX_RETRY_DELAY_MS, base * 2 ** Math.min(this.failures - 1, 16));
    const old = this.subscription;
    this.subscription = undefined;
    this.epoch += 1;
    this.buffer = [];
    this.last = undefined;
    this.seen = 0;
    this.clearFlushTimers();
    // Not awaited: we may be inside this subscription's own handler, which stop() waits for.
    const stopped = old ? old.stop().catch(() => undefined) : Promise.resolve();
    this.restartTimer = setTimeout(() => {
      this.restartTimer = undefined;
      if (this.stopping) return;
      this.pending = stopped.then(() => (this.stopping ? undefined : this.prepareAndSubscribe()));
    }, delay);
  }
}
