import type { EventStore, RecordedEvent, Subscription } from '@kam/event-store';
import type { Registry } from 'prom-client';
import { createProjectionLease, type ProjectionLease } from './lease';
import { PositionWaiters } from './position-waiters';
import { approxEventsBetween, comparePositionsFast } from './positions';
import type { Projection, ProjectionContext } from './projection';
import { projectionMetricsFor, type ProjectionMetrics, type ProjectionStatus, type ProjectionStatusSource } from './projection-metrics';
import { ensureProjectionState, validateProjections } from './projection-state';
import {
  ProjectionStateMovedError,
  applyWithIsolation,
  contextFor,
  deserializeEvent,
  errorMessage,
  isProjectionFault,
  moveCheckpoints,
  servedGenerationGuard,
  type BatchEnd,
  type CheckpointMove,
} from './projection-writer';
import { PARKED_EVENTS_TABLE, PROJECTION_STATE_TABLE, type ProjectionStateRow, type ReadStore } from './read-store';
import { runRebuild } from './rebuild';

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
  /**
   * Live, a feed starts a round of writes at most this often (default 10 ms): a lone write is
   * projected at once, while under a steady stream of writes the events of this many
   * milliseconds share one transaction (one commit and one checkpoint per projection).
   */
  minLiveFlushIntervalMs?: number;
  /**
   * Write the batches of all projections of a feed in one transaction (each still behind its own
   * compare-and-set), falling back to one transaction per projection when that one fails.
   * Default: on SQLite (one connection serializes the projections' transactions anyway, and a
   * commit is the expensive part), not on PostgreSQL (the pool runs them side by side).
   */
  groupCommit?: boolean;
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
  /** Events applied by a projection (committed), besides the metrics: a host on another thread counts them. */
  onApplied?: (projection: string, events: number) => void;
  /** After writes, attachments and stops (where waiters are checked): `progress()` may have moved. */
  onProgress?: () => void;
  /** How long `stop()` waits for the projections to take in the log's head first (default 2000 ms). */
  stopDrainMs?: number;
}

/** What the API uses of an engine; also implemented by the host of an engine on a worker thread. */
export interface ProjectionControl extends ProjectionStatusSource {
  readonly isActive: boolean;
  start(): Promise<void>;
  stop(): Promise<void>;
  waitForPosition(position: string, timeoutMs?: number): Promise<void>;
  retryParked(projection?: string): Promise<RetryParkedResult>;
}

/** One projection's committed checkpoint and served generation, as held in memory by the engine. */
export interface ProjectionProgress {
  name: string;
  generation: number;
  checkpoint: string | null;
  state: string;
}

export interface RetryParkedResult {
  retried: number;
  succeeded: number;
  failed: number;
}

type RunnerState = 'standby' | 'starting' | 'rebuilding' | 'running' | 'error' | 'stopped' | 'outdated';

const MAX_RETRY_DELAY_MS = 30_000;
const DEFAULT_MIN_LIVE_FLUSH_INTERVAL_MS = 10;

/**
 * Runs projections. The log is read by shared *feeds*: one subscription hands every event to all
 * the projections attached to it (one read, one JSON parse and one upcast per event, however many
 * projections), each projection keeps the events of its types and its own batch, and a batch is
 * written with its checkpoint in a read-store transaction behind that projection's
 * compare-and-set. A projection that is behind every feed (it failed and resumes from its stored
 * checkpoint, a rebuild swapped it in) gets a feed of its own, which hands its projections over
 * to the other feed as soon as both are at the same position. See docs/adr/0004-projection-engine.md.
 */
export class ProjectionEngine implements ProjectionControl {
  private readonly runners = new Map<string, ProjectionRunner>();
  private readonly feeds = new Set<Feed>();
  private readonly waiting: PositionWaiters;
  private readonly metrics: ProjectionMetrics | undefined;
  private readonly logger: ProjectionLogger;
  private readonly firstUnprocessed = new Map<string, { checkpoint: string | null; recordedAt: Date | undefined }>();
  private detachMetrics: (() => void) | undefined;
  private lease: ProjectionLease | undefined;
  private leaseTimer: NodeJS.Timeout | undefined;
  private started = false;
  private active = false;
  private transition: Promise<void> = Promise.resolve();
  /** Runners waiting to be (re)started; started together so that bumped versions rebuild in one pass. */
  private readonly restartQueue = new Set<ProjectionRunner>();
  private restartScheduled = false;
  /** Starts in progress (activation, restarts); deactivation waits for them. */
  private readonly starting = new Set<Promise<void>>();
  private abort: AbortController | undefined;

