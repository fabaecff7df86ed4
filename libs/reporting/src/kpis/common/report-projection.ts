import type { RecordedEvent } from '@kam/event-store';
import type { Projection, ProjectionContext, ReadDb, ReadTx, RebuildSession } from '@kam/read-store';
import { handled, type Handled, type KnownEvent, type KnownEventType } from './events';
import type { LedgerSpec } from './ledger';
import { createLedgerWriterTables, LedgerWriter } from './ledger-writer';
import { createOrgTables, ORG_EVENT_TYPES, type OrgEventType, type OrgTables } from './membership';
import { OrgBatch } from './org-batch';
import { str, type Row } from './sql';
import { replaceOnConflict, Statements, withoutRowid } from './statements';

/**
 * What every report read model shares, built once: team membership (teams + members tables, kept
 * from the org events), the state of the open deals it follows (a deals table), optionally a
 * closed-deal ledger (facts + month + day tables, re-attributed when a membership changes), and
 * the fold of one batch. A report declares only what is its own: its tables, the deal state it
 * keeps, what a closed deal adds, and the handlers of its own events.
 *
 * Each report keeps its own copy of all of it (its own tables and checkpoint), so each rebuilds
 * and is served alone.
 */

/** The state a report keeps of an open deal; the owner is shared (DealReassigned moves it). */
export interface DealState {
  repId: string;
}

/** Events that name a deal (their handlers get the deal's state, and only while it is open). */
export type DealEventType = Extract<KnownEvent, { data: { dealId: string } }>['type'];
type SharedDealEventType = 'DealOpened' | 'DealReassigned' | 'DealWon' | 'DealLost';
export type OwnDealEventType = Exclude<DealEventType, SharedDealEventType>;
export type OwnEventType = Exclude<KnownEventType, DealEventType>;

export interface ReportTables {
  teams: string;
  members: string;
  /** The state of the open deals (a closed deal's rows are deleted); see DealCodec. */
  deals: string;
}

/**
 * How a report stores the state of its open deals in its `deals` table. By default (JSON_DEALS)
 * one row per deal, the state as JSON; a report whose open-deal state is rows it keeps anyway can
 * store it there instead of keeping it twice.
 */
export interface DealCodec<S> {
  /** The columns read and written (deal_id among them). */
  columns: readonly string[];
  createTable(db: ReadDb, name: string, ctx: ProjectionContext): Promise<void>;
  /** The states of the deals whose stored rows these are. */
  decode(rows: readonly Row[]): Map<string, S>;
  /** The rows of one deal's state (values in `columns` order). */
  encode(dealId: string, state: S): unknown[][];
  /** 'one': a row per deal, replaced in place; 'many': a deal's rows are deleted and written again when it changes. */
  rowsPerDeal: 'one' | 'many';
}

/** The default deal state: a row (deal_id, state as JSON) per open deal. */
export function jsonDeals<S>(): DealCodec<S> {
  return {
    columns: ['deal_id', 'state'],
    async createTable(db, name, ctx) {
      // Without rowid (SQLite): one B-tree keyed by deal id instead of a rowid table plus its key index.
      await db.schema
        .createTable(name)
        .ifNotExists()
        .addColumn('deal_id', 'text', (c) => c.primaryKey())
        .addColumn('state', 'text', (c) => c.notNull())
        .modifyEnd(withoutRowid(ctx.dialect))
        .execute();
    },
    decode: (rows) => new Map(rows.map((r) => [str(r.deal_id), JSON.parse(str(r.state)) as S])),
    encode: (dealId, state) => [[dealId, JSON.stringify(state)]],
    rowsPerDeal: 'one',
  };
}

/** One batch of a report projection, handed to the report's handlers. */
export class ReportBatch<S extends DealState, F> {
  readonly org: OrgBatch;
  readonly deals: DealStates<S>;
  private readonly ledgerWriter: LedgerWriter<F> | null;

  constructor(
    readonly tx: ReadTx,
    readonly sql: Statements,
    readonly table: (logical: string) => string,
    org: OrgTables,
    deals: string,
    codec: DealCodec<S>,
    ledger: LedgerSpec<F> | null,
    rebuild?: RebuildSession,
  ) {
    this.org = new OrgBatch(sql, org);
    this.deals = new DealStates<S>(sql, deals, codec, rebuild);
    this.ledgerWriter = ledger ? new LedgerWriter(ledger, sql, this.org) : null;
  }

