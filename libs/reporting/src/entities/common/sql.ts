import { sql, type Expression, type SqlBool } from 'kysely';
import { insertRowsCompiled, upsertRowsCompiled, type ReadDb, type ReadTx } from '@kam/read-store';

/**
 * Storage conventions of every entity read model, identical on SQLite and PostgreSQL:
 * - instants are ISO-8601 UTC text of one fixed shape (`Date#toISOString`), so text order is
 *   time order and `asOf` comparisons need no dialect-specific date functions;
 * - money is integer minor units in `bigint` columns (PostgreSQL's driver returns them as strings,
 *   so every read goes through `toInt`);
 * - booleans are integers 0/1 (SQLite has no boolean type);
 * - lists are JSON arrays in text columns.
 */
export type Row = Record<string, unknown>;

/** Rows per multi-row statement: ~25 columns × 200 rows stays far below both dialects' parameter limits. */
export const ROWS_PER_STATEMENT = 200;

/** Normalizes an instant to the one stored shape; throws on garbage so a bad event is parked, not stored. */
export function isoInstant(value: string | Date): string {
  // Already in the stored shape (what events carry): returned as is, without a Date round trip,
  // which was a few % of a rebuild's CPU. Only plain in-range fields qualify, so the result is
  // exactly what `new Date(value).toISOString()` gives; anything else takes the full path.
  if (typeof value === 'string' && isStoredShape(value)) return value;
  const date = value instanceof Date ? value : new Date(value);
  const time = date.getTime();
  if (Number.isNaN(time)) throw new Error(`Not an instant: ${String(value)}`);
  // Consecutive events mostly share their recording instant (appended together): one-entry memo.
  if (time !== lastTime) {
    lastTime = time;
    lastIso = date.toISOString();
  }
  return lastIso;
}

let lastTime = Number.NaN;
let lastIso = '';

const STORED_SHAPE = /^(\d{4})-(\d{2})-(\d{2})T([01]\d|2[0-3]):[0-5]\d:[0-5]\d\.\d{3}Z$/;

/** `YYYY-MM-DDTHH:mm:ss.sssZ` naming a real calendar day and a time of day below 24:00. */
function isStoredShape(value: string): boolean {
  if (value.length !== 24) return false;
  const m = STORED_SHAPE.exec(value);
  if (m === null) return false;
  const year = Number(m[1]);
  const month = Number(m[2]);
  const day = Number(m[3]);
  if (month < 1 || month > 12 || day < 1) return false;
  // Proleptic Gregorian, as Date uses.
  return day <= (month === 2 && leap(year) ? 29 : DAYS_IN_MONTH[month - 1]!);
}

const DAYS_IN_MONTH = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

function leap(year: number): boolean {
  return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;
}

/** The later of two stored instants (same fixed shape, so text order is time order). */
export function laterOf(a: string, b: string): string {
  return a >= b ? a : b;
}

export function toInt(value: unknown): number {
  const n = typeof value === 'number' ? value : Number(value);
  if (!Number.isSafeInteger(n)) throw new Error(`Not an integer: ${String(value)}`);
  return n;
}

export function toIntOrNull(value: unknown): number | null {
  return value === null || value === undefined ? null : toInt(value);
}

export function toBool(value: unknown): boolean {
  return value === true || value === 1 || value === '1' || value === 1n;
}

export function fromBool(value: boolean): number {
  return value ? 1 : 0;
}

export function toStr(value: unknown): string {
  if (typeof value !== 'string') throw new Error(`Not a string: ${String(value)}`);
  return value;
}

export function toStrOrNull(value: unknown): string | null {
  return value === null || value === undefined ? null : toStr(value);
}

export function parseJsonArray<T>(value: unknown): T[] {
  if (value === null || value === undefined || value === '') return [];
  const parsed: unknown = JSON.parse(toStr(value));
  return Array.isArray(parsed) ? (parsed as T[]) : [];
}

/** A predicate that is always false, for an empty `in (...)` list (which is invalid SQL). */
export const NEVER: Expression<SqlBool> = sql<SqlBool>`1 = 0`;

/** `%…%` pattern for LIKE … ESCAPE '\', matching `text` literally. */
export function containsPattern(text: string): string {
  return `%${text.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
}

/** Index name unique per physical table (PostgreSQL index names are schema-wide). */
export function indexName(physicalTable: string, suffix: string): string {
  return `${physicalTable}_${suffix}`;
}

/**
 * Multi-row upsert / insert: compiled SQL text built once per shape (see @kam/read-store's
 * rows.ts), the same statement on both dialects. Every row must have the same columns.
 */
export async function upsertRows(tx: ReadTx | ReadDb, table: string, key: readonly string[], rows: readonly Row[]): Promise<void> {
  await upsertRowsCompiled(tx, table, key, rows, ROWS_PER_STATEMENT);
}

export async function insertRows(tx: ReadTx | ReadDb, table: string, rows: readonly Row[]): Promise<void> {
  await insertRowsCompiled(tx, table, rows, ROWS_PER_STATEMENT);
}
