import { randomUUID } from 'node:crypto';
import { setImmediate as yieldToEventLoop } from 'node:timers/promises';
import { sql } from 'kysely';
import type { EventStore, RecordedEvent } from '@kam/event-store';
import type { Projection, ProjectionContext } from './projection';
import { ensureProjectionState, validateProjections } from './projection-state';
import {
  ProjectionStateMovedError,
  RebuildSessionState,
  applyWithIsolation,
  contextFor,
  inSessionTransaction,
  isProjectionFault,
  rebuildClaimGuard,
  type BatchEnd,
  type WriteGuard,
} from './projection-writer';
import { PARKED_EVENTS_TABLE, PROJECTION_STATE_TABLE, SQLITE_REBUILD_CACHE_KIB, openReadStore, physicalTableName, type ReadStore } from './read-store';
import { approxEventsBetween, comparePositionsFast } from './positions';
import { HEARTBEAT_MS, cpuMsSince, joinOffload, removeSqliteFile, startOffload, timedStep, type RebuildOffload, type SideBuild } from './rebuild-offload';
import { DEFAULT_STALE_CLAIM_MS, RebuildInProgressError, claimRebuild, releaseRebuildClaim } from './rebuild-claim';

export interface RebuildProgress {
  projection: string;
  /** Events read from the log so far (handled or not); the same for every projection of one pass. */
  processed: number;
  /** Approximate number of events in the log (from its head position); grows if writes go on. */
  total: number;
  eventsPerSecond: number;
  /** Null until a rate is known. */
  etaSeconds: number | null;
  /** True once this projection's new generation is served (or it failed: see `failed`). */
  done: boolean;
  /** Events of its types applied to the new generation so far. */
  applied: number;
  /** Set when this projection's rebuild failed; the others go on. */
  failed?: string;
}

/** The whole pass: one read of the log for every projection being rebuilt. */
export interface RebuildOverallProgress {
  /** Projections still being rebuilt or already swapped (not failed). */
  projections: string[];
  failed: string[];
  processed: number;
  total: number;
  eventsPerSecond: number;
  etaSeconds: number | null;
  done: boolean;
}

export interface RebuildResult {
  projection: string;
  fromGeneration: number;
  generation: number;
  processed: number;
  applied: number;
  parked: number;
  checkpoint: string | null;
  /** Wall time of the whole rebuild this projection was part of, until its swap. */
  durationMs: number;
  eventsPerSecond: number;
  /** Time spent in this projection's write transactions (where a slow projection shows). */
  applyMs: number;
  /**
   * CPU time of the process (user + system, every thread) during those transactions: unlike
   * `applyMs`, it does not grow when other work on the machine takes the cores.
   */
  applyCpuMs: number;
}

