import { DEAL_STAGES, type DealStage, type OpenDealStage } from '@kam/kernel';
import type { OrgTables } from '../kpis/common/membership';
import { orgTablesOf, reportProjection } from '../kpis/common/report-projection';
import { withoutRowid } from '../kpis/common/statements';
import { indexName } from '../kpis/common/sql';
import { OPEN_END } from '../kpis/common/time';

/**
 * Stage funnel: every stay of a deal in an open stage (entered at, left at, owner when it
 * entered) and whether the deal later reached a later stage or WON (`advanced`, set on the
 * earlier stays when the deal moves forward). Counts of distinct deals do not add up across
 * months, so this read model keeps one row per stay, not per-month sums.
 *
 * A stay that can no longer change (advanced, or its deal closed) is in `stays`, keyed (rep_id,
 * entered_at, deal_id, seq), the order the report reads them in, and only ever inserted there (at
 * the end of each rep's range). The stays of open deals that may still change are in `open_stays`,
 * which holds only those, so the updates of a batch touch a small table instead of pages all over
 * the large one. The report reads both.
 */
export const FUNNEL_PROJECTION_NAME = 'report-funnel';

export const FUNNEL_TABLES = {
  teams: 'rpt_fun_teams',
  members: 'rpt_fun_members',
  deals: 'rpt_fun_deals',
  stays: 'rpt_fun_stays',
  openStays: 'rpt_fun_open_stays',
} as const;

/** PROSPECTING 0 … NEGOTIATION 3, WON 4: "later" means a higher rank. */
export function stageRank(stage: DealStage): number {
  return DEAL_STAGES.indexOf(stage);
}

interface Stay {
  seq: number;
  stage: OpenDealStage;
  repId: string;
  enteredAt: number;
  leftAt: number;
  advanced: boolean;
}

interface FunnelDeal {
  repId: string;
  /** Sequence number of the current stay. */
  seq: number;
  /** The deal's stays not yet advanced (the current one included): the ones that may still change. */
  stays: Stay[];
}

export function funnelOrgTables(table: (logical: string) => string): OrgTables {
  return orgTablesOf(FUNNEL_TABLES, table);
}

const STAY_COLUMNS = ['rep_id', 'entered_at', 'deal_id', 'seq', 'stage', 'stage_rank', 'left_at', 'advanced'];
const STAY_KEY = STAY_COLUMNS.slice(0, 4);

export const funnelProjection = reportProjection<FunnelDeal, never, 'DealStageChanged'>({
  name: FUNNEL_PROJECTION_NAME,
  version: 2,
  tables: FUNNEL_TABLES,
  dealEventTypes: ['DealStageChanged'],

  async createTables(db, table, ctx) {
    for (const [logical, key] of [
      [FUNNEL_TABLES.stays, STAY_KEY],
      [FUNNEL_TABLES.openStays, ['deal_id', 'seq']],
    ] as const) {
      const name = table(logical);
      await db.schema
        .createTable(name)
        .ifNotExists()
        .addColumn('rep_id', 'text', (c) => c.notNull())
        .addColumn('entered_at', 'bigint', (c) => c.notNull())
        .addColumn('deal_id', 'text', (c) => c.notNull())
        .addColumn('seq', 'integer', (c) => c.notNull())
        .addColumn('stage', 'text', (c) => c.notNull())
        .addColumn('stage_rank', 'integer', (c) => c.notNull())
        .addColumn('left_at', 'bigint', (c) => c.notNull())
        .addColumn('advanced', 'integer', (c) => c.notNull())
        .addPrimaryKeyConstraint(indexName(name, 'pk'), key as never[])
        .modifyEnd(withoutRowid(ctx.dialect))
        .execute();
    }
  },

  fold(batch) {
    const row = (dealId: string, s: Stay) => [
      s.repId,
      s.enteredAt,
      dealId,
      s.seq,
      s.stage,
      stageRank(s.stage),
      s.leftAt,
      s.advanced ? 1 : 0,
    ];
    /** The deals whose stays changed in the batch, with their state after it (null: closed). */
    const touched = new Map<string, FunnelDeal | null>();
    /** Deals opened in the batch: none of their stays is stored yet. */
    const openedHere = new Set<string>();
    /** Stays that became final in the batch (advanced, or their deal closed); each once, as a deal's state holds only stays not yet final. */
    const final: unknown[][] = [];
    const done = (dealId: string, stay: Stay) => final.push(row(dealId, stay));
    const leave = (deal: FunnelDeal, at: number) => {
      const stay = deal.stays.find((s) => s.seq === deal.seq);
      if (stay) stay.leftAt = at;
    };
    /** The deal reached `stage`: every earlier stay in a lower stage advanced (and will not change again). */
    const reached = (dealId: string, deal: FunnelDeal, stage: DealStage): Stay[] => {
      const rank = stageRank(stage);
      for (const stay of deal.stays) {
        if (stageRank(stay.stage) < rank) {
          stay.advanced = true;
          done(dealId, stay);
        }
      }
      return deal.stays.filter((s) => !s.advanced);
    };
    const enter = (seq: number, stage: OpenDealStage, repId: string, at: number): Stay => ({
      seq,
      stage,
      repId,
      enteredAt: at,
      leftAt: OPEN_END,
      advanced: false,
    });
    return {
      opened: (e) => {
        const deal = { repId: e.data.repId, seq: 1, stays: [enter(1, 'PROSPECTING', e.data.repId, e.at)] };
        touched.set(e.data.dealId, deal);
        openedHere.add(e.data.dealId);
        return deal;
      },
      deal: {
        DealStageChanged: (e, deal) => {
          const dealId = e.data.dealId;
          leave(deal, e.at);
          // A stay belongs to the owner who brought the deal into it.
          const next = enter(deal.seq + 1, e.data.stage, deal.repId, e.at);
          const after = { ...deal, seq: deal.seq + 1, stays: [...reached(dealId, deal, e.data.stage), next] };
          touched.set(dealId, after);
          return after;
        },
      },
      closed: (e, deal) => {
        leave(deal, e.at);
        const rest = e.type === 'DealWon' ? reached(e.data.dealId, deal, 'WON') : deal.stays;
        for (const stay of rest) done(e.data.dealId, stay);
        touched.set(e.data.dealId, null);
      },
      flush: async () => {
        // The open stays of every touched deal are replaced by what is left open after the batch.
        const openStays = batch.table(FUNNEL_TABLES.openStays);
        await batch.sql.deleteIn(
          openStays,
          'deal_id',
          [...touched.keys()].filter((id) => !openedHere.has(id)),
        );
        const open = [...touched].flatMap(([dealId, deal]) =>
          deal ? deal.stays.map((s) => row(dealId, s)) : [],
        );
        await batch.sql.insert(openStays, STAY_COLUMNS, open);
        await batch.sql.insert(batch.table(FUNNEL_TABLES.stays), STAY_COLUMNS, final);
      },
    };
  },
});
