import { randomUUID } from 'node:crypto';
import type { EventStore, RecordedEvent } from '@kam/event-store';
import type { Projection } from './projection';
import { ensureProjectionState, validateProjections } from './projection-state';
import { ProjectionStateMovedError, applyWithIsolation, contextFor, isProjectionFault, rebuildClaimGuard, type BatchEnd } from './projection-writer';
import { PARKED_EVENTS_TABLE, PROJECTION_STATE_TABLE, physicalTableName, type ReadStore } from './read-store';
import { approxEventsBetween } from './positions';

export interface RebuildProgress {
  projection: string;
  /** Events read from the log so far (handled or not). */
  processed: number;
  /** Approximate number of events in the log (from its head position); grows if writes go on. */
  total: number;
  eventsPerSecond: number;
  /** Null until a rate is known. */
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
  durationMs: number;
  eventsPerSecond: number;
}

export interface RebuildOptions {
  store: EventStore;
  readStore: ReadStore;
  projections: readonly Projection[];
  /** Rebuild only the projection with this name (default: all). */
  only?: string;
  onProgress?: (progress: RebuildProgress) => void;
  /** Events read and written per transaction (default 1000). */
  batchSize?: number;
  /**
   * Readers in other processes learn about the swap within their generation refresh interval
   * (1 s by default), so the old tables are dropped only after this delay (default 3000 ms).
   */
  dropOldAfterMs?: number;
  /** true (default): resolve after the old tables are dropped; false: drop them in the background. */
  awaitDrop?: boolean;
  /** A claim whose heartbeat is older than this is considered abandoned (default 30 s). */
  staleClaimMs?: number;
  signal?: AbortSignal;
  clock?: () => Date;
  /** Minimum interval between two onProgress calls (default 250 ms; the final call always comes). */
  progressIntervalMs?: number;
  /** Receives errors of a background drop. */
  onDropError?: (error: unknown) => void;
}

/** Another process is rebuilding this projection (its claim is fresh). */
export class RebuildInProgressError extends Error {
  constructor(readonly projection: string) {
    super(`Projection ${projection} is already being rebuilt`);
    this.name = 'RebuildInProgressError';
  }
}

/**
 * Builds generation g+1 of each selected projection from the start of the log into fresh tables,
 * while generation g keeps being served (and kept current by a running engine), then swaps: one
 * transaction catches up the last events, points projection_state at g+1 with the rebuild's
 * checkpoint and forgets g's parked events. A running engine notices at its next batch (its
 * compare-and-set on generation + checkpoint fails) and resumes g+1 from the new checkpoint.
 * Projections are rebuilt one after the other.
 */
export async function rebuildProjections(options: RebuildOptions): Promise<RebuildResult[]> {
  validateProjections(options.projections);
  const selected = options.only === undefined ? options.projections : options.projections.filter((p) => p.name === options.only);
  if (selected.length === 0) {
    throw new Error(`Unknown projection ${options.only}; known: ${options.projections.map((p) => p.name).join(', ')}`);
  }
  const results: RebuildResult[] = [];
  for (const projection of selected) results.push(await rebuildProjection({ ...options, projection }));
  return results;
}

export async function rebuildProjection(options: Omit<RebuildOptions, 'projections' | 'only'> & { projection: Projection }): Promise<RebuildResult> {
  const { store, readStore, projection } = options;
  const clock = options.clock ?? (() => new Date());
  const batchSize = options.batchSize ?? 1000;
  const owner = randomUUID();
  const started = Date.now();

  const before = await ensureProjectionState(readStore, projection, clock);
  await claim(readStore, projection.name, owner, clock, options.staleClaimMs ?? 30_000);
  const fromGeneration = (await readStore.readState(projection.name))?.generation ?? before.generation;
  const target = fromGeneration + 1;
  const guard = rebuildClaimGuard(projection.name, owner, clock);

  try {
    await dropTables(readStore, projection, target);
    await readStore.db.transaction().execute(async (tx) => {
      await guard.check(tx, undefined);
      await projection.createTables(tx, contextFor(readStore, projection, target));
    });

    const handles = new Set<string>(projection.eventTypes);
    const head = await store.headPosition();
    let checkpoint: string | null = null;
    let end: BatchEnd | undefined;
    let processed = 0;
    let applied = 0;
    let parked = 0;
    let lastReport = 0;
    const report = (done: boolean): void => {
      if (!options.onProgress) return;
      const now = Date.now();
      if (!done && now - lastReport < (options.progressIntervalMs ?? 250)) return;
      lastReport = now;
      const seconds = Math.max((now - started) / 1000, 1e-3);
      const eventsPerSecond = processed / seconds;
      const total = Math.max(processed, processed + approxEventsBetween(checkpoint, head));
      options.onProgress({
        projection: projection.name,
        processed,
        total,
        eventsPerSecond: Math.round(eventsPerSecond),
        etaSeconds: eventsPerSecond > 0 ? (total - processed) / eventsPerSecond : null,
        done,
      });
    };

    // Pages until the log is exhausted, then the swap; events appended meanwhile are caught up
    // inside the swap transaction. If the projection throws there, that transaction is rolled
    // back and the pages go through the isolating loop again before the next swap attempt.
    for (;;) {
      for (;;) {
        options.signal?.throwIfAborted();
        const page = await store.readAll({ fromPosition: checkpoint ?? undefined, maxCount: batchSize });
        if (page.length === 0) break;
        const last = page[page.length - 1]!;
        end = { position: last.position, recordedAt: last.recordedAt };
        const handled = page.filter((e) => handles.has(e.type));
        const r = await applyWithIsolation({ readStore, projection, generation: target, guard, handled, end, clock });
        applied += r.applied;
        parked += r.parked.length;
        processed += page.length;
        checkpoint = last.position;
        report(false);
        if (page.length < batchSize) break;
      }
      options.signal?.throwIfAborted();
      try {
        const tail = await swap(readStore, store, projection, { owner, fromGeneration, target, checkpoint, end, batchSize, handles, clock });
        processed += tail.processed;
        applied += tail.applied;
        checkpoint = tail.checkpoint;
        break;
      } catch (error) {
        if (!isProjectionFault(error)) throw error;
      }
    }
    readStore.noteGeneration(projection.name, target);
    report(true);

    const awaitDrop = options.awaitDrop ?? true;
    const drop = dropAfter(readStore, projection, fromGeneration, options.dropOldAfterMs ?? 3000, !awaitDrop);
    if (awaitDrop) await drop;
    else drop.catch((error: unknown) => options.onDropError?.(error));

    const durationMs = Date.now() - started;
    return {
      projection: projection.name,
      fromGeneration,
      generation: target,
      processed,
      applied,
      parked,
      checkpoint,
      durationMs,
      eventsPerSecond: Math.round(processed / Math.max(durationMs / 1000, 1e-3)),
    };
  } catch (error) {
    await releaseClaim(readStore, projection.name, owner).catch(() => undefined);
    if (!(error instanceof ProjectionStateMovedError)) await dropTables(readStore, projection, target).catch(() => undefined);
    throw error;
  }
}

