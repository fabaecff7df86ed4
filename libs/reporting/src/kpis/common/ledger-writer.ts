import type { ReadDb, SqlDialect } from '@kam/read-store';
import type { LedgerSpec } from './ledger';
import type { OrgBatch } from './org-batch';
import { num, str } from './sql';
import { addOnConflict, withoutRowid, type Statements } from './statements';
import { epochDay, monthIndexOfDay } from './time';

/**
 * The write side of a closed-deal ledger (ledger.ts describes the tables and reads them with
 * `sumLedger`). The facts are keyed (rep_id, closed_at, deal_id): a re-attribution reads one rep's
 * facts since an instant, and new facts land at the end of each rep's range instead of at random
 * places of a deal-id key (which rewrote most pages of the table in every batch).
 */
export async function createLedgerWriterTables<F>(db: ReadDb, dialect: SqlDialect, spec: LedgerSpec<F>): Promise<void> {
  const { facts, month, day } = spec.tables;
  await db.schema
    .createTable(facts)
    .ifNotExists()
    .addColumn('rep_id', 'text', (c) => c.notNull())
    .addColumn('closed_at', 'bigint', (c) => c.notNull())
    .addColumn('deal_id', 'text', (c) => c.notNull())
    .addColumn('team_id', 'text', (c) => c.notNull())
    .addColumn('fact', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint(`${facts}_pk`, ['rep_id', 'closed_at', 'deal_id'])
    .modifyEnd(withoutRowid(dialect))
    .execute();
  for (const [table, bucket] of [
    [month, 'month'],
    [day, 'day'],
  ] as const) {
    let builder = db.schema.createTable(table).ifNotExists();
    for (const d of spec.dims) builder = builder.addColumn(d, 'text', (c) => c.notNull());
    builder = builder.addColumn('team_id', 'text', (c) => c.notNull()).addColumn(bucket, 'integer', (c) => c.notNull());
    for (const m of spec.measures) builder = builder.addColumn(m, 'bigint', (c) => c.notNull().defaultTo(0));
    // Keyed by team and bucket first: a report's sum over teams (sumLedger: teams × a bucket range)
    // is a range of the key itself, with the measures at hand, instead of a secondary index plus a
    // key lookup per row; the index serves the sums of one dimension value across teams (a rep's
    // KPIs). The builder's column typing cannot follow columns added in a loop.
    const key = ['team_id', bucket, ...spec.dims] as never[];
    await builder.addPrimaryKeyConstraint(`${table}_pk`, key).modifyEnd(withoutRowid(dialect)).execute();
    if (spec.dims.length > 0) {
      await db.schema.createIndex(`${table}_dims`).ifNotExists().on(table).columns([...spec.dims, bucket]).execute();
    }
  }
}

interface PendingFact<F> {
  dealId: string;
  closedAt: number;
  teamId: string;
  fact: F;
}

/**
 * One batch of a ledger: facts and aggregate deltas are kept in memory and written by `flush` (a
 * multi-row insert of the facts, one increment per touched aggregate row); a re-attribution moves
 * the batch's own facts in memory and the stored ones with one update each.
 */
export class LedgerWriter<F> {
  private readonly pending = new Map<string, Array<PendingFact<F>>>();
  private readonly deltas = new Map<string, unknown[]>();
  private readonly keyColumns: { month: string[]; day: string[] };

  constructor(
    private readonly spec: LedgerSpec<F>,
    private readonly sql: Statements,
    private readonly org: OrgBatch,
  ) {
    this.keyColumns = { month: [...spec.dims, 'team_id', 'month'], day: [...spec.dims, 'team_id', 'day'] };
  }

  async record(dealId: string, repId: string, closedAt: number, fact: F): Promise<void> {
    const teamId = await this.org.teamAt(repId, closedAt);
    let list = this.pending.get(repId);
    if (!list) this.pending.set(repId, (list = []));
    list.push({ dealId, closedAt, teamId, fact });
    this.add(fact, repId, teamId, closedAt, 1);
  }

  /**
   * Called after the rep's membership changed (already written, see OrgBatch): re-resolves the team
   * of the rep's deals closed at or after `since` and moves those whose team changed.
   */
  async reattribute(repId: string, since: number): Promise<void> {
    for (const f of this.pending.get(repId) ?? []) {
      if (f.closedAt < since) continue;
      const after = await this.org.teamAt(repId, f.closedAt);
      if (after === f.teamId) continue;
      this.add(f.fact, repId, f.teamId, f.closedAt, -1);
      this.add(f.fact, repId, after, f.closedAt, 1);
      f.teamId = after;
    }
    const facts = this.spec.tables.facts;
    const rows = await this.sql.all(`select closed_at, deal_id, team_id, fact from "${facts}" where rep_id = ? and closed_at >= ?`, [repId, since]);
    for (const row of rows) {
      const closedAt = num(row.closed_at);
      const before = str(row.team_id);
      const after = await this.org.teamAt(repId, closedAt);
      if (after === before) continue;
      const fact = JSON.parse(str(row.fact)) as F;
      this.add(fact, repId, before, closedAt, -1);
      this.add(fact, repId, after, closedAt, 1);
      await this.sql.run(`update "${facts}" set team_id = ? where rep_id = ? and closed_at = ? and deal_id = ?`, [after, repId, closedAt, str(row.deal_id)]);
    }
  }

  private add(fact: F, repId: string, teamId: string, closedAt: number, sign: 1 | -1): void {
    const day = epochDay(closedAt);
    const month = monthIndexOfDay(day);
    const { dims, measures } = this.spec;
    for (const c of this.spec.contributions(fact, repId)) {
      const dimValues = dims.map((d) => c.dims[d]);
      const prefix = `${dimValues.join('\u0001')}\u0001${teamId}\u0001`;
      for (const [bucket, value] of [
        ['m', month],
        ['d', day],
      ] as const) {
        const key = `${bucket}${prefix}${value}`;
        let row = this.deltas.get(key);
        if (!row) this.deltas.set(key, (row = [...dimValues, teamId, value, ...measures.map(() => 0)]));
        const base = dims.length + 2;
        for (let i = 0; i < measures.length; i++) row[base + i] = (row[base + i] as number) + sign * (c.measures[measures[i]!] ?? 0);
      }
    }
  }

  async flush(): Promise<void> {
    const factRows: unknown[][] = [];
    for (const [repId, list] of this.pending) for (const f of list) factRows.push([repId, f.closedAt, f.dealId, f.teamId, JSON.stringify(f.fact)]);
    await this.sql.insert(this.spec.tables.facts, ['rep_id', 'closed_at', 'deal_id', 'team_id', 'fact'], factRows);
    this.pending.clear();
    for (const bucket of ['month', 'day'] as const) {
      const rows = [...this.deltas].filter(([k]) => k[0] === bucket[0]).map(([, row]) => row);
      if (rows.length === 0) continue;
      const table = this.spec.tables[bucket];
      const key = this.keyColumns[bucket];
      await this.sql.insert(table, [...key, ...this.spec.measures], rows, addOnConflict(table, key, this.spec.measures));
    }
    this.deltas.clear();
  }
}
