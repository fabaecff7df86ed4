import { CompiledQuery, sql, type RawBuilder } from 'kysely';
import { insertValues, inListChunks, type ReadTx, type SqlDialect } from '@kam/read-store';

export { replaceOnConflict } from '@kam/read-store';
import type { Row } from './sql';

/**
 * The write statements of the report projections as SQL text built once and kept (per dialect,
 * table and row count), executed through the transaction without Kysely's builder: building and
 * compiling the same multi-row insert every batch cost as much as executing it (ADR 0004).
 * Identifiers are the projection's physical table names and fixed column names, never input.
 */
export class Statements {
  private static readonly texts = new Map<string, string>();

  constructor(
    readonly tx: ReadTx,
    readonly dialect: SqlDialect,
  ) {}

  /** `text` with `?` placeholders, numbered `$n` on PostgreSQL; built once per key. */
  private text(key: string, build: () => string): string {
    const cacheKey = `${this.dialect}|${key}`;
    let text = Statements.texts.get(cacheKey);
    if (text === undefined) {
      text = build();
      if (this.dialect === 'postgres') {
        let n = 0;
        text = text.replace(/\?/g, () => `$${++n}`);
      }
      // Keys name physical tables, which change with each rebuilt generation: start over rather than grow.
      if (Statements.texts.size >= MAX_TEXTS) Statements.texts.clear();
      Statements.texts.set(cacheKey, text);
    }
    return text;
  }

  async run(text: string, params: readonly unknown[]): Promise<void> {
    await this.tx.executeQuery(CompiledQuery.raw(this.text(text, () => text), [...params]));
  }

  async all(text: string, params: readonly unknown[]): Promise<Row[]> {
    return (await this.tx.executeQuery<Row>(CompiledQuery.raw(this.text(text, () => text), [...params]))).rows;
  }

  /** `select <what> from <table> where <column> in (…ids)`, in chunks. */
  async selectIn(what: string, table: string, column: string, ids: readonly string[]): Promise<Row[]> {
    const out: Row[] = [];
    for (const chunk of inListChunks(ids, IN_CHUNK)) {
      const text = this.text(`in|${what}|${table}|${column}|${chunk.length}`, () => `select ${what} from "${table}" where "${column}" in (${marks(chunk.length)})`);
      out.push(...(await this.tx.executeQuery<Row>(CompiledQuery.raw(text, chunk))).rows);
    }
    return out;
  }

  /** `delete from <table> where <column> in (…ids)`, in chunks. */
  async deleteIn(table: string, column: string, ids: readonly string[]): Promise<void> {
    for (const chunk of inListChunks(ids, IN_CHUNK)) {
      const text = this.text(`del|${table}|${column}|${chunk.length}`, () => `delete from "${table}" where "${column}" in (${marks(chunk.length)})`);
      await this.tx.executeQuery(CompiledQuery.raw(text, chunk));
    }
  }

  /**
   * Multi-row `insert into <table> (<columns>) values … <tail>` (tail: an `on conflict` clause or
   * ''), one statement per chunk of rows; each row lists its values in `columns` order.
   */
  async insert(table: string, columns: readonly string[], rows: ReadonlyArray<readonly unknown[]>, tail = ''): Promise<void> {
    await insertValues(this.tx, table, columns, rows, tail, Math.floor(MAX_PARAMS / columns.length));
  }
}

/** Rows per multi-row statement are bounded by parameters (SQLite allows 32766, PostgreSQL 65535). */
const MAX_PARAMS = 2000;
const IN_CHUNK = 500;
const MAX_TEXTS = 10_000;

function marks(n: number): string {
  return Array.from({ length: n }, () => '?').join(', ');
}

/** `on conflict (<key>) do update set m = <table>.m + excluded.m, …`. */
export function addOnConflict(table: string, key: readonly string[], measures: readonly string[]): string {
  const set = measures.map((m) => `"${m}" = "${table}"."${m}" + excluded."${m}"`);
  return `on conflict (${key.map((c) => `"${c}"`).join(', ')}) do update set ${set.join(', ')}`;
}

/** `without rowid` on SQLite (tables keyed by text and written by key: one B-tree, not a rowid table plus a key index); nothing on PostgreSQL. */
export function withoutRowid(dialect: SqlDialect): RawBuilder<unknown> {
  return dialect === 'sqlite' ? sql`without rowid` : sql``;
}