export interface RebuildOptions {
  store: EventStore;
  readStore: ReadStore;
  projections: readonly Projection[];
  /** Rebuild only the projection with this name (default: all). */
  only?: string;
  onProgress?: (progress: RebuildProgress) => void;
  onOverallProgress?: (progress: RebuildOverallProgress) => void;
  /** Events read from the log per page (default 5000). */
  batchSize?: number;
  /**
   * How long one projection's write transaction should take (default 2000 ms). Each projection
   * collects the events of its types over pages and writes them when, at the rate its previous
   * transactions ran, they would take about this long (at least a fifth of `batchSize`, at most
   * `maxTransactionEvents` events). Large transactions write each page of its tables once for many
   * events (random-key upserts into a big table dirty most of its pages); the bound keeps the
   * SQLite write lock, which a running API waits for, held only this long at a time.
   */
  transactionMs?: number;
  /**
   * Rows per table a projection may keep in memory across its transactions of this rebuild
   * (`RebuildSession.memoryRows`, default 200 000): the deals of a 1M-event log fit, at roughly
   * half a kilobyte each.
   */
  memoryRows?: number;
  /**
   * SQLite: page cache of the read store's connection while the rebuild runs, KiB (default
   * SQLITE_REBUILD_CACHE_KIB, 128 MiB; never lowered below what it is); set back after it.
   */
  sqliteCacheKiB?: number;
  /** Upper bound of events in one projection's transaction (default 50 000). */
  maxTransactionEvents?: number;
  /**
   * Readers in other processes learn about the swap within their generation refresh interval
   * (1 s by default), so the old tables are dropped only after this delay (default 3000 ms).
   */
  dropOldAfterMs?: number;
  /** true (default): resolve after the old tables are dropped; false: drop them in the background. */
  awaitDrop?: boolean;
  /**
   * A claim whose heartbeat is older than this is considered abandoned (default 30 s). A claim
   * whose holder ran on this host and is gone (killed rebuild or API) is taken over at once.
   */
  staleClaimMs?: number;
  signal?: AbortSignal;
  clock?: () => Date;
  /** Minimum interval between two rounds of onProgress calls (default 250 ms; the final calls always come). */
  progressIntervalMs?: number;
  /** Receives errors of a background drop. */
  onDropError?: (error: unknown) => void;
  /**
   * SQLite: some of the selected projections are built on another thread, into a file of their
   * own, while this one builds the rest; their tables are then copied into the read store and
   * swapped with the others (rebuild-offload.ts). Ignored on PostgreSQL, whose pool runs the
   * projections' transactions side by side already.
   */
  offload?: RebuildOffload;
  /**
   * Read the log only up to and including this position (the swap's tail too): what a build
   * into a side file for `offload` uses. Default: to the end, then the tail written meanwhile.
   */
  untilPosition?: string | null;
}

export { RebuildInProgressError };
export type { RebuildOffload, SideBuild };

/**
 * Some projections of a rebuild failed (their old generation is still served); `results` are
 * the ones that were swapped in.
 */
export class RebuildFailedError extends Error {
  constructor(
    readonly results: RebuildResult[],
    readonly failures: Array<{ projection: string; error: unknown }>,
  ) {
    super(
      `Rebuild failed for ${failures.map((f) => `${f.projection} (${f.error instanceof Error ? f.error.message : String(f.error)})`).join(', ')}` +
        (results.length > 0 ? `; rebuilt ${results.map((r) => r.projection).join(', ')}` : ''),
    );
    this.name = 'RebuildFailedError';
  }
}

/**
 * Builds generation g+1 of each selected projection from the start of the log into fresh tables,
 * while generation g keeps being served (and kept current by a running engine), then swaps.
 *
 * All selected projections are rebuilt in ONE pass over the log: each page is read (and its
 * events parsed and upcast) once, and every projection gets the events of its types in its own
 * transactions, guarded by its own claim. A projection that fails (claim lost, database error)
 * is dropped from the pass — its old generation stays served — and the others go on; the call
 * then rejects (with that error when it was the only projection, else with RebuildFailedError).
 * The swap of all of them is one transaction: it locks their state rows, applies the tail of the
 * log written meanwhile, points each at g+1 with the pass's checkpoint and forgets their old
 * parked events, so they switch together. A running engine notices at its next batch (its
 * compare-and-set on generation + checkpoint fails) and resumes g+1 from the new checkpoint.
 */
export async function rebuildProjections(options: RebuildOptions): Promise<RebuildResult[]> {
  const selected = selectProjections(options);
  const outcome = await withRebuildCache(options, () => runRebuild(options, selected, false));
  const { results, failures } = outcome;
  if (failures.length === 0) return results;
  // One cause for everything (an abort, the database gone, the only projection): that error itself.
  if (results.length === 0 && failures.every((f) => f.error === failures[0]!.error)) throw failures[0]!.error;
  throw new RebuildFailedError(results, failures);
}

/** One projection (the engine's rebuild of a bumped version, tests). */
export async function rebuildProjection(options: Omit<RebuildOptions, 'projections' | 'only'> & { projection: Projection }): Promise<RebuildResult> {
  const [result] = await rebuildProjections({ ...options, projections: [options.projection] });
  return result!;
}

export interface RebuildOutcome {
  results: RebuildResult[];
  failures: Array<{ projection: string; error: unknown }>;
  /** Projections left alone because another process holds a fresh claim on them. */
  skipped: string[];
}