async function claim(readStore: ReadStore, name: string, owner: string, clock: () => Date, staleMs: number): Promise<void> {
  const now = clock();
  const staleBefore = new Date(now.getTime() - staleMs).toISOString();
  const result = await readStore.db
    .updateTable(PROJECTION_STATE_TABLE)
    .set({ status: 'rebuilding', rebuild_owner: owner, rebuild_heartbeat_at: now.toISOString() })
    .where('name', '=', name)
    .where((eb) => eb.or([eb('rebuild_owner', 'is', null), eb('rebuild_heartbeat_at', '<', staleBefore)]))
    .executeTakeFirst();
  if (result.numUpdatedRows === 0n) throw new RebuildInProgressError(name);
}

async function releaseClaim(readStore: ReadStore, name: string, owner: string): Promise<void> {
  await readStore.db
    .updateTable(PROJECTION_STATE_TABLE)
    .set({ status: 'live', rebuild_owner: null, rebuild_heartbeat_at: null })
    .where('name', '=', name)
    .where('rebuild_owner', '=', owner)
    .execute();
}

interface SwapInput {
  owner: string;
  fromGeneration: number;
  target: number;
  checkpoint: string | null;
  end: BatchEnd | undefined;
  batchSize: number;
  handles: Set<string>;
  clock: () => Date;
}

async function swap(
  readStore: ReadStore,
  store: EventStore,
  projection: Projection,
  input: SwapInput,
): Promise<{ processed: number; applied: number; checkpoint: string | null }> {
  const ctx = contextFor(readStore, projection, input.target);
  const guard = rebuildClaimGuard(projection.name, input.owner, input.clock);
  return readStore.db.transaction().execute(async (tx) => {
    // The guard locks the state row (PostgreSQL) / the database (SQLite) first, so the engine
    // cannot commit a checkpoint of the old generation past what the tail read below sees.
    await guard.check(tx, undefined);
    let checkpoint = input.checkpoint;
    let end = input.end;
    let processed = 0;
    let applied = 0;
    for (;;) {
      const page: RecordedEvent[] = await store.readAll({ fromPosition: checkpoint ?? undefined, maxCount: input.batchSize });
      if (page.length === 0) break;
      const handled = page.filter((e) => input.handles.has(e.type));
      if (handled.length > 0) await projection.applyBatch(tx, handled, ctx);
      const last = page[page.length - 1]!;
      checkpoint = last.position;
      end = { position: last.position, recordedAt: last.recordedAt };
      processed += page.length;
      applied += handled.length;
    }
    const now = input.clock().toISOString();
    const result = await tx
      .updateTable(PROJECTION_STATE_TABLE)
      .set({
        generation: input.target,
        version: projection.version,
        checkpoint,
        last_event_at: end ? end.recordedAt.toISOString() : null,
        status: 'live',
        rebuild_owner: null,
        rebuild_heartbeat_at: null,
        updated_at: now,
      })
      .where('name', '=', projection.name)
      .where('rebuild_owner', '=', input.owner)
      .where('generation', '=', input.fromGeneration)
      .executeTakeFirst();
    if (result.numUpdatedRows === 0n) {
      throw new ProjectionStateMovedError(projection.name, `generation ${input.fromGeneration} was swapped by someone else`);
    }
    await tx.deleteFrom(PARKED_EVENTS_TABLE).where('projection', '=', projection.name).where('generation', '<>', input.target).execute();
    return { processed, applied, checkpoint };
  });
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
  for (const logical of projection.tables) {
    await readStore.db.schema.dropTable(physicalTableName(logical, generation)).ifExists().execute();
  }
}