  get ledger(): LedgerWriter<F> {
    if (!this.ledgerWriter) throw new Error('This report keeps no ledger');
    return this.ledgerWriter;
  }

  async flush(): Promise<void> {
    await this.deals.flush();
    await this.ledgerWriter?.flush();
  }
}

export type DealHandlers<S, T extends OwnDealEventType> = {
  [K in T]: (event: Handled<K>, deal: S) => S | undefined | Promise<S | undefined>;
};
export type EventHandlers<T extends OwnEventType | OrgEventType> = {
  [K in T]: (event: Handled<K>) => void | Promise<void>;
};

/** What a report does with one batch (a fresh object per batch: a rolled-back batch leaves nothing). */
export interface ReportFold<
  S extends DealState,
  F,
  DT extends OwnDealEventType,
  ET extends OwnEventType,
  OT extends OrgEventType,
> {
  /** The deal's state when it opens. */
  opened(event: Handled<'DealOpened'>): S;
  /** Handlers of the report's own deal events, called only while the deal is open; they return its new state (or nothing when unchanged). */
  deal?: DealHandlers<S, DT>;
  /** The open deal changed owner: its new state (by default the same state with the new owner). */
  reassigned?(event: Handled<'DealReassigned'>, deal: S): S;
  /** Handlers of the report's own events besides deal events. */
  events?: EventHandlers<ET>;
  /** What the report adds to membership changes (after the shared membership and re-attribution). */
  org?: Partial<EventHandlers<OT>>;
  /**
   * A deal was won or lost (its state is dropped after this); what it returns is recorded in the
   * ledger (nothing: the deal adds nothing).
   */
  closed?(event: Handled<'DealWon' | 'DealLost'>, deal: S): F | null | void | Promise<F | null | void>;
  /** Writes what the fold kept in memory, after the shared state is flushed. */
  flush?(): Promise<void>;
}

export interface ReportDefinition<
  S extends DealState,
  F,
  DT extends OwnDealEventType,
  ET extends OwnEventType,
  OT extends OrgEventType,
> {
  name: string;
  version: number;
  /** Logical table names (the shared ones included). */
  tables: Readonly<ReportTables & Record<string, string>>;
  dealEventTypes?: readonly DT[];
  /** How the open deals' state is stored (default: jsonDeals). */
  dealCodec?: DealCodec<S>;
  eventTypes?: readonly ET[];
  /** The closed-deal ledger, when the report keeps one. */
  ledger?: (table: (logical: string) => string) => LedgerSpec<F>;
  /** The report's own tables. */
  createTables?(db: ReadDb, table: (logical: string) => string, ctx: ProjectionContext): Promise<void>;
  fold(batch: ReportBatch<S, F>): ReportFold<S, F, DT, ET, OT>;
}

const SHARED_DEAL_EVENTS = ['DealOpened', 'DealReassigned', 'DealWon', 'DealLost'] as const;

/** The org tables of a report (also what its queries check scope against). */
export function orgTablesOf(tables: ReportTables, table: (logical: string) => string): OrgTables {
  return { teams: table(tables.teams), members: table(tables.members) };
}

export function reportProjection<
  S extends DealState,
  F = never,
  DT extends OwnDealEventType = never,
  ET extends OwnEventType = never,
  OT extends OrgEventType = never,