function selectProjections(options: RebuildOptions): readonly Projection[] {
  validateProjections(options.projections);
  const selected = options.only === undefined ? options.projections : options.projections.filter((p) => p.name === options.only);
  if (selected.length === 0) {
    throw new Error(`Unknown projection ${options.only}; known: ${options.projections.map((p) => p.name).join(', ')}`);
  }
  return selected;
}

interface Job {
  projection: Projection;
  fromGeneration: number;
  target: number;
  guard: WriteGuard;
  /** With the session until `finish`, plain after (the tail in the swap writes through). */
  ctx: ProjectionContext;
  session: RebuildSessionState;
  /** finishRebuild and createIndexes have run: its tables are complete and indexed. */
  finished: boolean;
  handles: ReadonlySet<string>;
  /** Events of its types read but not written yet. */
  buffer: RecordedEvent[];
  applied: number;
  parked: number;
  applyMs: number;
  applyCpuMs: number;
  /** Date.now() of its last write (each write also refreshes its claim's heartbeat). */
  lastWrite: number;
  /** Buffered events that make a transaction of about `transactionMs` at its measured rate. */
  threshold: number;
  failed?: unknown;
  swapped: boolean;
  /** Built on another thread (options.offload): no events here, its tables are copied in before the swap. */
  offloaded: boolean;
}


/**
 * The rebuild itself. With `skipClaimed`, projections claimed by another live rebuild are
 * skipped (reported in `skipped`) instead of refusing the whole call; the engine uses that.
 */
