import { OPEN_DEAL_STAGES, type OpenDealStage } from '@kam/kernel';
import { sql } from 'kysely';
import type { ReadTx } from '@kam/read-store';
import type { OrgTables } from '../kpis/common/membership';
import { orgTablesOf, reportProjection } from '../kpis/common/report-projection';
import { indexName, num, upsertRows, type Row } from '../kpis/common/sql';
import type { Statements } from '../kpis/common/statements';

/**
 * Open pipeline as it stood at any instant, so `pipeline(asOf)` sees the stage, value and owner of
 * asOf (a later DealValueRevised does not leak); the owner's team at asOf comes from the
 * membership intervals at query time.
 *
 * - `deals`: each open deal's current state and since when it holds (`since`): the projection's
 *   own state (report-projection.ts), never read by a report.
 * - `steps`: each rep's open pipeline as a step function of business time. A row (rep_id,
 *   changed_at) holds, per open stage, the count and Σ value of the deals the rep owned and that
 *   were open in that stage just after every change at or before `changed_at`; it holds until the
 *   rep's next row. "Open at t" for a rep is then the rep's last row at or before t: one index
 *   seek per rep, exact for every instant (not only day boundaries), whatever the period.
 *
 * A change dated before later rows of the rep (business time out of log order: history import,
 * a deal stream whose time runs behind another's) adds its delta to those later rows as well, so
 * the rows are always those a replay in business order would give.
 */
export const PIPELINE_PROJECTION_NAME = 'report-pipeline';

export const PIPELINE_TABLES = {
  teams: 'rpt_pipe_teams',
  members: 'rpt_pipe_members',
  deals: 'rpt_pipe_deals',
  steps: 'rpt_pipe_steps',
} as const;

/** The `steps` columns of one open stage: number of deals and Σ value (minor units). */
export function stepColumns(stage: OpenDealStage): { count: string; value: string } {
  const key = stage.toLowerCase();
  return { count: `${key}_count`, value: `${key}_value` };
}

/** Every measure column of `steps`, stage by stage (count, value). */
export const STEP_MEASURES: readonly string[] = OPEN_DEAL_STAGES.flatMap((s) => {
  const c = stepColumns(s);
  return [c.count, c.value];
});

interface PipelineDeal {
  repId: string;
  stage: OpenDealStage;
  valueMinor: number;
  /** Business time since when this state holds. */
  since: number;
}

export function pipelineOrgTables(table: (logical: string) => string): OrgTables {
  return orgTablesOf(PIPELINE_TABLES, table);
}

/** Stage index of each open stage in a measure vector (count at 2i, value at 2i + 1). */
const STAGE_INDEX: Readonly<Record<OpenDealStage, number>> = Object.fromEntries(
  OPEN_DEAL_STAGES.map((s, i) => [s, i]),
) as Record<OpenDealStage, number>;

/** The change of one rep's open pipeline at one instant, as a vector over STEP_MEASURES. */
type Measures = number[];

const zeros = (): Measures => STEP_MEASURES.map(() => 0);

/**
 * The deltas of one batch, per rep and instant, merged into the stored step rows by `flush`: per
 * touched rep one read (its last row before the batch's earliest change and every row from that
 * change on; in log order that is one row) and one upsert of the rows that change.
 */
class StepBatch {
  private readonly deltas = new Map<string, Map<number, Measures>>();

  constructor(
    private readonly table: string,
    private readonly sql: Statements,
  ) {}

  add(repId: string, at: number, stage: OpenDealStage, count: 1 | -1, valueMinor: number): void {
    let byTime = this.deltas.get(repId);
    if (!byTime) {
      byTime = new Map();
      this.deltas.set(repId, byTime);
    }
    let delta = byTime.get(at);
    if (!delta) {
      delta = zeros();
      byTime.set(at, delta);
    }
    const i = STAGE_INDEX[stage];
    delta[2 * i] = (delta[2 * i] ?? 0) + count;
    delta[2 * i + 1] = (delta[2 * i + 1] ?? 0) + count * valueMinor;
  }

