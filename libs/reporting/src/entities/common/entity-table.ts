import { inListChunks, type ReadTx, type RebuildSession } from '@kam/read-store';
import { insertRows, laterOf, toStr, upsertRows, type Row } from './sql';

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
  /**
   * Columns of the current row, without the key, `since` and nothing the spec does not own; a new
   * object at every call (the table adds its key columns to it instead of copying it).
   */
  toRow(state: S): Row;
  versions?: {
    /** Physical table of intervals; primary key (versionKey, valid_from). */
    table: string;
    /** Column naming the entity in the versions table. */
    key: string;
    /** Snapshot columns of one interval (without key, valid_from, valid_to); a new object at every call. */
    toRow(state: S): Row;
    /**
     * Write-back, when a rebuild creates the table without its key: creates the index of
     * (key, valid_from), before the first lookup of intervals by key (rows that left memory).
     */
    createKeyIndex?(tx: ReadTx): Promise<void>;
  };
  /**
   * Write-back (a rebuild only, see `writeBack`): the group `loadWhere(…, group)` finds an entity
   * in among the rows kept in memory, e.g. "open deals of rep X"; undefined = in no group.
   */
  group?(state: S): string | undefined;
}

/** Options of write-back mode: a rebuild's session, whose memory keeps rows across batches. */
export interface WriteBackOptions {
  session: RebuildSession;
  /** Rows kept in memory at most; the least recently changed are written out past it (default: the session's memoryRows). */
  maxEntries?: number;
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

/** An entity kept in a rebuild's memory. */
interface MemEntry<S> extends Entry<S> {
  /** Its current row in SQL is missing or older than `state`. */
  dirty: boolean;
  /** The versions table holds its open interval (it was read from SQL and not changed since). */
  openInSql: boolean;
  group: string | undefined;
}

/** The memory of one table in one rebuild (in `RebuildSession.memory`). */
interface WriteBackStore<S> {
  /** Least recently changed first. */
  entries: Map<string, MemEntry<S>>;
  groups: Map<string, Set<string>>;
  /** Some row left memory: SQL may hold rows that memory does not (else memory holds every row). */
  evicted: boolean;
  /** versions.createKeyIndex has run (and committed). */
  keyIndexed: boolean;
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
 *
 * Write-back (with `writeBack`, during a rebuild, which is the only writer of its generation):
 * rows live in the rebuild's memory across batches instead of being read back and rewritten at
 * every batch. A batch writes only what is final — closed intervals — and its changes enter the
 * memory when its transaction commits. Current rows and open intervals are written when they
 * leave memory (past `maxEntries`, least recently changed first) and by `finishRebuild`, sorted
 * by key. The written tables are then exactly what write-through would have written.
 */
export class EntityTable<S> {
  private readonly base = new Map<string, Entry<S> | null>();
  private readonly current = new Map<string, Entry<S> | null>();
  private readonly pending = new Map<string, Array<PendingVersion<S>>>();
  private readonly dirty = new Set<string>();
  /** Write-back: ids of this batch whose open interval is in SQL. */
  private readonly sqlOpen = new Set<string>();
  private readonly mem: WriteBackStore<S> | undefined;
  private readonly session: RebuildSession | undefined;
  private readonly maxEntries: number;

  constructor(
    private readonly spec: EntityTableSpec<S>,
    writeBack?: WriteBackOptions,
  ) {
    this.session = writeBack?.session;
    this.maxEntries = Math.max(1, writeBack?.maxEntries ?? writeBack?.session.memoryRows ?? 200_000);
    if (this.session) {
      const key = `entity-table:${spec.table}`;
      let mem = this.session.memory.get(key) as WriteBackStore<S> | undefined;
      if (mem === undefined) {
        mem = { entries: new Map(), groups: new Map(), evicted: false, keyIndexed: false };
        this.session.memory.set(key, mem);
      }
      this.mem = mem;
    }
  }