export async function runRebuild(options: RebuildOptions, selected: readonly Projection[], skipClaimed: boolean): Promise<RebuildOutcome> {
  const { store, readStore } = options;
  const clock = options.clock ?? (() => new Date());
  const batchSize = Math.max(1, options.batchSize ?? 5000);
  const minBatch = Math.max(1, Math.floor(batchSize / 5));
  const maxBatch = Math.max(minBatch, options.maxTransactionEvents ?? 50_000);
  const transactionMs = options.transactionMs ?? 2000;
  const owner = randomUUID();
  const started = Date.now();
  const skipped: string[] = [];

  // Claim every projection first: a rebuild running elsewhere refuses the whole call (or is skipped).
  const jobs: Job[] = [];
  try {
    for (const projection of selected) {
      const before = await ensureProjectionState(readStore, projection, clock);
      try {
        await claimRebuild(readStore, projection.name, owner, clock, options.staleClaimMs ?? DEFAULT_STALE_CLAIM_MS);
      } catch (error) {
        if (skipClaimed && error instanceof RebuildInProgressError) {
          skipped.push(projection.name);
          continue;
        }
        throw error;
      }
      const fromGeneration = (await readStore.readState(projection.name))?.generation ?? before.generation;
      const session = new RebuildSessionState(projection.createIndexes !== undefined, options.memoryRows ?? 200_000);
      jobs.push({
        projection,
        fromGeneration,
        target: fromGeneration + 1,
        guard: rebuildClaimGuard(projection.name, owner, clock),
        ctx: contextFor(readStore, projection, fromGeneration + 1, session),
        session,
        finished: false,
        handles: new Set<string>(projection.eventTypes),
        buffer: [],
        applied: 0,
        parked: 0,
        applyMs: 0,
        applyCpuMs: 0,
        lastWrite: Date.now(),
        threshold: Math.min(maxBatch, batchSize),
        swapped: false,
        offloaded: readStore.dialect === 'sqlite' && (options.offload?.projections.includes(projection.name) ?? false),
      });
    }
  } catch (error) {
    for (const job of jobs) await releaseRebuildClaim(readStore, job.projection.name, owner).catch(() => undefined);
    throw error;
  }
  if (jobs.length === 0) return { results: [], failures: [], skipped };

  const active = (): Job[] => jobs.filter((j) => j.failed === undefined);
  const fail = async (job: Job, error: unknown): Promise<void> => {
    if (job.failed !== undefined) return;
    job.failed = error;
    job.buffer = [];
    job.session.memory.clear();
    await releaseRebuildClaim(readStore, job.projection.name, owner).catch(() => undefined);
    // A lost claim means another rebuild now owns generation g+1: its tables are not ours to drop.
    if (!(error instanceof ProjectionStateMovedError)) await dropTables(readStore, job.projection, job.target).catch(() => undefined);
  };

  // Event type → the jobs that handle it: one lookup per event routes it to every projection.
  const routes = new Map<string, Job[]>();
  const route = (job: Job): void => {
    for (const type of job.handles) {
      const list = routes.get(type) ?? [];
      list.push(job);
      routes.set(type, list);
    }
  };
  for (const job of jobs) if (!job.offloaded) route(job);
  let sideProcessed = 0;

  let checkpoint: string | null = null;
  let end: BatchEnd | undefined;
  let processed = 0;
  let head: string | undefined;
  let lastReport = 0;
  const report = (force: boolean): void => {
    if (!options.onProgress && !options.onOverallProgress) return;
    const now = Date.now();
    if (!force && now - lastReport < (options.progressIntervalMs ?? 250)) return;
    lastReport = now;
    const seconds = Math.max((now - started) / 1000, 1e-3);
    const eventsPerSecond = processed / seconds;
    const total = Math.max(processed, processed + approxEventsBetween(checkpoint, head));
    const etaSeconds = eventsPerSecond > 0 ? (total - processed) / eventsPerSecond : null;
    const base = { processed, total, eventsPerSecond: Math.round(eventsPerSecond), etaSeconds };
    for (const job of jobs) {
      options.onProgress?.({
        projection: job.projection.name,
        ...base,
        // Built on another thread: as far as that thread has read.
        ...(job.offloaded ? { processed: sideProcessed } : {}),
        done: job.swapped || job.failed !== undefined,
        applied: job.applied,
        ...(job.failed !== undefined ? { failed: errorText(job.failed) } : {}),
      });
    }
    const failed = jobs.filter((j) => j.failed !== undefined).map((j) => j.projection.name);
    options.onOverallProgress?.({
      ...base,
      projections: active().map((j) => j.projection.name),
      failed,
      done: jobs.every((j) => j.swapped || j.failed !== undefined),
    });
  };

  /** Writes a job's buffered events (in transactions of at most maxBatch), checkpoint at `upTo`. */
  const flush = async (job: Job, upTo: BatchEnd): Promise<void> => {
    const events = job.buffer;
    job.buffer = [];
    const t0 = performance.now();
    const cpu0 = process.cpuUsage();
    try {
      for (let i = 0; i === 0 || i < events.length; i += maxBatch) {
        const handled = events.slice(i, i + maxBatch);
        const last = i + maxBatch >= events.length ? upTo : { position: handled[handled.length - 1]!.position, recordedAt: handled[handled.length - 1]!.recordedAt };
        const r = await applyWithIsolation({
          readStore,
          projection: job.projection,
          generation: job.target,
          guard: job.guard,
          handled,
          end: last,
          clock,
          ctx: job.ctx,
        });
        job.applied += r.applied;
        job.parked += r.parked.length;
      }
    } catch (error) {
      await fail(job, error);
    } finally {
      const ms = performance.now() - t0;
      job.applyMs += ms;
      job.applyCpuMs += cpuMsSince(cpu0);
      job.lastWrite = Date.now();
      // Next transaction sized to take about transactionMs at the rate this one ran.
      if (events.length >= minBatch && ms > 0) {
        job.threshold = Math.min(maxBatch, Math.max(minBatch, Math.round((events.length / ms) * transactionMs)));
      }
    }
  };
  /**
   * After the last page: what the projection kept back is written (finishRebuild), then the
   * indexes it deferred are built, each in a transaction behind its claim. From here on it
   * writes through (the tail, inside the swap, sees complete and indexed tables).
   */
  const finish = async (job: Job): Promise<void> => {
    if (job.finished) return;
    await timedStep(job, fail, async () => {
      const { projection } = job;
      if (projection.finishRebuild) {
        await inSessionTransaction(readStore, job.ctx, async (tx) => {
          await job.guard.check(tx, undefined);
          await projection.finishRebuild!(tx, job.ctx);
        });
      }
      job.session.memory.clear();
      if (job.session.deferIndexes && projection.createIndexes) {
        await readStore.db.transaction().execute(async (tx) => {
          await job.guard.check(tx, undefined);
          await projection.createIndexes!(tx, job.ctx);
        });
      }
      job.ctx = contextFor(readStore, projection, job.target);
      job.finished = true;
    });
  };
  /**
   * On PostgreSQL the projections' transactions run side by side on the pool. SQLite has one
   * connection that serializes them anyway: one after the other keeps each job's applyMs its own.
   */
  const eachJob = async (which: Job[], work: (job: Job) => Promise<void>): Promise<void> => {
    if (readStore.dialect === 'postgres') {
      await Promise.all(which.map(work));
      return;
    }
    for (const job of which) await work(job);
  };
  const flushAll = (which: Job[], upTo: BatchEnd): Promise<void> => eachJob(which, (job) => flush(job, upTo));
  /** Refreshes every active job's claim (a write without events), e.g. while another thread builds. */
  const heartbeat = async (): Promise<void> => {
    for (const job of active()) {
      try {
        await readStore.db.transaction().execute((tx) => job.guard.check(tx, undefined));
        job.lastWrite = Date.now();
      } catch (error) {
        await fail(job, error);
      }
    }
  };

  try {
    for (const job of jobs) {
      try {
        await dropTables(readStore, job.projection, job.target);
        if (job.offloaded) continue;
        await readStore.db.transaction().execute(async (tx) => {
          await job.guard.check(tx, undefined);
          await job.projection.createTables(tx, job.ctx);
        });
      } catch (error) {
        await fail(job, error);
      }
    }

    head = await store.headPosition();
    // With projections built on another thread, both read the log up to the same position: the
    // swap then takes every projection from there.
    const offloaded = active().filter((j) => j.offloaded);
    const until = options.untilPosition !== undefined ? options.untilPosition : offloaded.length > 0 ? (head ?? null) : undefined;
    const side =
      offloaded.length > 0
        ? startOffload(options.offload!, offloaded, until ?? null, options.signal, (n) => {
            sideProcessed = n;
            report(false);
          })
        : undefined;
    // Pages until the log is exhausted, then the swap; events appended meanwhile are caught up
    // inside the swap transaction. If a projection throws there, that transaction is rolled
    // back and the pages go through the isolating writes again before the next swap attempt.
    while (active().length > 0) {
      for (;;) {
        options.signal?.throwIfAborted();
        if (until === null) break;
        const read = await store.readAll({ fromPosition: checkpoint ?? undefined, maxCount: batchSize });
        const page = until === undefined ? read : upTo(read, until);
        if (page.length === 0) break;
        for (const event of page) {
          const targets = routes.get(event.type);
          if (targets === undefined) continue;
          for (const job of targets) if (job.failed === undefined) job.buffer.push(event);
        }
        const last = page[page.length - 1]!;
        end = { position: last.position, recordedAt: last.recordedAt };
        checkpoint = last.position;
        processed += page.length;
        const now = Date.now();
        await flushAll(
          active().filter((j) => j.buffer.length >= j.threshold || now - j.lastWrite >= HEARTBEAT_MS),
          end,
        );
        report(false);
        if (page.length < batchSize) break;
        // Synchronous SQLite resolves every await at once: let timers and I/O of the process run.
        await yieldToEventLoop();
      }
      if (end) await flushAll(active().filter((j) => j.buffer.length > 0), end);
      options.signal?.throwIfAborted();
      await eachJob(active().filter((j) => !j.offloaded), finish);
      const waiting = active().filter((j) => j.offloaded);
      // Every offloaded projection failed here meanwhile: its build is not copied, only removed.
      if (side && waiting.length === 0) void side.then((build) => removeSqliteFile(build.file), () => undefined);
      if (side && waiting.length > 0) {
        await joinOffload(readStore, side, waiting, heartbeat, fail);
        for (const job of waiting) {
          if (job.failed !== undefined) continue;
          job.offloaded = false;
          job.finished = true;
          job.session.memory.clear();
          job.ctx = contextFor(readStore, job.projection, job.target);
          route(job);
        }
      }
      options.signal?.throwIfAborted();
      const swapping = active();
      if (swapping.length === 0) break;
      try {
        // The tail goes to the end (what was written meanwhile), unless the caller set an end.
        const tail = await swap(readStore, store, swapping, { checkpoint, end, batchSize, clock, owner, until: options.untilPosition });
        processed += tail.processed;
        checkpoint = tail.checkpoint;
        for (const job of swapping) {
          job.swapped = true;
          job.applied += tail.applied.get(job) ?? 0;
          job.applyMs += tail.ms;
          job.applyCpuMs += tail.cpuMs;
        }
        break;
      } catch (error) {
        if (error instanceof JobFailure) {
          // Its claim or generation moved: that projection is out, the others swap again.
          if (!(error.cause instanceof ProjectionStateMovedError)) throw error.cause;
          await fail(error.job, error.cause);
        } else if (!isProjectionFault(error)) {
          throw error;
        }
      }
    }
  } catch (error) {
    for (const job of active()) await fail(job, error);
  }

  const swapped = jobs.filter((j) => j.swapped);
  for (const job of swapped) readStore.noteGeneration(job.projection.name, job.target);
  report(true);

  const durationMs = Date.now() - started;
  const results = swapped.map<RebuildResult>((job) => ({
    projection: job.projection.name,
    fromGeneration: job.fromGeneration,
    generation: job.target,
    processed,
    applied: job.applied,
    parked: job.parked,
    checkpoint,
    durationMs,
    eventsPerSecond: Math.round(processed / Math.max(durationMs / 1000, 1e-3)),
    applyMs: Math.round(job.applyMs),
    applyCpuMs: Math.round(job.applyCpuMs),
  }));

  const awaitDrop = options.awaitDrop ?? true;
  const drops = swapped.map((job) =>
    dropAfter(readStore, job.projection, job.fromGeneration, options.dropOldAfterMs ?? 3000, !awaitDrop).finally(() =>
      releaseRebuildClaim(readStore, job.projection.name, owner).catch(() => undefined),
    ),
  );
  if (awaitDrop) await Promise.all(drops);
  else for (const drop of drops) drop.catch((error: unknown) => options.onDropError?.(error));

  const failures = jobs.filter((j) => j.failed !== undefined).map((j) => ({ projection: j.projection.name, error: j.failed }));
  return { results, failures, skipped };
}

