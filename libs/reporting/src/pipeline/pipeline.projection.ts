import { assertNever, OPEN_DEAL_STAGES, type OpenDealStage } from '@kam/kernel';
import { sql } from 'kysely';
import type { RecordedEvent } from '@kam/event-store';
import type { Projection, ProjectionContext, ReadDb, ReadTx } from '@kam/read-store';
import { dealIdsOf, handled } from '../kpis/common/events';
import { applyOrgEvent, createOrgTables, ORG_EVENT_TYPES, type OrgTables } from '../kpis/common/membership';
import { RowCache } from '../kpis/common/row-cache';
import { indexName, num, str, upsertRows, type Row } from '../kpis/common/sql';

/**
 * Open pipeline as it stood at any instant, so `pipeline(asOf)` sees the stage, value and owner of
 * asOf (a later DealValueRevised does not leak); the owner's team at asOf comes from the
 * membership intervals at query time.
 *
 * - `deals`: each deal's current state and since when it holds (`since`): the projection's own
 *   state, never read by a report.
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

const EVENT_TYPES = [
  ...ORG_EVENT_TYPES,
  'DealOpened',
  'DealStageChanged',
  'DealValueRevised',
  'DealReassigned',
  'DealWon',
  'DealLost',
] as const;

interface DealRow {
  repId: string;
  /** The open stage, or null once the deal is won or lost. */
  stage: OpenDealStage | null;
  valueMinor: number;
  /** Business time since when this state holds. */
  since: number;
}

export function pipelineOrgTables(table: (logical: string) => string): OrgTables {
  return { teams: table(PIPELINE_TABLES.teams), members: table(PIPELINE_TABLES.members) };
}

/** Stage index of each open stage in a measure vector (count at 2i, value at 2i + 1). */
const STAGE_INDEX: Readonly<Record<OpenDealStage, number>> = Object.fromEntries(OPEN_DEAL_STAGES.map((s, i) => [s, i])) as Record<
  OpenDealStage,
  number
>;

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

  constructor(private readonly table: string) {}

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
      const stored = await tx
        .selectFrom(this.table)
        .selectAll()
        .where('rep_id', '=', repId)
        .where(
          'changed_at',
          '>=',
          sql<number>`coalesce((select max(changed_at) from ${sql.table(this.table)} where rep_id = ${repId} and changed_at < ${first}), ${first})`,
        )
        .orderBy('changed_at')
        .execute();
      const old = new Map<number, Measures>(stored.map((r) => [num(r.changed_at), STEP_MEASURES.map((m) => num(r[m]))]));
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

export const pipelineProjection: Projection = {
  name: PIPELINE_PROJECTION_NAME,
  version: 2,
  tables: Object.values(PIPELINE_TABLES),
  eventTypes: EVENT_TYPES,

  async createTables(db: ReadDb, ctx: ProjectionContext): Promise<void> {
    await createOrgTables(db, pipelineOrgTables((l) => ctx.table(l)));
    const deals = ctx.table(PIPELINE_TABLES.deals);
    await db.schema
      .createTable(deals)
      .ifNotExists()
      .addColumn('deal_id', 'text', (c) => c.primaryKey())
      .addColumn('rep_id', 'text', (c) => c.notNull())
      .addColumn('is_open', 'integer', (c) => c.notNull())
      .addColumn('stage', 'text')
      .addColumn('value_minor', 'bigint', (c) => c.notNull())
      .addColumn('since', 'bigint', (c) => c.notNull())
      .execute();
    const steps = ctx.table(PIPELINE_TABLES.steps);
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

  async applyBatch(tx: ReadTx, events: readonly RecordedEvent[], ctx: ProjectionContext): Promise<void> {
    const org = pipelineOrgTables((l) => ctx.table(l));
    const deals = new RowCache<DealRow>(
      ctx.table(PIPELINE_TABLES.deals),
      'deal_id',
      (r) => ({
        repId: str(r.rep_id),
        stage: num(r.is_open) === 1 ? (str(r.stage) as OpenDealStage) : null,
        valueMinor: num(r.value_minor),
        since: num(r.since),
      }),
      (s) => ({ rep_id: s.repId, is_open: s.stage === null ? 0 : 1, stage: s.stage, value_minor: s.valueMinor, since: s.since }),
    );
    await deals.prefetch(tx, dealIdsOf(events));
    const steps = new StepBatch(ctx.table(PIPELINE_TABLES.steps));

    /** The deal's state changes at `at`: the owner's pipeline leaves the old state and enters the new one. */
    const change = async (dealId: string, at: number, next: DealRow): Promise<void> => {
      const previous = await deals.get(tx, dealId);
      // A deal stream's business time never goes back; a change at the same instant replaces the state.
      const since = Math.max(at, previous?.since ?? at);
      if (previous && previous.stage !== null) steps.add(previous.repId, since, previous.stage, -1, previous.valueMinor);
      if (next.stage !== null) steps.add(next.repId, since, next.stage, 1, next.valueMinor);
      deals.set(dealId, { ...next, since });
    };

    for (const raw of events) {
      const event = handled(raw, EVENT_TYPES);
      if (!event) continue;
      switch (event.type) {
        case 'TeamFormed':
        case 'RepHired':
        case 'RepTransferred':
        case 'RepOffboarded':
          await applyOrgEvent(tx, org, event);
          break;
        case 'DealOpened':
          await change(event.data.dealId, event.at, { repId: event.data.repId, stage: 'PROSPECTING', valueMinor: event.data.valueMinor, since: event.at });
          break;
        default: {
          const deal = await deals.get(tx, event.data.dealId);
          if (!deal || deal.stage === null) break; // unknown or closed deal: nothing open changes
          switch (event.type) {
            case 'DealStageChanged':
              await change(event.data.dealId, event.at, { ...deal, stage: event.data.stage });
              break;
            case 'DealValueRevised':
              await change(event.data.dealId, event.at, { ...deal, valueMinor: event.data.valueMinor });
              break;
            case 'DealReassigned':
              await change(event.data.dealId, event.at, { ...deal, repId: event.data.repId });
              break;
            case 'DealWon':
            case 'DealLost':
              await change(event.data.dealId, event.at, { ...deal, stage: null });
              break;
            default:
              assertNever(event);
          }
        }
      }
    }
    await deals.flush(tx);
    await steps.flush(tx);
  },
};
