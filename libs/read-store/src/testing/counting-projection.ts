import { sql } from 'kysely';
import type { EventType } from '@kam/kernel';
import type { RecordedEvent } from '@kam/event-store';
import type { Projection, ProjectionContext, ReadDb, ReadModelAccess, ReadTx } from '../projection';

export interface CountingProjectionOptions {
  name?: string;
  version?: number;
  eventTypes?: EventType[];
  /** Logical table name (default `${name}_counts`). */
  table?: string;
  /** applyBatch writes its rows, then throws when this says an event is poison. */
  isPoison?: (event: RecordedEvent) => boolean;
  /** Called with each batch after its rows are written (spies, delays). */
  afterWrite?: (events: readonly RecordedEvent[]) => void | Promise<void>;
}

export interface TypeCount {
  n: number;
  total: number;
}

export const COUNTED_TYPES: EventType[] = ['DealOpened', 'DealWon', 'DealLost'];

/**
 * The tiny projection of the read-store tests: per event type, how many events and the sum of
 * their `data.amount`. Upserts add to the row, so applying an event twice shows as a wrong count.
 */
export function countingProjection(options: CountingProjectionOptions = {}): Projection & { readonly logicalTable: string } {
  const name = options.name ?? 'counting';
  const logicalTable = options.table ?? `${name}_counts`;
  return {
    name,
    version: options.version ?? 1,
    tables: [logicalTable],
    eventTypes: options.eventTypes ?? COUNTED_TYPES,
    logicalTable,
    async createTables(db: ReadDb, ctx: ProjectionContext) {
      await db.schema
        .createTable(ctx.table(logicalTable))
        .ifNotExists()
        .addColumn('type', 'text', (c) => c.primaryKey())
        .addColumn('n', 'bigint', (c) => c.notNull())
        .addColumn('total', 'bigint', (c) => c.notNull())
        .execute();
    },
    async applyBatch(tx: ReadTx, events: readonly RecordedEvent[], ctx: ProjectionContext) {
      const table = ctx.table(logicalTable);
      const sums = new Map<string, TypeCount>();
      for (const e of events) {
        const s = sums.get(e.type) ?? { n: 0, total: 0 };
        s.n += 1;
        s.total += amountOf(e);
        sums.set(e.type, s);
      }
      await tx
        .insertInto(table)
        .values([...sums].map(([type, s]) => ({ type, n: s.n, total: s.total })))
        .onConflict((oc) =>
          oc.column('type').doUpdateSet({
            n: sql`${sql.ref(`${table}.n`)} + excluded.n`,
            total: sql`${sql.ref(`${table}.total`)} + excluded.total`,
          }),
        )
        .execute();
      await options.afterWrite?.(events);
      const poison = options.isPoison && events.find(options.isPoison);
      if (poison) throw new Error(`poison event at ${poison.position}`);
    },
  };
}

export function amountOf(event: RecordedEvent): number {
  const amount = (event.data as { amount?: unknown } | null)?.amount;
  return typeof amount === 'number' ? amount : 0;
}

/** Counts per type as served now (through the read store's current generation). */
export async function readCounts(access: ReadModelAccess, projection: string, logicalTable: string): Promise<Record<string, TypeCount>> {
  return readCountsFrom(access.db, access.table(projection, logicalTable));
}

export async function readCountsFrom(db: ReadDb, physicalTable: string): Promise<Record<string, TypeCount>> {
  const rows = (await db.selectFrom(physicalTable).select(['type', 'n', 'total']).orderBy('type').execute()) as Array<{
    type: string;
    n: number | string;
    total: number | string;
  }>;
  const out: Record<string, TypeCount> = {};
  for (const r of rows) out[r.type] = { n: Number(r.n), total: Number(r.total) };
  return out;
}

/** What the counting projection must show for these events (the reference for every test). */
export function expectedCounts(events: readonly RecordedEvent[], eventTypes: readonly string[] = COUNTED_TYPES, skip?: (e: RecordedEvent) => boolean): Record<string, TypeCount> {
  const out: Record<string, TypeCount> = {};
  for (const e of events) {
    if (!eventTypes.includes(e.type) || skip?.(e)) continue;
    const s = (out[e.type] ??= { n: 0, total: 0 });
    s.n += 1;
    s.total += amountOf(e);
  }
  return Object.fromEntries(Object.entries(out).sort(([a], [b]) => (a < b ? -1 : 1)));
}