/** An error that belongs to one projection of the swap (its claim or its generation moved). */
class JobFailure extends Error {
  constructor(
    readonly job: Job,
    override readonly cause: unknown,
  ) {
    super(errorText(cause));
    this.name = 'JobFailure';
  }
}

interface SwapInput {
  owner: string;
  checkpoint: string | null;
  end: BatchEnd | undefined;
  batchSize: number;
  clock: () => Date;
  /** Read the tail only up to here (RebuildOptions.untilPosition); null: nothing. */
  until: string | null | undefined;
}

interface SwapResult {
  processed: number;
  applied: Map<Job, number>;
  checkpoint: string | null;
  ms: number;
  cpuMs: number;
}

async function swap(readStore: ReadStore, store: EventStore, jobs: Job[], input: SwapInput): Promise<SwapResult> {
  const t0 = performance.now();
  const cpu0 = process.cpuUsage();
  // Rows are locked in name order, the same order as any other multi-projection writer.
  const ordered = [...jobs].sort((a, b) => (a.projection.name < b.projection.name ? -1 : 1));
  const result = await readStore.db.transaction().execute(async (tx) => {
    // The guards lock the state rows (PostgreSQL) / the database (SQLite) first, so the engine
    // cannot commit a checkpoint of an old generation past what the tail read below sees.
    for (const job of ordered) {
      try {
        await job.guard.check(tx, undefined);
      } catch (error) {
        throw new JobFailure(job, error);
      }
    }
    let checkpoint = input.checkpoint;
    let end = input.end;
    let processed = 0;
    const applied = new Map<Job, number>();
    for (;;) {
      if (input.until === null) break;
      const read: RecordedEvent[] = await store.readAll({ fromPosition: checkpoint ?? undefined, maxCount: input.batchSize });
      const page = input.until === undefined ? read : upTo(read, input.until);
      if (page.length === 0) break;
      for (const job of ordered) {
        const handled = page.filter((e) => job.handles.has(e.type));
        if (handled.length === 0) continue;
        await job.projection.applyBatch(tx, handled, job.ctx);
        applied.set(job, (applied.get(job) ?? 0) + handled.length);
      }
      const last = page[page.length - 1]!;
      checkpoint = last.position;
      end = { position: last.position, recordedAt: last.recordedAt };
      processed += page.length;
      if (page.length < read.length) break;
    }
    const now = input.clock().toISOString();
    for (const job of ordered) {
      const swapped = await tx
        .updateTable(PROJECTION_STATE_TABLE)
        .set({
          generation: job.target,
          version: job.projection.version,
          checkpoint,
          last_event_at: end ? end.recordedAt.toISOString() : null,
          status: 'live',
          // The claim stays until the replaced generation is dropped (dropAfter releases it): a
          // rebuild or a start elsewhere must not drop that generation under readers that still
          // name it, and a holder killed in that wait is recognized as gone (rebuild-claim.ts).
          rebuild_heartbeat_at: now,
          updated_at: now,
        })
        .where('name', '=', job.projection.name)
        .where('rebuild_owner', '=', input.owner)
        .where('generation', '=', job.fromGeneration)
        .executeTakeFirst();
      if (swapped.numUpdatedRows === 0n) {
        throw new JobFailure(job, new ProjectionStateMovedError(job.projection.name, `generation ${job.fromGeneration} was swapped by someone else`));
      }
      await tx.deleteFrom(PARKED_EVENTS_TABLE).where('projection', '=', job.projection.name).where('generation', '<>', job.target).execute();
    }
    return { processed, applied, checkpoint };
  });
  return { ...result, ms: performance.now() - t0, cpuMs: cpuMsSince(cpu0) };
}

