import { CompiledQuery, PostgresAdapter } from 'kysely';
import type { ReadDb, ReadTx } from './projection';

/** A row to write: column → value (undefined is written as null). */
export type RowValues = Record<string, unknown>;

/**
 * Multi-row upsert for projections: one `INSERT … ON CONFLICT (key) DO UPDATE SET every other
 * column = excluded.column` per chunk of `rowsPerStatement` rows (`DO NOTHING` when the key is
 * every column), the same text on SQLite and PostgreSQL. Every row must have the columns of the
 * first one.
 *
 * The statement text is built once per (dialect, table, columns, key, row count) and sent as a
 * compiled query: building and compiling multi-row inserts through Kysely's builder at every batch
 * was 15–20 % of a rebuild's CPU, and the same text lets the SQLite statement cache
 * (read-store.ts) hand back the prepared statement. Identifiers are quoted; values are parameters.
 */
export async function upsertRowsCompiled(
  tx: ReadTx | ReadDb,
  table: string,
  key: readonly string[],
  rows: readonly RowValues[],
  rowsPerStatement = 200,
): Promise<void> {
  const first = rows[0];
  if (!first) return;
  const columns = Object.keys(first);
  await insertValues(tx, table, columns, valuesOf(rows, columns), replaceOnConflict(key, columns), rowsPerStatement);
}

/** Multi-row insert with the same statement reuse as `upsertRowsCompiled`. */
export async function insertRowsCompiled(tx: ReadTx | ReadDb, table: string, rows: readonly RowValues[], rowsPerStatement = 200): Promise<void> {
  const first = rows[0];
  if (!first) return;
  const columns = Object.keys(first);
  await insertValues(tx, table, columns, valuesOf(rows, columns), '', rowsPerStatement);
}

/** `on conflict (<key>) do update set c = excluded.c, …` for every column not in the key (`do nothing` when there is none). */
export function replaceOnConflict(key: readonly string[], columns: readonly string[]): string {
  const set = columns.filter((c) => !key.includes(c)).map((c) => `${quoteIdent(c)} = excluded.${quoteIdent(c)}`);
  return `on conflict (${key.map(quoteIdent).join(', ')}) do ${set.length === 0 ? 'nothing' : `update set ${set.join(', ')}`}`;
}

function valuesOf(rows: readonly RowValues[], columns: readonly string[]): unknown[][] {
  return rows.map((row) => columns.map((column) => row[column]));
}

function quoteIdent(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}

/** Statement texts by dialect + table + columns + tail + row count (bounded). */
const statementTexts = new Map<string, string>();
const MAX_TEXTS = 2000;

/**
 * Multi-row `insert into <table> (<columns>) values … <tail>` (tail: an `on conflict` clause or
 * ''), one statement per chunk of `rowsPerStatement` rows; each row lists its values in `columns`
 * order (undefined is written as null). The text is built once per (dialect, table, columns, tail,
 * row count) and sent as a compiled query.
 */
export async function insertValues(
  tx: ReadTx | ReadDb,
  table: string,
  columns: readonly string[],
  rows: ReadonlyArray<readonly unknown[]>,
  tail: string,
  rowsPerStatement: number,
): Promise<void> {
  const postgres = tx.getExecutor().adapter instanceof PostgresAdapter;
  let start = 0;
  for (const count of statementChunkSizes(rows.length, rowsPerStatement)) {
    const end = start + count;
    // A loop, not flat(): flat() was most of the JavaScript time of a batch's inserts.
    const parameters: unknown[] = [];
    for (let i = start; i < end; i++) for (const value of rows[i]!) parameters.push(value === undefined ? null : value);
    const cacheKey = `${postgres ? 'pg' : 'lite'}\u0000${table}\u0000${columns.join(',')}\u0000${tail}\u0000${count}`;
    let text = statementTexts.get(cacheKey);
    if (text === undefined) {
      const tuples: string[] = [];
      let n = 0;
      for (let r = 0; r < count; r++) {
        const marks: string[] = [];
        for (let c = 0; c < columns.length; c++) marks.push(postgres ? `$${++n}` : '?');
        tuples.push(`(${marks.join(', ')})`);
      }
      text = `insert into ${quoteIdent(table)} (${columns.map(quoteIdent).join(', ')}) values ${tuples.join(', ')}${tail ? ` ${tail}` : ''}`;
      // Keys name physical tables, which change with each rebuilt generation: start over rather than grow.
      if (statementTexts.size >= MAX_TEXTS) statementTexts.clear();
      statementTexts.set(cacheKey, text);
    }
    await tx.executeQuery(CompiledQuery.raw(text, parameters));
    start = end;
  }
}

/**
 * How to split `count` rows or ids over statements of at most `max` each: full chunks of `max`,
 * then the rest in powers of two (437 with max 200: 200, 200, 32, 4, 1). A statement's text
 * depends on its row count, and every text is a prepared statement kept per SQLite connection
 * (withStatementCache): up to ~0.5 MB of native memory for 200 rows of 20 columns, and preparing
 * one costs more than running it. The live projection rounds write a few rows per table, with
 * every count in between: one text per count made the API's peak RSS 419-444 MB on the 1M-event
 * set under the openDeal burst; with these sizes (at most ~log2(max) + 1 texts per table) it was
 * 287-289 MB (tmp probe, 2026-11-27, docs/operations.md).
 */
export function statementChunkSizes(count: number, max: number): number[] {
  const size = Math.max(1, Math.floor(max));
  const sizes: number[] = [];
  for (let left = count; left > 0; ) {
    const next = left >= size ? size : 2 ** (31 - Math.clz32(left));
    sizes.push(next);
    left -= next;
  }
  return sizes;
}

/**
 * `items` as the lists of `in (…)` predicates of at most `max` each, for the same reason as
 * statementChunkSizes, but padded instead of split, so that a lookup stays one query: full
 * chunks, then the rest as one list whose length is rounded up to a power of two (at most `max`)
 * by repeating its last item, which an `in` list ignores.
 */
export function inListChunks<T>(items: readonly T[], max: number): T[][] {
  const size = Math.max(1, Math.floor(max));
  const out: T[][] = [];
  for (let start = 0; start < items.length; start += size) {
    const chunk = items.slice(start, start + size);
    const padded = Math.min(size, 2 ** Math.ceil(Math.log2(chunk.length)));
    while (chunk.length < padded) chunk.push(chunk[chunk.length - 1]!);
    out.push(chunk);
  }
  return out;
}