  /** Loads the rows of these ids (those not loaded yet) in bulk. */
  async prefetch(tx: ReadTx, ids: Iterable<string>): Promise<void> {
    const missing: string[] = [];
    for (const id of new Set(ids)) {
      if (this.current.has(id) || this.fromMemory(id)) continue;
      missing.push(id);
    }
    // Write-back and nothing ever left memory: what memory does not hold does not exist.
    if (!this.mem || this.mem.evicted) {
      for (const chunk of inListChunks(missing, 500)) {
        const rows = (await tx
          .selectFrom(this.spec.table)
          .selectAll()
          .where(this.spec.key, 'in', chunk)
          .execute()) as Row[];
        this.remember(rows);
      }
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
   * working set keep their in-batch state, which is newer than what is stored). In write-back
   * mode the rows kept in memory are found by `group` (spec.group) instead, and SQL is asked only
   * for rows that left memory.
   */
  async loadWhere(tx: ReadTx, conditions: Record<string, string | number>, group?: string): Promise<void> {
    if (this.mem) {
      if (group === undefined || !this.spec.group) throw new Error(`${this.spec.table}: write-back loadWhere needs a group`);
      for (const id of this.mem.groups.get(group) ?? []) if (!this.current.has(id)) this.fromMemory(id);
      if (!this.mem.evicted) return;
    }
    let query = tx.selectFrom(this.spec.table).selectAll();
    for (const [column, value] of Object.entries(conditions)) query = query.where(column, '=', value);
    this.remember((await query.execute()) as Row[]);
  }

  /** Write-back: puts a row kept in memory into this batch's working set. */
  private fromMemory(id: string): boolean {
    const entry = this.mem?.entries.get(id);
    if (entry === undefined) return false;
    const loaded: Entry<S> = { state: entry.state, since: entry.since };
    this.base.set(id, loaded);
    this.current.set(id, loaded);
    if (entry.openInSql) this.sqlOpen.add(id);
    return true;
  }

  private remember(rows: Row[]): void {
    for (const row of rows) {
      const id = toStr(row[this.spec.key]);
      // In write-back mode a row in memory is newer than the stored one.
      if (this.current.has(id) || this.fromMemory(id)) continue;
      const entry: Entry<S> = {
        state: this.spec.fromRow(row),
        since: this.spec.versions ? toStr(row.since) : '',
      };
      this.base.set(id, entry);
      this.current.set(id, entry);
      if (this.mem) this.sqlOpen.add(id);
    }
  }

  async get(tx: ReadTx, id: string): Promise<S | undefined> {
    if (!this.current.has(id)) await this.prefetch(tx, [id]);
    return this.current.get(id)?.state;
  }

  /** The state of a loaded entity, without touching the database. */
  peek(id: string): S | undefined {
    if (!this.current.has(id)) this.fromMemory(id);
    return this.current.get(id)?.state;
  }

  /** Every loaded entity that exists, with its in-batch state. */
  *entries(): IterableIterator<[string, S]> {
    for (const [id, entry] of this.current) if (entry) yield [id, entry.state];
  }

  /**
   * The loaded entities that exist and pass `test`, with their in-batch state, in `entries()`
   * order; a list, so `put` may follow. Scans the working set without an iterator's tuple per entry.
   */
  loadedWhere(test: (state: S) => boolean): Array<[string, S]> {
    const out: Array<[string, S]> = [];
    for (const [id, entry] of this.current) if (entry !== null && test(entry.state)) out.push([id, entry.state]);
    return out;
  }

  /** Ids written by this batch. */
  dirtyIds(): string[] {
    return [...this.dirty];
  }

  /** Records a new state; `at` (business time) is required for versioned tables. */
  put(id: string, state: S, at?: string): void {
    if (!this.current.has(id)) this.fromMemory(id);
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
    if (this.mem) return this.flushWriteBack(tx, this.mem);
    const { spec } = this;
    const rows: Row[] = [];
    for (const id of this.dirty) {
      const entry = this.current.get(id);
      if (!entry) continue;
      rows.push(this.currentRow(id, entry));
    }
    await upsertRows(tx, spec.table, [spec.key], rows);

    const versions = spec.versions;
    if (!versions || this.pending.size === 0) return;
    await this.deleteOpenIntervals(tx, [...this.pending.keys()]);
    const intervals: Row[] = [];
    for (const [id, list] of this.pending) this.intervalsOf(id, list, intervals, true);
    await insertRows(tx, versions.table, intervals);
  }

  private currentRow(id: string, entry: Entry<S>): Row {
    const { spec } = this;
    // toRow's object is fresh: extended in place, not spread into another (one object per row).
    const row = spec.toRow(entry.state);
    row[spec.key] = id;
    if (spec.versions) row.since = entry.since;
    return row;
  }

  /** One interval row (toRow's fresh object, extended in place). */
  private intervalRow(id: string, from: string, to: string | null, state: S): Row {
    const versions = this.spec.versions!;
    const row = versions.toRow(state);
    row[versions.key] = id;
    row.valid_from = from;
    row.valid_to = to;
    return row;
  }

  private async deleteOpenIntervals(tx: ReadTx, ids: string[]): Promise<void> {
    const versions = this.spec.versions!;
    for (const chunk of inListChunks(ids, 500)) {
      await tx
        .deleteFrom(versions.table)
        .where(versions.key, 'in', chunk)
        .where('valid_to', 'is', null)
        .execute();
    }
  }

  /** The intervals that replace an entity's open one: closed base, the batch's own, the last open. */
  private intervalsOf(id: string, list: Array<PendingVersion<S>>, out: Row[], withOpen: boolean): void {
    const first = list[0];
    if (!first) return;
    const base = this.base.get(id);
    if (base && base.since < first.from) {
      out.push(this.intervalRow(id, base.since, first.from, base.state));
    }
    const n = withOpen ? list.length : list.length - 1;
    for (let i = 0; i < n; i++) {
      const version = list[i]!;
      out.push(this.intervalRow(id, version.from, list[i + 1]?.from ?? null, version.state));
    }
  }

  /**
   * Write-back: only closed intervals are written now; the batch's rows enter memory when the
   * transaction commits. Rows past `maxEntries` (least recently changed, not in this batch) are
   * written out and leave memory.
   */
  private async flushWriteBack(tx: ReadTx, mem: WriteBackStore<S>): Promise<void> {
    const { spec } = this;
    const versions = spec.versions;
    if (versions && this.pending.size > 0) {
      const reopened = [...this.pending.keys()].filter((id) => this.sqlOpen.has(id));
      if (reopened.length > 0) {
        if (!mem.keyIndexed && versions.createKeyIndex) {
          await versions.createKeyIndex(tx);
          this.session!.onCommit(() => (mem.keyIndexed = true));
        }
        await this.deleteOpenIntervals(tx, reopened);
      }
      const intervals: Row[] = [];
      for (const id of [...this.pending.keys()].sort()) this.intervalsOf(id, this.pending.get(id)!, intervals, false);
      // In key order: the inserts walk the primary-key B-tree once instead of jumping around it.
      await insertRows(tx, versions.table, intervals);
    }

    // Rows this batch adds to memory, and the ones that make room for them.
    const incoming: Array<[string, MemEntry<S>]> = [];
    for (const [id, entry] of this.current) {
      if (!entry) continue;
      const changed = this.dirty.has(id);
      const known = mem.entries.get(id);
      if (!changed && known) continue;
      incoming.push([
        id,
        changed
          ? { state: entry.state, since: entry.since, dirty: true, openInSql: false, group: spec.group?.(entry.state) }
          : { state: entry.state, since: entry.since, dirty: false, openInSql: this.sqlOpen.has(id), group: spec.group?.(entry.state) },
      ]);
    }
    let newIds = 0;
    for (const [id] of incoming) if (!mem.entries.has(id)) newIds += 1;
    const leaving: string[] = [];
    const over = mem.entries.size + newIds - this.maxEntries;
    if (over > 0) {
      // Make room for a tenth more at once, so eviction is not paid at every batch.
      let want = over + Math.floor(this.maxEntries / 10);
      for (const id of mem.entries.keys()) {
        if (want <= 0) break;
        if (this.current.has(id)) continue;
        leaving.push(id);
        want -= 1;
      }
      await this.writeOut(tx, mem, leaving.sort());
    }

    this.session!.onCommit(() => {
      for (const id of leaving) this.forget(mem, id);
      if (leaving.length > 0) mem.evicted = true;
      for (const [id, entry] of incoming) {
        const known = mem.entries.get(id);
        if (known !== undefined && known.group === entry.group) {
          // Same group: only its place in the least-recently-changed order moves.
          mem.entries.delete(id);
          mem.entries.set(id, entry);
          continue;
        }
        this.forget(mem, id);
        mem.entries.set(id, entry);
        if (entry.group !== undefined) {
          let members = mem.groups.get(entry.group);
          if (members === undefined) mem.groups.set(entry.group, (members = new Set()));
          members.add(id);
        }
      }
    });
  }

  private forget(mem: WriteBackStore<S>, id: string): void {
    const entry = mem.entries.get(id);
    if (entry === undefined) return;
    mem.entries.delete(id);
    if (entry.group !== undefined) {
      const members = mem.groups.get(entry.group);
      members?.delete(id);
      if (members?.size === 0) mem.groups.delete(entry.group);
    }
  }

  /** Writes the current rows and open intervals of these remembered ids (dirty ones only). */
  private async writeOut(tx: ReadTx, mem: WriteBackStore<S>, ids: readonly string[]): Promise<void> {
    const { spec } = this;
    const rows: Row[] = [];
    const open: Row[] = [];
    for (const id of ids) {
      const entry = mem.entries.get(id);
      if (!entry || !entry.dirty) continue;
      rows.push(this.currentRow(id, entry));
      if (spec.versions) {
        open.push(this.intervalRow(id, entry.since, null, entry.state));
      }
    }
    await upsertRows(tx, spec.table, [spec.key], rows);
    if (spec.versions) await insertRows(tx, spec.versions.table, open);
  }

  /**
   * Write-back: writes every row still only in memory (sorted by key, so the B-trees fill in
   * order), then forgets the memory once the transaction commits. Call it from the projection's
   * `finishRebuild`, on a fresh EntityTable.
   */
  async finishRebuild(tx: ReadTx): Promise<void> {
    const mem = this.mem;
    if (!mem) return;
    await this.writeOut(tx, mem, [...mem.entries.keys()].sort());
    this.session!.onCommit(() => {
      mem.entries.clear();
      mem.groups.clear();
      mem.evicted = true;
    });
  }
}