async function dropAfter(readStore: ReadStore, projection: Projection, generation: number, delayMs: number, background: boolean): Promise<void> {
  if (delayMs > 0) {
    await new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, delayMs);
      // In the background the process must not stay alive for it; awaited (CLI), it must.
      if (background) timer.unref();
    });
  }
  await dropTables(readStore, projection, generation);
}

export async function dropTables(readStore: ReadStore, projection: Projection, generation: number): Promise<void> {
  for (const logical of [...projection.tables, ...(projection.retiredTables ?? [])]) {
    await readStore.db.schema.dropTable(physicalTableName(logical, generation)).ifExists().execute();
  }
}

export interface SideGenerationsOptions {
  store: EventStore;
  /** The SQLite file to build into (created; an existing one is replaced). */
  file: string;
  projections: readonly Projection[];
  /** Name → the generation to build (the one the rebuild that offloaded them builds). */
  targets: Record<string, number>;
  /** Read the log up to and including this position; null: an empty log. */
  untilPosition: string | null;
  signal?: AbortSignal;
  onProgress?: (processed: number) => void;
  batchSize?: number;
  transactionMs?: number;
  memoryRows?: number;
  /** Default SIDE_MAX_TRANSACTION_EVENTS. */
  maxTransactionEvents?: number;
  clock?: () => Date;
}

