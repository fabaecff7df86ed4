import { upsertRowsCompiled, type ReadDb, type ReadTx } from '@kam/read-store';

/**
 * Storage conventions of the report read models (same statements on SQLite and PostgreSQL):
 * money in integer minor units and instants in epoch ms, both `bigint` (PostgreSQL's driver
 * returns those, and every SUM, as strings: every read goes through `num`); flags are 0/1
 * integers; an unknown team is '' rather than NULL so that it takes part in unique keys.
 */
export type Row = Record<string, unknown>;
export type Db = ReadDb | ReadTx;

/** The team key of a deal closed while its owner was in no known team. */
export const NO_TEAM = '';

export function num(value: unknown): number {
  if (value === null || value === undefined) return 0;
  const n = typeof value === 'number' ? value : Number(value);
  if (Number.isNaN(n)) throw new Error(`Not a number: ${String(value)}`);
  return n;
}

export function str(value: unknown): string {
  if (typeof value !== 'string') throw new Error(`Not a string: ${String(value)}`);
  return value;
}

export function strOrNull(value: unknown): string | null {
  return value === null || value === undefined ? null : str(value);
}

/** Index names are schema-wide on PostgreSQL: derive them from the (unique) physical table. */
export function indexName(table: string, suffix: string): string {
  return `${table}_${suffix}`;
}

/** n / d, or null where the denominator is 0 (never NaN or Infinity). */
export function ratio(n: number, d: number): number | null {
  return d === 0 ? null : n / d;
}

/**
 * Multi-row upsert that replaces every non-key column (the compiled statements of read-store's
 * rows.ts: building them through Kysely's insert builder was ~1 s of a 1M-event rebuild).
 */
export async function upsertRows(tx: ReadTx, table: string, key: readonly string[], rows: readonly Row[]): Promise<void> {
  await upsertRowsCompiled(tx, table, key, rows);
}

/** Plain code-unit order of ids and names: the same on every database and locale. */
export function compareIds(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
