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
  const size = Math.max(1, Math.floor(rowsPerStatement));
  for (let start = 0; start < rows.length; start += size) {
    const end = Math.min(rows.length, start + size);
    // A loop, not flat(): flat() was most of the JavaScript time of a batch's inserts.
    const parameters: unknown[] = [];
    for (let i = start; i < end; i++) for (const value of rows[i]!) parameters.push(value === undefined ? null : value);
    const count = end - start;
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
  }
}