/**
 * Upper bound of events in one transaction of a side build. Its commits are cheap (a file of its
 * own, journal in memory, no sync), while every event a projection buffers for a large
 * transaction outlives a young-generation collection and is copied by it: on the 1M-event bench
 * set the side thread's scavenges took 4.9 s with this bound against 7.0 s with the default
 * 50,000, and the rebuild finished 2-3 s sooner.
 */
export const SIDE_MAX_TRANSACTION_EVENTS = 5000;

/**
 * The other thread's half of RebuildOptions.offload: builds generation `targets[name]` of these
 * projections from the log up to `untilPosition` into a fresh SQLite file, with the same
 * rebuild (sessions, deferred indexes, isolation of poison events) as rebuildProjections, and
 * returns what the rebuild that offloaded them copies in.
 */
export async function buildSideGenerations(options: SideGenerationsOptions): Promise<SideBuild> {
  removeSqliteFile(options.file);
  const readStore = await openReadStore({ sqliteFile: options.file, sqliteBackgroundCheckpoints: false });
  let built = false;
  try {
    // Nobody else reads this file, and a build that does not finish is thrown away: no WAL (whose
    // pages a checkpoint would write a second time) and no syncs. The journal stays (in memory):
    // a batch with a poison event is rolled back and isolated like anywhere else.
    await sql.raw('pragma journal_mode = MEMORY').execute(readStore.db);
    await sql.raw('pragma synchronous = OFF').execute(readStore.db);
    const clock = options.clock ?? (() => new Date());
    for (const projection of options.projections) {
      const target = options.targets[projection.name];
      if (target === undefined || !Number.isInteger(target) || target < 1) throw new Error(`No generation to build for ${projection.name}`);
      // This file is the build's own: the projection starts at the generation before the target.
      const created = await ensureProjectionState(readStore, projection, clock);
      await dropTables(readStore, projection, created.generation);
      await readStore.db.updateTable(PROJECTION_STATE_TABLE).set({ generation: target - 1 }).where('name', '=', projection.name).execute();
    }
    const rebuild: RebuildOptions = {
      store: options.store,
      readStore,
      projections: options.projections,
      untilPosition: options.untilPosition,
      dropOldAfterMs: 0,
      ...(options.signal ? { signal: options.signal } : {}),
      ...(options.onProgress ? { onOverallProgress: (p: RebuildOverallProgress) => options.onProgress!(p.processed) } : {}),
      ...(options.batchSize !== undefined ? { batchSize: options.batchSize } : {}),
      ...(options.transactionMs !== undefined ? { transactionMs: options.transactionMs } : {}),
      ...(options.memoryRows !== undefined ? { memoryRows: options.memoryRows } : {}),
      maxTransactionEvents: options.maxTransactionEvents ?? SIDE_MAX_TRANSACTION_EVENTS,
      clock,
    };
    const { results, failures } = await withRebuildCache(rebuild, () => runRebuild(rebuild, options.projections, false));
    if (failures.length > 0) throw failures[0]!.error;
    built = true;
    return {
      file: options.file,
      results: results.map((r) => ({ projection: r.projection, applied: r.applied, parked: r.parked, applyMs: r.applyMs, applyCpuMs: r.applyCpuMs })),
    };
  } finally {
    await readStore.close();
    // A failed or aborted build leaves nothing for anyone to copy.
    if (!built) removeSqliteFile(options.file);
  }
}

