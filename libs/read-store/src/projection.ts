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
}

export interface Projection {
  /** Stable name: checkpoint key and `npm run rebuild -- --projection NAME`. */
  readonly name: string;
  /** Bump when the tables or the logic change; a new version is rebuilt from position 0. */
  readonly version: number;
  /** Logical names of the tables this projection owns. */
  readonly tables: readonly string[];
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
}

/** What query code needs from the read store. */
export interface ReadModelAccess {
  readonly db: ReadDb;
  readonly dialect: SqlDialect;
  /** Physical name of a projection's logical table in the generation currently served. */
  table(projectionName: string, logicalName: string): string;
}
