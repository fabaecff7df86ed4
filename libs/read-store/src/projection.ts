import type { Kysely, Transaction } from 'kysely';
import type { EventType } from '@kam/kernel';
import type { RecordedEvent } from '@kam/event-store';

/**
 * Read-model tables are loosely typed at this layer: each projection owns its tables and knows
 * their columns. Physical table names carry a generation suffix so that a rebuild can write fresh
 * tables while the service keeps answering from the old ones, then swap atomically.
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type ReadDb = Kysely<any>;
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type ReadTx = Transaction<any>;

export type SqlDialect = 'sqlite' | 'postgres';

export interface ProjectionContext {
  readonly dialect: SqlDialect;
  /** Physical name of one of this projection's logical tables in the generation being written. */
  table(logicalName: string): string;
  /**
   * Present only while a rebuild writes a new generation, which it is the only writer of until
   * the swap. Optional: a projection that ignores it behaves exactly as before.
   */
  readonly rebuild?: RebuildSession;
}

/**
 * What a rebuild offers a projection writing its new generation (see `ProjectionContext.rebuild`).
 * Nobody reads that generation before the swap and a rebuild that dies is started over from
 * position 0, so its tables only have to be complete and indexed when it is swapped in.
 */
export interface RebuildSession {
  /**
   * True when `createTables` is called by a rebuild that will call `createIndexes` before the
   * swap: createTables may then leave out the secondary indexes its own `applyBatch` does not
   * need (they are cheaper built once over the full tables than kept up to date row by row).
   * Without `createIndexes` on the projection this is always false.
   */
  readonly deferIndexes: boolean;
  /**
   * State a projection keeps across its transactions of this rebuild (rows it would otherwise
   * read back, rows it has not written yet); keys are the projection's own. Change it only
   * through `onCommit`, or change it at once and register how to undo it with `onRollback`, so it
   * never holds what a rolled-back transaction did.
   */
  readonly memory: Map<string, unknown>;
  /**
   * How many rows a projection should keep in `memory` per table at most (a budget, from
   * `RebuildOptions.memoryRows`); rows past it are written out and read back when needed.
   */
  readonly memoryRows: number;
  /** Runs `fn` right after the transaction `applyBatch` runs in commits; dropped if it rolls back. */
  onCommit(fn: () => void): void;
  /**
   * Runs `fn` if that transaction rolls back (or its applyBatch throws), the latest registered
   * first; dropped once it commits.
   */
  onRollback(fn: () => void): void;
}

export interface Projection {
  /** Stable name: checkpoint key and `npm run rebuild -- --projection NAME`. */
  readonly name: string;
  /** Bump when the tables or the logic change; a new version is rebuilt from position 0. */
  readonly version: number;
  /** Logical names of the tables this projection owns. */
  readonly tables: readonly string[];
  /**
   * Logical names of tables earlier versions owned and this one no longer has: dropped with the
   * generations that have them (a rebuild's swap drops the replaced generation's).
   */
  readonly retiredTables?: readonly string[];
  /** The event types it handles; the engine subscribes with exactly these. */
  readonly eventTypes: readonly EventType[];
  /** Creates the projection's tables and indexes (physical names through ctx.table). */
  createTables(db: ReadDb, ctx: ProjectionContext): Promise<void>;
  /**
   * Applies a batch of events, in global order, inside the engine's transaction, which also
   * writes the checkpoint. Throwing rolls the whole batch back; the engine then isolates the
   * poison event, parks it and goes on.
   */
  applyBatch(tx: ReadTx, events: readonly RecordedEvent[], ctx: ProjectionContext): Promise<void>;
  /**
   * Optional: the secondary indexes, split out of `createTables`. When a projection has it,
   * `createTables` must still create them itself unless `ctx.rebuild?.deferIndexes` is true; a
   * rebuild then calls `createIndexes` once, after the last page and `finishRebuild`, before the
   * swap (the tail of the log applied inside the swap already sees them).
   */
  createIndexes?(db: ReadDb, ctx: ProjectionContext): Promise<void>;
  /**
   * Optional: writes what the projection kept back in `ctx.rebuild.memory` (write-back) to its
   * tables, in the rebuild's transaction, after its last page and before `createIndexes` and the
   * swap. Batches applied after it (the tail, in the swap) get a context without `rebuild`.
   */
  finishRebuild?(tx: ReadTx, ctx: ProjectionContext): Promise<void>;
}

/** What query code needs from the read store. */
export interface ReadModelAccess {
  readonly db: ReadDb;
  readonly dialect: SqlDialect;
  /** Physical name of a projection's logical table in the generation currently served. */
  table(projectionName: string, logicalName: string): string;
}
