import { CompiledQuery, PostgresAdapter, sql, type Expression, type SqlBool } from 'kysely';
import type { ReadDb, ReadTx } from '@kam/read-store';

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

export function chunks<T>(items: readonly T[], size = ROWS_PER_STATEMENT): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

/** Normalizes an instant to the one stored shape; throws on garbage so a bad event is parked, not stored. */
export function isoInstant(value: string | Date): string {
  const date = value instanceof Date ? value : new Date(value);
  if (Number.isNaN(date.getTime())) throw new Error(`Not an instant: ${String(value)}`);
  return date.toISOString();
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
 * Multi-row upsert: one INSERT … ON CONFLICT (key) DO UPDATE per chunk, the same statement on
 * both dialects. Every row must have the same columns. The statement text is built once per
 * (table, columns, key, row count) and sent as a compiled query: building and compiling the
 * multi-row insert through Kysely's builder every batch was 15–20 % of a rebuild's CPU, and the
 * same text lets the SQLite statement cache hand back the prepared statement.
 */
export async function upsertRows(
  tx: ReadTx | ReadDb,
  table: string,
  key: readonly string[],
  rows: readonly Row[],
): Promise<void> {
  const first = rows[0];
  if (!first) return;
  const columns = Object.keys(first);
  const updated = columns.filter((c) => !key.includes(c));
  const conflict =
    updated.length === 0
      ? ` on conflict (${key.map(quoteIdent).join(', ')}) do nothing`
      : ` on conflict (${key.map(quoteIdent).join(', ')}) do update set ${updated.map((c) => `${quoteIdent(c)} = excluded.${quoteIdent(c)}`).join(', ')}`;
  await insertChunks(tx, table, columns, rows, conflict);
}

export async function insertRows(tx: ReadTx | ReadDb, table: string, rows: readonly Row[]): Promise<void> {
  const first = rows[0];
  if (!first) return;
  await insertChunks(tx, table, Object.keys(first), rows, '');
}

function quoteIdent(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}

/** Statement texts by dialect + table + columns + conflict clause + row count. */
const statementTexts = new Map<string, string>();

async function insertChunks(
  tx: ReadTx | ReadDb,
  table: string,
  columns: readonly string[],
  rows: readonly Row[],
  conflict: string,
): Promise<void> {
  const postgres = isPostgres(tx);
  for (let start = 0; start < rows.length; start += ROWS_PER_STATEMENT) {
    const end = Math.min(rows.length, start + ROWS_PER_STATEMENT);
    const parameters: unknown[] = [];
    for (let i = start; i < end; i++) {
      const row = rows[i]!;
      for (const column of columns) {
        const value = row[column];
        parameters.push(value === undefined ? null : value);
      }
    }
    const count = end - start;
    const cacheKey = `${postgres ? 'pg' : 'lite'}\u0000${table}\u0000${columns.join(',')}\u0000${conflict}\u0000${count}`;
    let text = statementTexts.get(cacheKey);
    if (text === undefined) {
      const tuples: string[] = [];
      let n = 0;
      for (let r = 0; r < count; r++) {
        const marks: string[] = [];
        for (let c = 0; c < columns.length; c++) marks.push(postgres ? `$${++n}` : '?');
        tuples.push(`(${marks.join(', ')})`);
      }
      text = `insert into ${quoteIdent(table)} (${columns.map(quoteIdent).join(', ')}) values ${tuples.join(', ')}${conflict}`;
      if (statementTexts.size >= 2000) statementTexts.clear();
      statementTexts.set(cacheKey, text);
    }
    await tx.executeQuery(CompiledQuery.raw(text, parameters));
  }
}

/** Which placeholder syntax the connection behind `tx` speaks. */
function isPostgres(tx: ReadTx | ReadDb): boolean {
  return tx.getExecutor().adapter instanceof PostgresAdapter;
}