>(def: ReportDefinition<S, F, DT, ET, OT>): Projection {
  const eventTypes = [
    ...ORG_EVENT_TYPES,
    ...SHARED_DEAL_EVENTS,
    ...(def.dealEventTypes ?? []),
    ...(def.eventTypes ?? []),
  ];
  const dealTypes = new Set<string>(def.dealEventTypes ?? []);
  const handledTypes = new Set<string>(eventTypes);
  const codec = def.dealCodec ?? jsonDeals<S>();
  return {
    name: def.name,
    version: def.version,
    tables: Object.values(def.tables),
    eventTypes,

    async createTables(db: ReadDb, ctx: ProjectionContext): Promise<void> {
      const table = (l: string) => ctx.table(l);
      await createOrgTables(db, orgTablesOf(def.tables, table));
      await codec.createTable(db, table(def.tables.deals), ctx);
      if (def.ledger) await createLedgerWriterTables(db, ctx.dialect, def.ledger(table));
      await def.createTables?.(db, table, ctx);
    },

    async applyBatch(tx: ReadTx, events: readonly RecordedEvent[], ctx: ProjectionContext): Promise<void> {
      const table = (l: string) => ctx.table(l);
      const batch = new ReportBatch<S, F>(
        tx,
        new Statements(tx, ctx.dialect),
        table,
        orgTablesOf(def.tables, table),
        table(def.tables.deals),
        codec,
        def.ledger?.(table) ?? null,
        ctx.rebuild,
      );
      const fold = def.fold(batch);
      // Stored deals are loaded in bulk; a rebuild that keeps them all in memory has none to load.
      if (batch.deals.readsTable) await batch.deals.prefetch(storedDealIdsOf(events));
      // The handler maps are indexed by the event's own type: TypeScript cannot follow that link.
      const dealHandlers = (fold.deal ?? {}) as Record<
        string,
        (event: Handled<DT>, deal: S) => S | undefined | Promise<S | undefined>
      >;
      const eventHandlers = (fold.events ?? {}) as Record<
        string,
        (event: Handled<ET>) => void | Promise<void>
      >;
      const orgHandlers = (fold.org ?? {}) as Record<
        string,
        ((event: Handled<OrgEventType>) => void | Promise<void>) | undefined
      >;

      for (const raw of events) {
        // Narrowed to the whole known union: the switch cannot narrow a union of type parameters.
        const event = handled(raw, handledTypes) as Handled<KnownEventType> | null;
        if (!event) continue;
        switch (event.type) {
          case 'TeamFormed':
          case 'RepHired':
          case 'RepTransferred':
          case 'RepOffboarded': {
            const changed = await batch.org.apply(event);
            if (changed && def.ledger) await batch.ledger.reattribute(changed.repId, changed.since);
            await orgHandlers[event.type]?.(event);
            break;
          }
          case 'DealOpened':
            batch.deals.set(event.data.dealId, fold.opened(event));
            break;
          case 'DealReassigned': {
            // Awaited only when it is a promise: most lookups need no query (DealStates.state).
            const found = batch.deals.state(event.data.dealId);
            const deal = found instanceof Promise ? await found : found;
            if (deal)
              batch.deals.set(
                event.data.dealId,
                fold.reassigned ? fold.reassigned(event, deal) : { ...deal, repId: event.data.repId },
              );
            break;
          }
          case 'DealWon':
          case 'DealLost': {
            const found = batch.deals.state(event.data.dealId);
            const deal = found instanceof Promise ? await found : found;
            if (!deal) break;
            const fact = await fold.closed?.(event, deal);
            if (fact) await batch.ledger.record(event.data.dealId, deal.repId, event.at, fact);
            batch.deals.close(event.data.dealId);
            break;
          }
          default:
            if (dealTypes.has(event.type)) {
              const dealEvent = event as unknown as Handled<DT>;
              const dealId = (event.data as { dealId: string }).dealId;
              const found = batch.deals.state(dealId);
              const deal = found instanceof Promise ? await found : found;
              if (!deal) break;
              const next = await dealHandlers[event.type]!(dealEvent, deal);
              if (next) batch.deals.set(dealId, next);
            } else {
              await eventHandlers[event.type]!(event as unknown as Handled<ET>);
            }
        }
      }
      await batch.flush();
      await fold.flush?.();
    },

    /** The open deals a rebuild kept in memory (DealStates) are written once, at the end. */
    async finishRebuild(tx: ReadTx, ctx: ProjectionContext): Promise<void> {
      if (!ctx.rebuild) return;
      await new DealStates<S>(new Statements(tx, ctx.dialect), ctx.table(def.tables.deals), codec, ctx.rebuild).finishRebuild();
    },
  };
}

/**
 * Ids of the deals a batch mentions that may have stored state: not those it opens (a deal's
 * stream begins with DealOpened), whose lookups would only miss.
 */
function storedDealIdsOf(events: readonly RecordedEvent[]): string[] {
  const seen = new Set<string>();
  const ids: string[] = [];
  for (const event of events) {
    const dealId = (event.data as { dealId?: unknown } | null)?.dealId;
    if (typeof dealId !== 'string' || seen.has(dealId)) continue;
    seen.add(dealId);
    if (event.type !== 'DealOpened') ids.push(dealId);
  }
  return ids;
}

