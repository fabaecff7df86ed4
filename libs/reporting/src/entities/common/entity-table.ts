import type { ReadTx } from '@kam/read-store';
import { chunks, insertRows, laterOf, toStr, upsertRows, type Row } from './sql';

/**
 * How one entity maps to its current-state table and, optionally, to a table of state intervals
 * (`valid_from` inclusive, `valid_to` exclusive or null for the open one) by business time.
 */
export interface EntityTableSpec<S> {
  /** Physical table of current rows. */
  table: string;
  /** Its primary-key column (a single id). */
  key: string;
  fromRow(row: Row): S;
  /** Columns of the current row, without the key, `since` and nothing the spec does not own. */
  toRow(state: S): Row;
  versions?: {
    /** Physical table of intervals; primary key (versionKey, valid_from). */
    table: string;
    /** Column naming the entity in the versions table. */
    key: string;
    /** Snapshot columns of one interval (without key, valid_from, valid_to). */
    toRow(state: S): Row;
  };
}

interface Entry<S> {
  state: S;
  /** valid_from of the entity's open interval (versioned tables only; '' otherwise). */
  since: string;
}

interface PendingVersion<S> {
  from: string;
  state: S;
}

/**
 * The working set of one projection batch: rows are read once (in bulk where the batch says which
 * ids it will touch), events fold into memory, and `flush` writes each touched entity once with
 * multi-row statements. Rows not touched by the batch are never written.
 *
 * Intervals: the open interval of an entity always equals its current row (every state change
 * opens a new interval), so `flush` can replace an entity's open interval by "the state at batch
 * start, closed where the batch's first change begins" followed by the batch's own intervals,
 * without reading the intervals table. A change at an instant earlier than the open interval's
 * start (business time of another stream, e.g. a rep transfer dated before a deal's last event)
 * is clamped to that start; a change at the same instant replaces the interval's state.
 */
export class EntityTable<S> {
  private readonly base = new Map<string, Entry<S> | null>();
  private readonly current = new Map<string, Entry<S> | null>();
  private readonly pending = new Map<string, Array<PendingVersion<S>>>();
  private readonly dirty = new Set<string>();

  constructor(private readonly spec: EntityTableSpec<S>) {}

  /** Loads the rows of these ids (those not loaded yet) in bulk. */
  async prefetch(tx: ReadTx, ids: Iterable<string>): Promise<void> {
    const missing = [...new Set(ids)].filter((id) => !this.current.has(id));
    for (const chunk of chunks(missing, 500)) {
      const rows = (await tx
        .selectFrom(this.spec.table)
        .selectAll()
        .where(this.spec.key, 'in', chunk)
        .execute()) as Row[];
      this.remember(rows);
    }
    for (const id of missing) {
      if (!this.current.has(id)) {
        this.base.set(id, null);
        this.current.set(id, null);
      }
    }
  }

  /**
   * Loads every stored row matching `column = value` that is not loaded yet (rows already in the
   * working set keep their in-batch state, which is newer than what is stored).
   */
  async loadWhere(tx: ReadTx, conditions: Record<string, string | number>): Promise<void> {
    let query = tx.selectFrom(this.spec.table).selectAll();
    for (const [column, value] of Object.entries(conditions)) query = query.where(column, '=', value);
    this.remember((await query.execute()) as Row[]);
  }

  private remember(rows: Row[]): void {
    for (const row of rows) {
      const id = toStr(row[this.spec.key]);
      if (this.current.has(id)) continue;
      const entry: Entry<S> = {
        state: this.spec.fromRow(row),
        since: this.spec.versions ? toStr(row.since) : '',
      };
      this.base.set(id, entry);
      this.current.set(id, entry);
    }
  }

  async get(tx: ReadTx, id: string): Promise<S | undefined> {
    if (!this.current.has(id)) await this.prefetch(tx, [id]);
    return this.current.get(id)?.state;
  }

  /** The state of a loaded entity, without touching the database. */
  peek(id: string): S | undefined {
    return this.current.get(id)?.state;
  }

  /** Every loaded entity that exists, with its in-batch state. */
  *entries(): IterableIterator<[string, S]> {
    for (const [id, entry] of this.current) if (entry) yield [id, entry.state];
  }

  /** Ids written by this batch. */
  dirtyIds(): string[] {
    return [...this.dirty];
  }

  /** Records a new state; `at` (business time) is required for versioned tables. */
  put(id: string, state: S, at?: string): void {
    const previous = this.current.get(id) ?? null;
    let since = '';
    if (this.spec.versions) {
      if (at === undefined) throw new Error(`${this.spec.table}: a versioned change needs its instant`);
      since = previous ? laterOf(at, previous.since) : at;
      const list = this.pending.get(id) ?? [];
      const last = list[list.length - 1];
      if (last && last.from === since) last.state = state;
      else list.push({ from: since, state });
      this.pending.set(id, list);
    }
    this.current.set(id, { state, since });
    this.dirty.add(id);
  }

  async flush(tx: ReadTx): Promise<void> {
    const { spec } = this;
    const rows: Row[] = [];
    for (const id of this.dirty) {
      const entry = this.current.get(id);
      if (!entry) continue;
      rows.push({
        [spec.key]: id,
        ...spec.toRow(entry.state),
        ...(spec.versions ? { since: entry.since } : {}),
      });
    }
    await upsertRows(tx, spec.table, [spec.key], rows);

    const versions = spec.versions;
    if (!versions || this.pending.size === 0) return;
    const ids = [...this.pending.keys()];
    for (const chunk of chunks(ids, 500)) {
      await tx
        .deleteFrom(versions.table)
        .where(versions.key, 'in', chunk)
        .where('valid_to', 'is', null)
        .execute();
    }
    const intervals: Row[] = [];
    for (const [id, list] of this.pending) {
      const first = list[0];
      if (!first) continue;
      const base = this.base.get(id);
      if (base && base.since < first.from) {
        intervals.push({
          [versions.key]: id,
          valid_from: base.since,
          valid_to: first.from,
          ...versions.toRow(base.state),
        });
      }
      list.forEach((version, i) => {
        intervals.push({
          [versions.key]: id,
          valid_from: version.from,
          valid_to: list[i + 1]?.from ?? null,
          ...versions.toRow(version.state),
        });
      });
    }
    await insertRows(tx, versions.table, intervals);
  }
}