  async flush(tx: ReadTx): Promise<void> {
    const out: Row[] = [];
    for (const [repId, byTime] of this.deltas) {
      const times = [...byTime.keys()].sort((a, b) => a - b);
      const first = times[0];
      if (first === undefined) continue;
      // The rep's row in force just before `first` (the base) and every row from `first` on.
      // A statement text built once (Statements), not through the query builder: one per touched rep per batch.
      const stored = await this.sql.all(
        `select * from "${this.table}" where rep_id = ? and changed_at >= ` +
          `coalesce((select max(changed_at) from "${this.table}" where rep_id = ? and changed_at < ?), ?) order by changed_at`,
        [repId, repId, first, first],
      );
      const old = new Map<number, Measures>(
        stored.map((r) => [num(r.changed_at), STEP_MEASURES.map((m) => num(r[m]))]),
      );
      const all = [...new Set([...old.keys(), ...times])].sort((a, b) => a - b);
      let before = zeros();
      const added = zeros();
      for (const at of all) {
        const previous = old.get(at);
        if (previous) before = previous;
        const delta = byTime.get(at);
        if (!delta) {
          if (at < first) continue; // the base row itself
          if (added.every((v) => v === 0)) continue; // nothing changes from here on
        } else {
          for (let k = 0; k < added.length; k++) added[k] = (added[k] ?? 0) + (delta[k] ?? 0);
        }
        const row: Row = { rep_id: repId, changed_at: at };
        STEP_MEASURES.forEach((m, k) => (row[m] = (before[k] ?? 0) + (added[k] ?? 0)));
        out.push(row);
      }
    }
    await upsertRows(tx, this.table, ['rep_id', 'changed_at'], out);
    this.deltas.clear();
  }
}

export const pipelineProjection = reportProjection<
  PipelineDeal,
  never,
  'DealStageChanged' | 'DealValueRevised'
>({
  name: PIPELINE_PROJECTION_NAME,
  version: 3,
  tables: PIPELINE_TABLES,
  dealEventTypes: ['DealStageChanged', 'DealValueRevised'],

  async createTables(db, table, ctx) {
    const steps = table(PIPELINE_TABLES.steps);
    let builder = db.schema
      .createTable(steps)
      .ifNotExists()
      .addColumn('rep_id', 'text', (c) => c.notNull())
      .addColumn('changed_at', 'bigint', (c) => c.notNull());
    for (const m of STEP_MEASURES) builder = builder.addColumn(m, 'bigint', (c) => c.notNull());
    builder = builder.addPrimaryKeyConstraint(indexName(steps, 'pk'), ['rep_id', 'changed_at'] as never[]);
    // On SQLite the rows live in the key's b-tree: "last row at or before t" is one seek, no rowid lookup.
    if (ctx.dialect === 'sqlite') builder = builder.modifyEnd(sql`without rowid`);
    await builder.execute();
  },

  fold(batch) {
    const steps = new StepBatch(batch.table(PIPELINE_TABLES.steps), batch.sql);
    /** When a change at `at` takes effect: a deal stream's business time never goes back; a change at the same instant replaces the state. */
    const sinceOf = (deal: PipelineDeal, at: number) => Math.max(at, deal.since);
    /** The deal's state changes at `at`: the owner's pipeline leaves the old state and enters the new one. */
    const change = (deal: PipelineDeal, at: number, next: Omit<PipelineDeal, 'since'>): PipelineDeal => {
      const since = sinceOf(deal, at);
      steps.add(deal.repId, since, deal.stage, -1, deal.valueMinor);
      steps.add(next.repId, since, next.stage, 1, next.valueMinor);
      return { ...next, since };
    };
    return {
      opened: (e) => {
        steps.add(e.data.repId, e.at, 'PROSPECTING', 1, e.data.valueMinor);
        return { repId: e.data.repId, stage: 'PROSPECTING', valueMinor: e.data.valueMinor, since: e.at };
      },
      reassigned: (e, deal) => change(deal, e.at, { ...deal, repId: e.data.repId }),
      deal: {
        DealStageChanged: (e, deal) => change(deal, e.at, { ...deal, stage: e.data.stage }),
        DealValueRevised: (e, deal) => change(deal, e.at, { ...deal, valueMinor: e.data.valueMinor }),
      },
      closed: (e, deal) => {
        // Won or lost: the deal leaves its owner's open pipeline.
        steps.add(deal.repId, sinceOf(deal, e.at), deal.stage, -1, deal.valueMinor);
      },
      flush: () => steps.flush(batch.tx),
    };
  },
});
