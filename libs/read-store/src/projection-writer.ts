import { sql } from 'kysely';
import type { RecordedEvent } from '@kam/event-store';
import type { Projection, ProjectionContext, ReadTx, RebuildSession } from './projection';
import { PARKED_EVENTS_TABLE, PROJECTION_STATE_TABLE, physicalTableName, type ReadStore } from './read-store';

/**
 * The row in projection_state no longer matches what this writer expected: the served generation
 * was swapped by a rebuild, another engine moved the checkpoint, or a rebuild lost its claim.
 * Nothing was written; the writer must re-read the state and start over from there.
 */
export class ProjectionStateMovedError extends Error {
  constructor(
    readonly projection: string,
    detail: string,
  ) {
    super(`Projection ${projection}: ${detail}`);
    this.name = 'ProjectionStateMovedError';
  }
}

/** Where the last event of a batch leaves the checkpoint. */
export interface BatchEnd {
  position: string;
  recordedAt: Date;
}

/**
 * Runs as the first statement of every write transaction. It is a write on purpose: on SQLite it
 * takes the write lock up front (a deferred transaction that reads first can fail with
 * SQLITE_BUSY when it later upgrades), on PostgreSQL it row-locks projection_state so that a
 * generation swap and a batch serialize. `check` throws ProjectionStateMovedError when the row is
 * not what the writer expects; `committed` tells the guard a transaction it checked committed.
 */
export interface WriteGuard {
  check(tx: ReadTx, end: BatchEnd | undefined): Promise<void>;
  committed(end: BatchEnd | undefined): void;
}

export function contextFor(
  readStore: ReadStore,
  projection: Projection,
  generation: number,
  rebuild?: RebuildSession,
): ProjectionContext {
  const tables = new Set(projection.tables);
  return {
    dialect: readStore.dialect,
    ...(rebuild ? { rebuild } : {}),
    table(logicalName: string): string {
      if (!tables.has(logicalName)) {
        throw new Error(`Projection ${projection.name} does not declare a table named ${logicalName}`);
      }
      return physicalTableName(logicalName, generation);
    },
  };
}

/** The rebuild's session of one projection: its memory and the callbacks of the open transaction. */
export class RebuildSessionState implements RebuildSession {
  readonly memory = new Map<string, unknown>();
  private pending: Array<() => void> = [];
  private undo: Array<() => void> = [];

  constructor(
    readonly deferIndexes: boolean,
    readonly memoryRows: number,
  ) {}

  onCommit(fn: () => void): void {
    this.pending.push(fn);
  }

  onRollback(fn: () => void): void {
    this.undo.push(fn);
  }

  /** A transaction begins: nothing of an earlier one is pending any more. */
  began(): void {
    this.pending = [];
    this.undo = [];
  }

  /** The transaction committed: what it did to the memory becomes true. */
  committed(): void {
    const fns = this.pending;
    this.began();
    for (const fn of fns) fn();
  }

  /** The transaction rolled back: forget what it meant to do, undo what it did to the memory (latest first). */
  discarded(): void {
    const undo = this.undo;
    this.began();
    for (let i = undo.length - 1; i >= 0; i--) undo[i]!();
  }
}

function sessionOf(ctx: ProjectionContext): RebuildSessionState | undefined {
  return ctx.rebuild instanceof RebuildSessionState ? ctx.rebuild : undefined;
}

/**
 * Runs `work` in one transaction; the rebuild session of `ctx`, if any, learns whether it
 * committed (its onCommit callbacks run) or not (they are dropped, its onRollback callbacks run).
 */
export async function inSessionTransaction<T>(readStore: ReadStore, ctx: ProjectionContext, work: (tx: ReadTx) => Promise<T>): Promise<T> {
  const session = sessionOf(ctx);
  session?.began();
  let result: T;
  try {
    result = await readStore.db.transaction().execute(work);
  } catch (error) {
    session?.discarded();
    throw error;
  }
  session?.committed();
  return result;
}

/**
 * Guard of the live engine: moves the checkpoint of the served generation from `expected` to the
 * batch end, but only if the generation is still `generation` and nobody else moved the
 * checkpoint (compare-and-set). This is what makes rows + checkpoint one atomic step even with a
 * second engine (lost lease) or a rebuild in another process.
 */
