import { sql } from 'kysely';
import { num, type Db, type Row } from './sql';
import { splitDays } from './time';

/**
 * A ledger of closed deals attributed to the team their owner was in when they closed, with
 * additive measures pre-summed per calendar month and per day:
 *
 * - `facts`: one row per closed deal (deal, owner, team at close, closedAt, the projection's
 *   payload as JSON). Read only to re-attribute a rep's deals when a membership event arrives;
 *   never by a report.
 * - `month` / `day`: Σ measures per (team_id, month | day, dimensions…). A report over a period
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