/** What a rebuild keeps of the open deals across its transactions (in `RebuildSession.memory`). */
interface DealMemory<S> {
  /** Committed states of open deals that are not in the deals table. */
  deals: Map<string, S>;
  /** Deals were written out past the budget: the table may hold open deals that memory does not. */
  spilled: boolean;
}

const DEAL_MEMORY_KEY = 'report-projection:deals';

/**
 * The open deals a batch touches: loaded in one query up front, changed in memory, written once
 * each at the end (DealCodec: upsert of the changed ones and delete of the stored ones that
 * closed, or delete of every changed stored deal's rows and insert of the open ones'). A closed
 * deal is forgotten: every later event of it is ignored, as for a deal never opened, so the table
 * holds only the open deals and stays small.
 *
 * In a rebuild (a RebuildSession) the open deals stay in the session's memory across batches
 * instead: nothing is read, written or deleted per batch (every deal of the log opens and most
 * close during a rebuild, so the table would only churn), and `finishRebuild` writes the deals
 * still open, in key order. While memory holds every open deal, a batch changes it in place and
 * keeps an undo list for a rollback (one lookup per deal event: seven reports ask for every deal
 * event, and staging each batch's deals in maps of their own was a tenth of the rebuild's CPU).
 * Past the session's `memoryRows` every open deal is written out and memory starts over; the table
 * then answers for the deals memory does not hold, and a batch's changes enter memory when its
 * transaction commits. Handlers must not change the state they are given in place (they return a
 * new one): memory shares it with the batch, and a rolled-back batch must leave memory as it was.
 */
export class DealStates<S> {
  private readonly rows = new Map<string, { state: S | null; stored: boolean; dirty: boolean }>();
  private readonly memory: DealMemory<S> | undefined;
  /** Memory holds every open deal and the batch changes it in place: (id, state before) pairs to undo. */
  private readonly undo: Array<string | S | undefined> | undefined;

  constructor(
    private readonly sql: Statements,
    private readonly table: string,
    private readonly codec: DealCodec<S>,
    private readonly rebuild?: RebuildSession,
  ) {
    if (rebuild) {
      let memory = rebuild.memory.get(DEAL_MEMORY_KEY) as DealMemory<S> | undefined;
      if (memory === undefined) rebuild.memory.set(DEAL_MEMORY_KEY, (memory = { deals: new Map(), spilled: false }));
      this.memory = memory;
      if (!memory.spilled) {
        const undo: Array<string | S | undefined> = [];
        this.undo = undo;
        const deals = memory.deals;
        rebuild.onRollback(() => {
          for (let i = undo.length - 2; i >= 0; i -= 2) {
            const id = undo[i] as string;
            const before = undo[i + 1] as S | undefined;
            if (before === undefined) deals.delete(id);
            else deals.set(id, before);
          }
        });
      }
    }
  }

  /** False in a rebuild whose memory holds every open deal (nothing was written out): the table then holds none. */
  get readsTable(): boolean {
    return !this.memory || this.memory.spilled;
  }

  async prefetch(ids: readonly string[]): Promise<void> {
    if (this.undo) return;
    const lookup: string[] = [];
    for (const id of ids) {
      if (this.rows.has(id)) continue;
      const kept = this.memory?.deals.get(id);
      if (kept !== undefined) {
        this.rows.set(id, { state: kept, stored: false, dirty: false });
        continue;
      }
      this.rows.set(id, { state: null, stored: false, dirty: false });
      lookup.push(id);
    }
    if (lookup.length === 0) return;
    const found = this.codec.decode(await this.sql.selectIn(this.codec.columns.join(', '), this.table, 'deal_id', lookup));
    for (const [id, state] of found) this.rows.set(id, { state, stored: true, dirty: false });
  }

  /**
   * `get` without a promise when no query is needed (the deal is loaded, or a rebuild's memory
   * holds every open deal): the report folds ask once per deal event, seven reports over.
   */
  state(id: string): S | undefined | Promise<S | undefined> {
    if (this.undo) return this.memory!.deals.get(id);
    const row = this.rows.get(id);
    if (row !== undefined) return row.state ?? undefined;
    return this.get(id);
  }