export function servedGenerationGuard(
  projection: string,
  generation: number,
  expected: string | null,
  clock: () => Date,
): WriteGuard {
  let current = expected;
  return {
    committed(end) {
      if (end) current = end.position;
    },
    async check(tx, end) {
      const now = clock().toISOString();
      // A template rather than the query builder: this runs for every projection in every batch
      // round (12 per live event), and building + compiling the update tree was measurable.
      const set = end
        ? sql`checkpoint = ${end.position}, last_event_at = ${end.recordedAt.toISOString()}, updated_at = ${now}`
        : sql`updated_at = ${now}`;
      const result = await sql`update ${sql.table(PROJECTION_STATE_TABLE)} set ${set} where name = ${projection} and generation = ${generation} and checkpoint is not distinct from ${current}`.execute(tx);
      if ((result.numAffectedRows ?? 0n) === 0n) {
        throw new ProjectionStateMovedError(projection, `generation ${generation} at ${current ?? 'start'} is no longer current`);
      }
    },
  };
}

/** A served generation whose checkpoint only moves in this round (none of the round's events are its). */
export interface CheckpointMove {
  projection: string;
  generation: number;
  /** Committed checkpoint the write expects (compare-and-set). */
  expected: string | null;
}

/**
 * servedGenerationGuard's compare-and-set for many projections at once, all moving to `end`: one
 * UPDATE instead of one per projection (a live round of a handful of events has most of the 12
 * projections handle none of them). It throws ProjectionStateMovedError unless every row matched,
 * without saying which one did not: the caller rolls back and writes each projection alone, where
 * its own guard tells. For SQLite, whose write lock is the whole file; on PostgreSQL one statement
 * would row-lock in scan order, not in the name order every multi-projection writer keeps.
 */
export async function moveCheckpoints(
  tx: ReadTx,
  moves: readonly CheckpointMove[],
  end: BatchEnd,
  clock: () => Date,
): Promise<void> {
  if (moves.length === 0) return;
  const now = clock().toISOString();
  const matches = sql.join(
    moves.map(
      (move) =>
        sql`(name = ${move.projection} and generation = ${move.generation} and checkpoint is not distinct from ${move.expected})`,
    ),
    sql` or `,
  );
  const result = await sql`update ${sql.table(PROJECTION_STATE_TABLE)} set checkpoint = ${end.position}, last_event_at = ${end.recordedAt.toISOString()}, updated_at = ${now} where ${matches}`.execute(tx);
  if (result.numAffectedRows !== BigInt(moves.length)) {
    const names = moves.map((move) => move.projection).join(', ');
    throw new ProjectionStateMovedError(names, `${moves.length - Number(result.numAffectedRows ?? 0n)} of the checkpoints to move are no longer current`);
  }
}

/** Guard of a rebuild: the checkpoint lives in memory; the claim (owner + heartbeat) must still be ours. */
export function rebuildClaimGuard(projection: string, owner: string, clock: () => Date): WriteGuard {
  return {
    committed() {},
    async check(tx) {
      const result = await tx
        .updateTable(PROJECTION_STATE_TABLE)
        .set({ rebuild_heartbeat_at: clock().toISOString() })
        .where('name', '=', projection)
        .where('rebuild_owner', '=', owner)
        .executeTakeFirst();
      if (result.numUpdatedRows === 0n) throw new ProjectionStateMovedError(projection, `rebuild claim ${owner} was lost`);
    },
  };
}

export interface IsolatedApplyInput {
  readStore: ReadStore;
  projection: Projection;
  generation: number;
  guard: WriteGuard;
  /** Events of the batch the projection handles, in global order. */
  handled: readonly RecordedEvent[];
  /** Last event of the batch, handled or not: where the checkpoint ends. */
  end: BatchEnd;
  clock: () => Date;
  /** The context to apply with (a rebuild's, with its session); default: a plain one for `generation`. */
  ctx?: ProjectionContext;
}

export interface IsolatedApplyResult {
  applied: number;
  parked: RecordedEvent[];
}

/**
 * Writes one batch: rows and checkpoint in one transaction. If the projection throws, the batch
 * is rolled back and its events are re-applied one per transaction; an event that fails alone is
 * parked (row in parked_events, in the same transaction that moves the checkpoint past it).
 * Infrastructure errors and ProjectionStateMovedError are never parked: they propagate, nothing
 * of the failed transaction stays, and the caller restarts from the stored checkpoint.
 */