  constructor(readonly options: ProjectionEngineOptions) {
    validateProjections(options.projections);
    this.logger = options.logger ?? consoleProjectionLogger;
    this.waiting = new PositionWaiters({
      checkpoints: () => [...this.runners.values()].map((runner) => runner.checkpoint),
      poll: () => this.pollStoredStates(),
      pollMs: options.statePollMs ?? 25,
    });
    this.metrics = options.metricsRegistry === null ? undefined : projectionMetricsFor(options.metricsRegistry ?? undefined);
    for (const projection of options.projections) this.runners.set(projection.name, new ProjectionRunner(this, projection));
  }

  get clock(): () => Date {
    return this.options.clock ?? (() => new Date());
  }

  get log(): ProjectionLogger {
    return this.logger;
  }

  get groupCommit(): boolean {
    return this.options.groupCommit ?? this.options.readStore.dialect === 'sqlite';
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

  /**
   * Stops: first takes in what the log holds now (for at most `stopDrainMs`), then takes no new
   * events and commits the batch in flight and the buffered events. At shutdown the last appends
   * were committed before the HTTP server closed, but a subscription may not have read them yet
   * (it reads when woken, or at its next poll): without the drain, a restart would find the
   * checkpoints just behind the head.
   */
  async stop(): Promise<void> {
    if (!this.started) return;
    await this.drain(this.options.stopDrainMs ?? 2000);
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
    return this.waiting.wait(position, timeoutMs);
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
          this.options.onApplied?.(name, 1);
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

  /** Per projection: the committed checkpoint and generation held in memory (what waitForPosition compares). */
  progress(): ProjectionProgress[] {
    const out: ProjectionProgress[] = [];
    for (const runner of this.runners.values()) {
      out.push({
        name: runner.projection.name,
        generation: runner.generation,
        checkpoint: runner.checkpoint,
        state: this.active || !this.started ? runner.state : 'standby',
      });
    }
    return out;
  }

  // --- internals used by runners and feeds ----------------------------------------------------

  onCommitted(runner: ProjectionRunner, applied: number, parked: readonly RecordedEvent[]): void {
    this.metrics?.countApplied(runner.projection.name, applied);
    if (applied > 0) this.options.onApplied?.(runner.projection.name, applied);
    for (const event of parked) {
      this.logger.warn('event parked', { projection: runner.projection.name, position: event.position, type: event.type });
    }
  }

  /** After a feed's writes: waiters whose position every projection has reached are released. */
  checkWaiters(): void {
    this.options.onProgress?.();
    this.waiting.check();
  }

  /** A runner that failed asks to be started again (state re-read, rebuilt if needed, attached). */
  requestRestart(runner: ProjectionRunner): void {
    if (!this.active) return;
    this.restartQueue.add(runner);
    if (this.restartScheduled) return;
    this.restartScheduled = true;
    // Runners failing together (the database went away) restart together: one feed, one rebuild.
    setImmediate(() => {
      this.restartScheduled = false;
      const batch = [...this.restartQueue];
      this.restartQueue.clear();
      if (!this.active || batch.length === 0) return;
      this.track(this.startRunners(batch));
    });
  }

  /**
   * Attaches a runner whose checkpoint is `checkpoint` to the feed that is closest behind (or at)
   * that position, so it misses nothing and skips what it already has; when every feed is ahead
   * of it, it gets a feed of its own, starting at its checkpoint.
   */
  attach(runner: ProjectionRunner, checkpoint: string | null): void {
    let best: Feed | undefined;
    for (const feed of this.feeds) {
      if (feed.closed || comparePositionsOrNull(feed.last, checkpoint) > 0) continue;
      if (!best || comparePositionsOrNull(feed.last, best.last) > 0) best = feed;
    }
    if (!best) {
      // Members first: a store may deliver the first events from inside subscribeToAll.
      const feed = new Feed(this, checkpoint);
      this.feeds.add(feed);
      feed.add(runner);
      try {
        feed.subscribe();
      } catch (error) {
        feed.abandon();
        throw error;
      }
    } else {
      best.add(runner);
    }
    this.checkWaiters();
  }

  /** Called by a feed after each event it dispatched: another feed at exactly that position takes its projections over. */
  mergeTarget(feed: Feed): Feed | undefined {
    if (this.feeds.size < 2 || feed.last === null) return undefined;
    for (const other of this.feeds) {
      if (other === feed || other.closed || other.merging || other.last === null) continue;
      if (comparePositionsFast(other.last, feed.last) === 0) return other;
    }
    return undefined;
  }

  feedClosed(feed: Feed): void {
    this.feeds.delete(feed);
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

  private async drain(timeoutMs: number): Promise<void> {
    if (!this.active || timeoutMs <= 0) return;
    const { store } = this.options;
    const head = await store.headPosition();
    if (head === null || head === undefined) return;
    store.wakeSubscriptions?.();
    await this.waitForPosition(head, timeoutMs).catch((error: unknown) =>
      this.logger.warn('stopping before every projection reached the log head', { head, error: errorMessage(error) }),
    );
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
    this.abort = new AbortController();
    await this.track(this.startRunners([...this.runners.values()]));
  }

  private async deactivate(): Promise<void> {
    if (!this.active) return;
    this.active = false;
    this.abort?.abort();
    this.restartQueue.clear();
    for (const runner of this.runners.values()) runner.cancelRestart();
    await Promise.all([...this.starting]);
    await Promise.all([...this.feeds].map((feed) => feed.close(true)));
    for (const runner of this.runners.values()) runner.stopped();
    this.checkWaiters();
  }

  private track(start: Promise<void>): Promise<void> {
    const tracked = start.finally(() => this.starting.delete(tracked));
    this.starting.add(tracked);
    return tracked;
  }

  /**
   * Reads each runner's state; runners whose stored version is older than their code are rebuilt
   * together in one pass (a runner claimed by a rebuild elsewhere waits and tries again), then
   * every runner is attached to a feed. Failures go to the runner (retried with back-off).
   */
  private async startRunners(runners: ProjectionRunner[]): Promise<void> {
    const { readStore, store } = this.options;
    let pending = runners;
    while (pending.length > 0 && this.active) {
      const toRebuild: ProjectionRunner[] = [];
      const ready: ProjectionRunner[] = [];
      for (const runner of pending) {
        try {
          const verdict = await runner.prepare();
          if (verdict === 'ready') ready.push(runner);
          else if (verdict === 'rebuild') toRebuild.push(runner);
        } catch (error) {
          runner.fail(error);
        }
      }
      if (!this.active) return;
      // Lowest checkpoint first: its feed starts there and the others join it (one read of the
      // log for all of them) instead of each starting a feed of its own.
      ready.sort((a, b) => comparePositionsOrNull(a.checkpoint, b.checkpoint));
      for (const runner of ready) {
        try {
          runner.attachAt(runner.checkpoint);
        } catch (error) {
          runner.fail(error);
        }
      }
      if (toRebuild.length === 0) return;
      for (const runner of toRebuild) runner.state = 'rebuilding';
      let outcome: Awaited<ReturnType<typeof runRebuild>>;
      try {
        outcome = await runRebuild(
          {
            store,
            readStore,
            projections: toRebuild.map((r) => r.projection),
            awaitDrop: false,
            dropOldAfterMs: this.options.dropOldGenerationAfterMs,
            signal: this.abort?.signal,
            clock: this.clock,
            onDropError: (error) => this.logger.warn('dropping an old generation failed', { error: errorMessage(error) }),
          },
          toRebuild.map((r) => r.projection),
          true,
        );
      } catch (error) {
        if (!this.active) return;
        for (const runner of toRebuild) runner.fail(error);
        return;
      }
      if (!this.active) return;
      for (const result of outcome.results) this.logger.info('projection rebuilt for its new version', { ...result });
      const failed = new Map(outcome.failures.map((f) => [f.projection, f.error]));
      for (const runner of toRebuild) {
        const error = failed.get(runner.projection.name);
        if (error !== undefined) runner.fail(error);
      }
      // Rebuilt ones come back 'ready' from prepare(); the skipped ones (claimed elsewhere) are retried after a pause.
      const rebuilt = toRebuild.filter((r) => !failed.has(r.projection.name) && !outcome.skipped.includes(r.projection.name));
      const skipped = toRebuild.filter((r) => outcome.skipped.includes(r.projection.name));
      pending = rebuilt;
      if (skipped.length > 0) {
        if (rebuilt.length > 0) await this.startRunners(rebuilt);
        await new Promise((resolve) => setTimeout(resolve, 1000));
        pending = skipped;
      }
    }
  }

  // --- waiting for a position ---------------------------------------------------------------

  /**
   * Projections not running in this process (standby, rebuilding, not started) advance in
   * another one or not at all; their checkpoints are read from projection_state while someone waits.
   */
  private pollStoredStates(): Promise<void> | undefined {
    const idle = [...this.runners.values()].filter((r) => r.state !== 'running' || !this.active);
    if (idle.length === 0) return undefined;
    return this.options.readStore.readStates().then((states) => {
      const byName = new Map(states.map((s) => [s.name, s]));
      for (const runner of idle) runner.adoptStoredState(byName.get(runner.projection.name));
      this.options.onProgress?.();
    });
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

/** Null (before the first event) sorts first. */
function comparePositionsOrNull(a: string | null, b: string | null): number {
  if (a === null) return b === null ? 0 : -1;
  if (b === null) return 1;
  return comparePositionsFast(a, b);
}

/** One projection's batch taken out of its buffer, to be written with its checkpoint. */
interface BatchPart {
  runner: ProjectionRunner;
  /** The runner's epoch when the batch was taken: results for an older epoch are ignored. */
  epoch: number;
  generation: number;
  /** Committed checkpoint the write expects (compare-and-set). */
  expected: string | null;
  handled: RecordedEvent[];
  end: BatchEnd;
}

/**
 * One subscription to the log shared by several projections. It hands each event to every member
 * synchronously (each keeps the events of its types), and writes the members' batches: when
 * `batchSize` events were dispatched (the subscription waits for that write), when it is caught
 * up and idle, and during catch-up at the latest after `maxBatchDelayMs`. Writes are serialized:
 * one round at a time, every member's batch in it.
 */
class Feed {
  readonly members = new Set<ProjectionRunner>();
  /** Position of the last event handed to the members (the start position before the first). */
  last: string | null;
  closed = false;
  /** Handing its members over to another feed: not a merge target itself. */
  merging = false;
  private subscription: Subscription | undefined;
  private caughtUp = false;
  private seen = 0;
  private chain: Promise<void> = Promise.resolve();
  private queued: Promise<void> | undefined;
  private immediate: NodeJS.Immediate | undefined;
  private delayTimer: NodeJS.Timeout | undefined;
  /** When the last round of writes started (performance.now()). */
  private lastRoundAt = -Infinity;

  constructor(
    private readonly engine: ProjectionEngine,
    from: string | null,
  ) {
    this.last = from;
  }

  private get options(): ProjectionEngineOptions {
    return this.engine.options;
  }

  add(runner: ProjectionRunner): void {
    this.members.add(runner);
    runner.joined(this, this.last);
  }

  /** A member leaves (it failed): its buffered events are dropped, it comes back from its checkpoint. */
  remove(runner: ProjectionRunner): void {
    this.members.delete(runner);
    if (this.members.size === 0) void this.close(false);
  }

  subscribe(): void {
    const subscription = this.options.store.subscribeToAll(
      { fromPosition: this.last ?? undefined },
      {
        onEvent: (event) => this.onEvent(event),
        onCaughtUp: () => this.onCaughtUp(),
        onError: (error) => this.onError(error),
      },
    );
    // Closed while subscribeToAll delivered its first events (merged away): nobody else will stop it.
    if (this.closed) void subscription.stop().catch(() => undefined);
    else this.subscription = subscription;
  }

  /** The subscription could not be opened: forget the feed (its members fail and come back). */
  abandon(): void {
    this.closed = true;
    this.engine.feedClosed(this);
    this.clearTimers();
  }

  /**
   * Ends the feed. With `commit`, the buffered batches are written first (stop); otherwise the
   * feed is empty or abandoned. From inside the subscription's own handler the subscription is
   * stopped without waiting for it (it ends when the handler returns).
   */
  async close(commit: boolean): Promise<void> {
    if (this.closed && !commit) return;
    this.closed = true;
    this.engine.feedClosed(this);
    const subscription = this.subscription;
    this.subscription = undefined;
    if (commit) {
      await subscription?.stop().catch(() => undefined);
      this.clearTimers();
      await this.requestFlush().catch(() => undefined);
    } else {
      this.clearTimers();
      void subscription?.stop().catch(() => undefined);
    }
  }

  private onEvent(event: RecordedEvent): Promise<void> | undefined {
    if (this.closed) return undefined;
    for (const member of this.members) member.accept(event);
    this.last = event.position;
    this.seen += 1;
    const other = this.engine.mergeTarget(this);
    if (other) return this.mergeInto(other);
    if (this.seen >= (this.options.batchSize ?? 500)) return this.requestFlush();
    if (this.caughtUp) this.scheduleImmediateFlush();
    else this.scheduleDelayedFlush();
    return undefined;
  }

  private onCaughtUp(): void {
    if (this.closed) return;
    this.caughtUp = true;
    this.scheduleImmediateFlush();
  }

  private onError(error: Error): void {
    if (this.closed) return;
    this.closed = true;
    this.engine.feedClosed(this);
    this.subscription = undefined;
    this.clearTimers();
    for (const member of [...this.members]) member.fail(error);
  }

  /**
   * Another feed is at the same position: this one's members move over once their batches are
   * written (a member never has writes in flight on two feeds), unless the other feed moved on
   * meanwhile — then this feed goes on and meets it again further on.
   */
  private async mergeInto(other: Feed): Promise<void> {
    this.merging = true;
    try {
      await this.requestFlush();
    } finally {
      this.merging = false;
    }
    if (this.closed || other.closed || other.last === null || this.last === null || comparePositionsFast(other.last, this.last) !== 0) return;
    const members = [...this.members];
    this.members.clear();
    for (const member of members) other.add(member);
    await this.close(false);
  }

  /**
   * Live: write as soon as the subscription has nothing more to hand over in this turn, but
   * start rounds no closer than minLiveFlushIntervalMs apart (under load, batches grow instead of
   * commits multiplying).
   */
  private scheduleImmediateFlush(): void {
    if (this.immediate || this.delayTimer) return;
    const wait = this.lastRoundAt + (this.options.minLiveFlushIntervalMs ?? DEFAULT_MIN_LIVE_FLUSH_INTERVAL_MS) - performance.now();
    if (wait >= 1) {
      this.delayTimer = setTimeout(() => {
        this.delayTimer = undefined;
        void this.requestFlush();
      }, wait);
      return;
    }
    this.immediate = setImmediate(() => {
      this.immediate = undefined;
      void this.requestFlush();
    });
  }

  /** Catching up: let batches fill, but never hold events longer than maxBatchDelayMs. */
  private scheduleDelayedFlush(): void {
    if (this.delayTimer) return;
    this.delayTimer = setTimeout(() => {
      this.delayTimer = undefined;
      void this.requestFlush();
    }, this.options.maxBatchDelayMs ?? 50);
  }

  private clearTimers(): void {
    if (this.immediate) clearImmediate(this.immediate);
    if (this.delayTimer) clearTimeout(this.delayTimer);
    this.immediate = undefined;
    this.delayTimer = undefined;
  }

  /** At most one round of writes runs and one more waits; the waiting one takes everything buffered by then. */
  private requestFlush(): Promise<void> {
    if (this.queued) return this.queued;
    const next = this.chain.then(() => {
      this.queued = undefined;
      return this.flushRound();
    });
    this.queued = next;
    this.chain = next.catch(() => undefined);
    return next;
  }

  private async flushRound(): Promise<void> {
    this.seen = 0;
    this.lastRoundAt = performance.now();
    const parts: BatchPart[] = [];
    for (const member of this.members) {
      const part = member.takeBatch();
      if (part) parts.push(part);
    }
    if (parts.length === 0) return;
    if (parts.length > 1 && this.engine.groupCommit && (await this.writeTogether(parts))) return;
    if (this.options.readStore.dialect === 'postgres') {
      await Promise.all(parts.map((part) => part.runner.write(part)));
    } else {
      for (const part of parts) await part.runner.write(part);
    }
    this.engine.checkWaiters();
  }

  /**
   * One transaction for every member's batch: each behind its own compare-and-set, in name order
   * (the lock order of every multi-projection writer). True when it committed; false when it
   * failed and was rolled back — then each batch is written alone, where a poison event is
   * isolated and a moved state or a database error concerns only its projection.
   */
  private async writeTogether(parts: BatchPart[]): Promise<boolean> {
    const { readStore } = this.options;
    const ordered = [...parts].sort((a, b) => (a.runner.projection.name < b.runner.projection.name ? -1 : 1));
    // SQLite: the projections with none of the round's events only move their checkpoint, all
    // in one compare-and-set statement (the first write, so it takes the write lock up front).
    const together = readStore.dialect === 'sqlite' ? checkpointOnly(ordered) : undefined;
    const writing = together ? ordered.filter((part) => !together.parts.has(part)) : ordered;
    try {
      await readStore.db.transaction().execute(async (tx) => {
        if (together) await moveCheckpoints(tx, together.moves, together.end, this.engine.clock);
        for (const part of writing) {
          const guard = servedGenerationGuard(part.runner.projection.name, part.generation, part.expected, this.engine.clock);
          await guard.check(tx, part.end);
          if (part.handled.length > 0) await part.runner.projection.applyBatch(tx, part.handled, part.runner.context(part.generation));
        }
      });
    } catch {
      return false;
    }
    for (const part of parts) part.runner.committed(part, part.handled.length, []);
    this.engine.checkWaiters();
    return true;
  }
}

/**
 * The parts of a round that handle none of its events and end where the first such part ends
 * (in a shared feed all do); undefined when fewer than two, where one statement saves nothing.
 */
function checkpointOnly(
  parts: readonly BatchPart[],
): { parts: Set<BatchPart>; moves: CheckpointMove[]; end: BatchEnd } | undefined {
  let end: BatchEnd | undefined;
  const chosen = new Set<BatchPart>();
  const moves: CheckpointMove[] = [];
  for (const part of parts) {
    if (part.handled.length > 0) continue;
    end ??= part.end;
    if (part.end.position !== end.position || part.end.recordedAt.getTime() !== end.recordedAt.getTime()) continue;
    chosen.add(part);
    moves.push({ projection: part.runner.projection.name, generation: part.generation, expected: part.expected });
  }
  return end && chosen.size > 1 ? { parts: chosen, moves, end } : undefined;
}

/** One projection: its state, its buffer on the feed it is attached to, its committed checkpoint. */
class ProjectionRunner {
  state: RunnerState = 'standby';
  generation = 0;
  /** Committed checkpoint of the served generation (what waitForPosition compares). */
  checkpoint: string | null = null;
  lastError: string | null = null;

  private readonly handles: Set<string>;
  private feed: Feed | undefined;
  /** Incremented at every (re)attachment; writes of an older epoch are ignored. */
  private epoch = 0;
  private buffer: RecordedEvent[] = [];
  private last: RecordedEvent | undefined;
  /** Events at or before this position are already covered (it joined a feed behind it). */
  private floor: string | null = null;
  private restartTimer: NodeJS.Timeout | undefined;
  private failures = 0;
  private contexts = new Map<number, ProjectionContext>();

  constructor(
    private readonly engine: ProjectionEngine,
    readonly projection: Projection,
  ) {
    this.handles = new Set<string>(projection.eventTypes);
  }

  private get options(): ProjectionEngineOptions {
    return this.engine.options;
  }

  context(generation: number): ProjectionContext {
    let ctx = this.contexts.get(generation);
    if (!ctx) {
      ctx = contextFor(this.options.readStore, this.projection, generation);
      this.contexts.clear();
      this.contexts.set(generation, ctx);
    }
    return ctx;
  }

  adoptStoredState(row: ProjectionStateRow | undefined): void {
    if (!row) return;
    this.generation = row.generation;
    this.checkpoint = row.checkpoint;
  }

  /** Reads (or creates) the state row: ready to attach, to be rebuilt first, or left alone. */
  async prepare(): Promise<'ready' | 'rebuild' | 'outdated'> {
    this.state = 'starting';
    const row = await ensureProjectionState(this.options.readStore, this.projection, this.engine.clock);
    this.adoptStoredState(row);
    if (row.version !== this.projection.version && (this.options.rebuildOnVersionChange ?? true)) {
      if (row.version > this.projection.version) {
        // Newer code already serves this projection (rolling deploy): do not rebuild it back.
        this.state = 'outdated';
        this.engine.log.error('stored projection version is newer than this code; not running it', {
          projection: this.projection.name,
          stored: row.version,
          code: this.projection.version,
        });
        return 'outdated';
      }
      return 'rebuild';
    }
    this.options.readStore.noteGeneration(this.projection.name, row.generation);
    return 'ready';
  }

  attachAt(checkpoint: string | null): void {
    this.engine.attach(this, checkpoint);
  }

  /** The feed took this runner, which has everything up to `feedLast`... or more (its checkpoint). */
  joined(feed: Feed, feedLast: string | null): void {
    this.feed = feed;
    this.epoch += 1;
    this.buffer = [];
    this.last = undefined;
    const covered = this.checkpoint;
    // Skip what the feed will hand over again up to where this runner already is.
    this.floor = covered !== null && comparePositionsOrNull(feedLast, covered) < 0 ? covered : null;
    this.state = 'running';
  }

  accept(event: RecordedEvent): void {
    if (this.floor !== null) {
      // Redelivery of what is already committed (joined a feed behind its checkpoint, or a
      // store that resends the checkpoint event) is skipped, so applying stays exactly-once.
      if (comparePositionsFast(event.position, this.floor) <= 0) return;
      this.floor = null;
    }
    if (this.handles.has(event.type)) this.buffer.push(event);
    this.last = event;
  }

  takeBatch(): BatchPart | undefined {
    const last = this.last;
    if (!last) return undefined;
    const part: BatchPart = {
      runner: this,
      epoch: this.epoch,
      generation: this.generation,
      expected: this.checkpoint,
      handled: this.buffer,
      end: { position: last.position, recordedAt: last.recordedAt },
    };
    this.buffer = [];
    this.last = undefined;
    return part;
  }

  /** Writes one batch alone: isolation of poison events, failures handled here. */
  async write(part: BatchPart): Promise<void> {
    if (part.epoch !== this.epoch) return;
    try {
      const result = await applyWithIsolation({
        readStore: this.options.readStore,
        projection: this.projection,
        generation: part.generation,
        guard: servedGenerationGuard(this.projection.name, part.generation, part.expected, this.engine.clock),
        handled: part.handled,
        end: part.end,
        clock: this.engine.clock,
      });
      this.committed(part, result.applied, result.parked);
    } catch (error) {
      if (part.epoch === this.epoch) this.fail(error);
    }
  }

  committed(part: BatchPart, applied: number, parked: readonly RecordedEvent[]): void {
    if (part.epoch !== this.epoch) return;
    this.checkpoint = part.end.position;
    this.failures = 0;
    this.lastError = null;
    if (this.state === 'error') this.state = 'running';
    this.engine.onCommitted(this, applied, parked);
  }

  /**
   * Any failure detaches the runner from its feed (its buffered events are dropped: they come
   * again); it re-reads its state and is attached again from the committed checkpoint — at once
   * when the state moved (swap, other writer), after a growing delay when the infrastructure failed.
   */
  fail(error: unknown): void {
    if (!this.engine.isActive) return;
    const moved = error instanceof ProjectionStateMovedError;
    if (moved) {
      this.engine.log.info('projection state moved; resuming from the stored checkpoint', { projection: this.projection.name, reason: errorMessage(error) });
    } else {
      this.failures += 1;
      this.lastError = errorMessage(error);
      this.state = 'error';
      this.engine.log.error('projection failed; retrying', { projection: this.projection.name, error: this.lastError, attempt: this.failures });
    }
    this.detach();
    const base = this.options.retryDelayMs ?? 500;
    const delay = moved ? 0 : Math.min(MAX_RETRY_DELAY_MS, base * 2 ** Math.min(this.failures - 1, 16));
    if (this.restartTimer) clearTimeout(this.restartTimer);
    this.restartTimer = setTimeout(() => {
      this.restartTimer = undefined;
      this.engine.requestRestart(this);
    }, delay);
  }

  cancelRestart(): void {
    if (this.restartTimer) clearTimeout(this.restartTimer);
    this.restartTimer = undefined;
  }

  /** The engine stopped (its feeds wrote what they had). */
  stopped(): void {
    this.feed = undefined;
    this.epoch += 1;
    this.buffer = [];
    this.last = undefined;
    if (this.state !== 'outdated') this.state = 'stopped';
  }

  private detach(): void {
    const feed = this.feed;
    this.feed = undefined;
    this.epoch += 1;
    this.buffer = [];
    this.last = undefined;
    feed?.remove(this);
  }
}