  /** The open deal's state, or undefined for a closed or unknown deal. */
  async get(id: string): Promise<S | undefined> {
    if (this.undo) return this.memory!.deals.get(id);
    if (!this.rows.has(id)) await this.prefetch([id]);
    return this.rows.get(id)?.state ?? undefined;
  }

  set(id: string, state: S): void {
    if (this.undo) {
      const deals = this.memory!.deals;
      this.undo.push(id, deals.get(id));
      deals.set(id, state);
      return;
    }
    const row = this.rows.get(id);
    if (row) {
      row.state = state;
      row.dirty = true;
    } else this.rows.set(id, { state, stored: false, dirty: true });
  }

  close(id: string): void {
    if (this.undo) {
      const deals = this.memory!.deals;
      const before = deals.get(id);
      if (before === undefined) return;
      this.undo.push(id, before);
      deals.delete(id);
      return;
    }
    const row = this.rows.get(id);
    if (row) {
      row.state = null;
      row.dirty = true;
    }
  }

  async flush(): Promise<void> {
    // Memory changed in place: past the budget every open deal is written out as at the end, and memory starts over once that commits.
    if (this.undo) return this.memory!.deals.size > this.rebuild!.memoryRows ? this.finishRebuild() : undefined;
    if (this.memory) return this.flushToMemory(this.memory);
    const { rowsPerDeal } = this.codec;
    const states = new Map<string, S>();
    const deletes: string[] = [];
    for (const [id, row] of this.rows) {
      if (!row.dirty) continue;
      if (row.stored && (row.state === null || rowsPerDeal === 'many')) deletes.push(id);
      if (row.state !== null) states.set(id, row.state);
    }
    await this.sql.deleteIn(this.table, 'deal_id', deletes.sort());
    await this.write(states);
    this.rows.clear();
  }

  /** Rebuild after a spill: the stored deals the batch changed leave the table (memory holds them now); the rest waits for commit. */
  private async flushToMemory(memory: DealMemory<S>): Promise<void> {
    const changes: Array<[string, S | null]> = [];
    const deletes: string[] = [];
    let size = memory.deals.size;
    for (const [id, row] of this.rows) {
      if (!row.dirty) continue;
      if (row.stored) deletes.push(id);
      changes.push([id, row.state]);
      const kept = memory.deals.has(id);
      if (row.state === null && kept) size -= 1;
      else if (row.state !== null && !kept) size += 1;
    }
    this.rows.clear();
    await this.sql.deleteIn(this.table, 'deal_id', deletes.sort());
    if (size <= this.rebuild!.memoryRows) {
      this.rebuild!.onCommit(() => {
        for (const [id, state] of changes) {
          if (state === null) memory.deals.delete(id);
          else memory.deals.set(id, state);
        }
      });
      return;
    }
    // Over budget: every open deal goes to the table, memory starts over.
    const states = new Map(memory.deals);
    for (const [id, state] of changes) {
      if (state === null) states.delete(id);
      else states.set(id, state);
    }
    await this.write(states);
    this.forgetOnCommit(memory);
  }

  /** Rebuild: writes the open deals kept in memory (in key order), then forgets them once committed. */
  async finishRebuild(): Promise<void> {
    const memory = this.memory;
    if (!memory) return;
    await this.write(memory.deals);
    this.forgetOnCommit(memory);
  }

  /** Once the transaction that wrote every open deal commits, the table answers for all of them. */
  private forgetOnCommit(memory: DealMemory<S>): void {
    this.rebuild!.onCommit(() => {
      memory.deals.clear();
      memory.spilled = true;
    });
  }

  /** Inserts (or replaces, one row per deal) the rows of these open deals, in deal-id order. */
  private async write(states: ReadonlyMap<string, S>): Promise<void> {
    const { columns, rowsPerDeal } = this.codec;
    const writes: unknown[][] = [];
    // In deal-id order: consecutive rows land in the same pages of the deal-keyed table.
    for (const id of [...states.keys()].sort()) writes.push(...this.codec.encode(id, states.get(id)!));
    await this.sql.insert(this.table, columns, writes, rowsPerDeal === 'one' ? replaceOnConflict(['deal_id'], columns) : '');
  }
}