export async function applyWithIsolation(input: IsolatedApplyInput): Promise<IsolatedApplyResult> {
  const { readStore, projection, generation, guard, handled, end } = input;
  const ctx = input.ctx ?? contextFor(readStore, projection, generation);
  try {
    await writeBatch(readStore, guard, projection, ctx, handled, end);
    return { applied: handled.length, parked: [] };
  } catch (error) {
    if (!isProjectionFault(error) || handled.length === 0) throw error;
  }
  const parked: RecordedEvent[] = [];
  for (const event of handled) {
    const eventEnd = { position: event.position, recordedAt: event.recordedAt };
    try {
      await writeBatch(readStore, guard, projection, ctx, [event], eventEnd);
    } catch (error) {
      if (!isProjectionFault(error)) throw error;
      await parkEvent(readStore, guard, projection.name, generation, event, error, eventEnd, input.clock);
      parked.push(event);
    }
  }
  const lastHandled = handled[handled.length - 1]!;
  if (lastHandled.position !== end.position) await writeBatch(readStore, guard, projection, ctx, [], end);
  return { applied: handled.length - parked.length, parked };
}

export async function writeBatch(
  readStore: ReadStore,
  guard: WriteGuard,
  projection: Projection,
  ctx: ProjectionContext,
  events: readonly RecordedEvent[],
  end: BatchEnd | undefined,
): Promise<void> {
  await inSessionTransaction(readStore, ctx, async (tx) => {
    await guard.check(tx, end);
    if (events.length > 0) await projection.applyBatch(tx, events, ctx);
  });
  guard.committed(end);
}

async function parkEvent(
  readStore: ReadStore,
  guard: WriteGuard,
  projection: string,
  generation: number,
  event: RecordedEvent,
  error: unknown,
  end: BatchEnd,
  clock: () => Date,
): Promise<void> {
  const message = errorMessage(error);
  await readStore.db.transaction().execute(async (tx) => {
    await guard.check(tx, end);
    await tx
      .insertInto(PARKED_EVENTS_TABLE)
      .values({
        projection,
        generation,
        position: event.position,
        event_id: event.id,
        type: event.type,
        error: message,
        parked_at: clock().toISOString(),
        retries: 0,
        event: serializeEvent(event),
      })
      .onConflict((oc) => oc.columns(['projection', 'generation', 'position']).doUpdateSet({ error: message }))
      .execute();
  });
  guard.committed(end);
}

export function serializeEvent(event: RecordedEvent): string {
  return JSON.stringify({ ...event, recordedAt: event.recordedAt.toISOString() });
}

export function deserializeEvent(json: string): RecordedEvent {
  const raw = JSON.parse(json) as Omit<RecordedEvent, 'recordedAt'> & { recordedAt: string };
  return { ...raw, recordedAt: new Date(raw.recordedAt) };
}

export function errorMessage(error: unknown): string {
  const text = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
  return text.length > 2000 ? `${text.slice(0, 2000)}…` : text;
}

/**
 * Whether an error may be the event's fault (then it is isolated and possibly parked) rather than
 * the infrastructure's (then parking would wrongly bury healthy events: retry the batch later).
 */
export function isProjectionFault(error: unknown): boolean {
  if (error instanceof ProjectionStateMovedError) return false;
  return !isTransientDatabaseError(error);
}

const TRANSIENT_NODE_CODES = new Set(['ECONNRESET', 'ECONNREFUSED', 'EPIPE', 'ETIMEDOUT', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH']);

export function isTransientDatabaseError(error: unknown): boolean {
  if (!(error instanceof Error)) return false;
  const code = (error as { code?: unknown }).code;
  if (typeof code === 'string') {
    if (TRANSIENT_NODE_CODES.has(code)) return true;
    // SQLite: another process holds the lock past busy_timeout, or the disk/file failed.
    if (/^SQLITE_(BUSY|LOCKED|IOERR|FULL|CANTOPEN|NOMEM|PROTOCOL|READONLY)/.test(code)) return true;
    // PostgreSQL SQLSTATE classes: 08 connection, 53 resources, 57 operator intervention (shutdown,
    // statement timeout), 58 system error; 40001/40P01 serialization failure and deadlock.
    if (/^(08|53|57|58)/.test(code) || code === '40001' || code === '40P01') return true;
  }
  return /Connection terminated|connection is closed|Client has encountered a connection error|driver has already been destroyed|database connection is not open/i.test(
    error.message,
  );
}
