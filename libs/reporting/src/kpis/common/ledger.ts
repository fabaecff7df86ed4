import { sql } from 'kysely';
import type { ReadTx } from '@kam/read-store';
import { repIntervals, teamIn, type MembershipInterval } from './membership';
import { chunks, incrementRows, indexName, num, str, type Db, type Row } from './sql';
import { epochDay, monthIndexOfDay, splitDays } from './time';

/**
 * A ledger of closed deals attributed to the team their owner was in when they closed, with
 * additive measures pre-summed per calendar month and per day:
 *
 * - `facts`: one row per closed deal (deal, owner, team at close, closedAt, the projection's
 *   payload as JSON). Read only to re-attribute a rep's deals when a membership event arrives;
 *   never by a report.
 * - `month` / `day`: Σ measures per (dimensions…, team_id, month | day). A report over a period
 *   reads the month rows of the whole months inside it and the day rows of the partial months at
 *   its edges: a few rows per rep instead of one per deal (field notes: row count decides speed).
 *
 * Business times arrive out of global order (history import): a RepTransferred dated before
 * deals already closed moves those deals to the right team, here, when it is projected
 * (`reattribute`), so the aggregates are always the ones a replay in business order would give.
 */
export interface LedgerTables {
  facts: string;
  month: string;
  day: string;
}

export interface Contribution {
  /** Values of the spec's dimension columns. */
  dims: Readonly<Record<string, string>>;
  /** Deltas of the spec's measures (missing ones are 0). */
  measures: Readonly<Record<string, number | undefined>>;
}

export interface LedgerSpec<F> {
  tables: LedgerTables;
  /** Membership table resolving the team at close. */
  members: string;
  /** Text dimension columns besides team_id. */
  dims: readonly string[];
  /** Integer measures (bigint columns). */
  measures: readonly string[];
  /** What one closed deal (owned by `repId` when it closed) adds to the aggregates. */
  contributions(fact: F, repId: string): Contribution[];
}

export async function createLedgerTables<F>(db: Db, spec: LedgerSpec<F>): Promise<void> {
  const { facts, month, day } = spec.tables;
  await db.schema
    .createTable(facts)
    .ifNotExists()
    .addColumn('deal_id', 'text', (c) => c.primaryKey())
    .addColumn('rep_id', 'text', (c) => c.notNull())
    .addColumn('team_id', 'text', (c) => c.notNull())
    .addColumn('closed_at', 'bigint', (c) => c.notNull())
    .addColumn('fact', 'text', (c) => c.notNull())
    .execute();
  await db.schema.createIndex(indexName(facts, 'rep')).ifNotExists().on(facts).columns(['rep_id', 'closed_at']).execute();
  for (const [table, bucket] of [
    [month, 'month'],
    [day, 'day'],
  ] as const) {
    let builder = db.schema.createTable(table).ifNotExists();
    for (const d of spec.dims) builder = builder.addColumn(d, 'text', (c) => c.notNull());
    builder = builder.addColumn('team_id', 'text', (c) => c.notNull()).addColumn(bucket, 'integer', (c) => c.notNull());
    for (const m of spec.measures) builder = builder.addColumn(m, 'bigint', (c) => c.notNull().defaultTo(0));
    // The builder's column typing cannot follow columns added in a loop.
    const key = [...spec.dims, 'team_id', bucket] as never[];
    await builder.addPrimaryKeyConstraint(indexName(table, 'pk'), key).execute();
    await db.schema.createIndex(indexName(table, 'team')).ifNotExists().on(table).columns(['team_id', bucket]).execute();
  }
}

/**
 * The ledger's working set for one projection batch: facts are written at once (so a
 * re-attribution later in the batch sees them), aggregate deltas are summed in memory and written
 * once per touched row by `flush`.
 */
export class LedgerBatch<F> {
  private readonly deltas = new Map<string, { bucket: 'month' | 'day'; row: Row }>();
  /** Membership intervals of the reps this batch closed deals for (read once per rep per batch). */
  private readonly intervals = new Map<string, MembershipInterval[]>();
  private readonly pendingFacts: Row[] = [];

  constructor(private readonly spec: LedgerSpec<F>) {}

  private async teamAt(tx: ReadTx, repId: string, at: number): Promise<string> {
    let list = this.intervals.get(repId);
    if (!list) {
      list = await repIntervals(tx, this.spec.members, repId);
      this.intervals.set(repId, list);
    }
    return teamIn(list, at);
  }

  async record(tx: ReadTx, dealId: string, repId: string, closedAt: number, fact: F): Promise<void> {
    const teamId = await this.teamAt(tx, repId, closedAt);
    this.pendingFacts.push({ deal_id: dealId, rep_id: repId, team_id: teamId, closed_at: closedAt, fact: JSON.stringify(fact) });
    this.add(fact, repId, teamId, closedAt, 1);
  }

  private async flushFacts(tx: ReadTx): Promise<void> {
    for (const chunk of chunks(this.pendingFacts)) await tx.insertInto(this.spec.tables.facts).values(chunk).execute();
    this.pendingFacts.length = 0;
  }