/**
 * Runs `work` with the SQLite page cache of the read store raised to the rebuild's size (random
 * upserts into tables much larger than the serving cache), then puts the serving size back.
 */
export async function withRebuildCache<T>(options: Pick<RebuildOptions, 'readStore' | 'sqliteCacheKiB'>, work: () => Promise<T>): Promise<T> {
  const { readStore } = options;
  if (readStore.dialect !== 'sqlite') return work();
  const rows = (await sql.raw<{ cache_size: number }>('pragma cache_size').execute(readStore.db)).rows;
  const before = Number(rows[0]?.cache_size ?? 0);
  // Negative: KiB; positive: pages (of 4 KiB by default).
  const beforeKiB = before < 0 ? -before : before * 4;
  const wanted = Math.floor(options.sqliteCacheKiB ?? SQLITE_REBUILD_CACHE_KIB);
  if (!(wanted > beforeKiB)) return work();
  await sql.raw(`pragma cache_size = -${wanted}`).execute(readStore.db);
  try {
    return await work();
  } finally {
    await sql.raw(`pragma cache_size = ${before}`).execute(readStore.db).catch(() => undefined);
  }
}

/** The events of a page up to and including `until`. */
function upTo(page: RecordedEvent[], until: string): RecordedEvent[] {
  let n = page.length;
  while (n > 0 && comparePositionsFast(page[n - 1]!.position, until) > 0) n -= 1;
  return n === page.length ? page : page.slice(0, n);
}

function errorText(error: unknown): string {
  return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
}
