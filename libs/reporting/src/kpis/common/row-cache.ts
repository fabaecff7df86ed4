import type { ReadTx } from '@kam/read-store';
import { chunks, str, upsertRows, type Db, type Row } from './sql';

/**
 * The state rows one projection batch touches (e.g. the deals it mentions): loaded in bulk up
 * front, changed in memory while the batch folds, written once each by `flush`. Made fresh per
 * batch, so a rolled-back batch leaves nothing behind.
 */
export class RowCache<S> {
  private readonly rows = new Map<string, S | null>();
  private readonly dirty = new Set<string>();

  constructor(
    private readonly table: string,
    private readonly key: string,
    private readonly fromRow: (row: Row) => S,
    private readonly toRow: (state: S) => Row,
  ) {}

  async prefetch(db: Db, ids: readonly string[]): Promise<void> {
    const missing = [...new Set(ids)].filter((id) => !this.rows.has(id));
    for (const chunk of chunks(missing, 500)) {
      const found = (await db.selectFrom(this.table).selectAll().where(this.key, 'in', chunk).execute()) as Row[];
      for (const row of found) this.rows.set(str(row[this.key]), this.fromRow(row));
    }
    for (const id of missing) if (!this.rows.has(id)) this.rows.set(id, null);
  }

  async get(db: Db, id: string): Promise<S | undefined> {
    if (!this.rows.has(id)) await this.prefetch(db, [id]);
    return this.rows.get(id) ?? undefined;
  }

  set(id: string, state: S): void {
    this.rows.set(id, state);
    this.dirty.add(id);
  }

  async flush(tx: ReadTx): Promise<void> {
    const rows: Row[] = [];
    for (const id of this.dirty) {
      const state = this.rows.get(id);
      if (state) rows.push({ [this.key]: id, ...this.toRow(state) });
    }
    await upsertRows(tx, this.table, [this.key], rows);
    this.dirty.clear();
  }
}