  /**
   * Called after the rep's membership changed (already written): re-resolves the team of the rep's
   * deals closed at or after `since` and moves those whose team changed.
   */
  async reattribute(tx: ReadTx, repId: string, since: number): Promise<void> {
    this.intervals.delete(repId);
    await this.flushFacts(tx);
    const rows = await tx
      .selectFrom(this.spec.tables.facts)
      .selectAll()
      .where('rep_id', '=', repId)
      .where('closed_at', '>=', since)
      .execute();
    for (const row of rows) {
      const closedAt = num(row.closed_at);
      const before = str(row.team_id);
      const after = await this.teamAt(tx, repId, closedAt);
      if (after === before) continue;
      const fact = JSON.parse(str(row.fact)) as F;
      this.add(fact, repId, before, closedAt, -1);
      this.add(fact, repId, after, closedAt, 1);
      await tx.updateTable(this.spec.tables.facts).set({ team_id: after }).where('deal_id', '=', str(row.deal_id)).execute();
    }
  }

  private add(fact: F, repId: string, teamId: string, closedAt: number, sign: 1 | -1): void {
    const day = epochDay(closedAt);
    for (const c of this.spec.contributions(fact, repId)) {
      for (const [bucket, value] of [
        ['month', monthIndexOfDay(day)],
        ['day', day],
      ] as const) {
        const keyRow: Row = { ...c.dims, team_id: teamId, [bucket]: value };
        const key = `${bucket}|${JSON.stringify([...this.spec.dims.map((d) => c.dims[d]), teamId, value])}`;
        let entry = this.deltas.get(key);
        if (!entry) {
          entry = { bucket, row: { ...keyRow, ...Object.fromEntries(this.spec.measures.map((m) => [m, 0])) } };
          this.deltas.set(key, entry);
        }
        for (const m of this.spec.measures) entry.row[m] = num(entry.row[m]) + sign * (c.measures[m] ?? 0);
      }
    }
  }

  async flush(tx: ReadTx): Promise<void> {
    await this.flushFacts(tx);
    for (const bucket of ['month', 'day'] as const) {
      const rows = [...this.deltas.values()].filter((e) => e.bucket === bucket).map((e) => e.row);
      if (rows.length === 0) continue;
      await incrementRows(tx, this.spec.tables[bucket], [...this.spec.dims, 'team_id', bucket], this.spec.measures, rows);
    }
    this.deltas.clear();
  }
}

export interface LedgerFilter {
  /** Only these teams (null: every team, including deals closed outside any known team). */
  teamIds: readonly string[] | null;
  /** Equality filters on dimension columns. */
  dims?: Readonly<Record<string, string>>;
}

/**
 * Σ measures over the closed deals of the days [fromDay, toDay], grouped by `groupBy` (dimension
 * columns and/or team_id); measures come back as numbers. One statement: the month rows of the
 * whole months and the day rows of the partial months at the edges, summed together.
 */
export async function sumLedger<F>(
  db: Db,
  spec: LedgerSpec<F>,
  filter: LedgerFilter,
  fromDay: number,
  toDay: number,
  groupBy: readonly string[],
): Promise<Row[]> {
  if (filter.teamIds !== null && filter.teamIds.length === 0) return [];
  const split = splitDays(fromDay, toDay);
  const sums = spec.measures.map((m) => sql<string>`sum(${sql.ref(m)})`.as(m));
  /** Σ measures of one bucket table inside `ranges`, per group (summed in each arm, so the union carries a few rows, not every day row). */
  const part = (table: string, bucket: 'month' | 'day', ranges: ReadonlyArray<{ from: number; to: number }>) => {
    let q = db
      .selectFrom(table)
      .select([...groupBy])
      .select(sums)
      .where((eb) => eb.or(ranges.map((r) => eb.between(bucket, r.from, r.to))));
    if (filter.teamIds !== null) q = q.where('team_id', 'in', [...filter.teamIds]);
    for (const [d, v] of Object.entries(filter.dims ?? {})) q = q.where(d, '=', v);
    if (groupBy.length > 0) q = q.groupBy([...groupBy]);
    return q;
  };
  const parts = [
    ...(split.months ? [part(spec.tables.month, 'month', [split.months])] : []),
    ...(split.days.length > 0 ? [part(spec.tables.day, 'day', split.days)] : []),
  ];
  const [first, second] = parts;
  if (!first) return [];
  let found: Row[];
  if (!second) found = (await first.execute()) as Row[];
  else {
    let q = db
      .selectFrom(first.unionAll(second).as('l'))
      .select([...groupBy])
      .select(sums);
    if (groupBy.length > 0) q = q.groupBy([...groupBy]);
    found = (await q.execute()) as Row[];
  }
  return found.map((row) => Object.fromEntries([...groupBy.map((g) => [g, row[g]]), ...spec.measures.map((m) => [m, num(row[m])])]));
}
