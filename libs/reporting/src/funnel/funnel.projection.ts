import { sql } from 'kysely';
import { DEAL_STAGES, type DealStage, type OpenDealStage } from '@kam/kernel';
import type { OrgTables } from '../kpis/common/membership';
import { orgTablesOf, reportProjection } from '../kpis/common/report-projection';
import { indexName } from '../kpis/common/sql';
import { OPEN_END } from '../kpis/common/time';

/**
 * Stage funnel: every stay of a deal in an open stage (entered at, left at, owner when it
 * entered) and whether the deal later reached a later stage or WON (`advanced`, set on the
 * earlier stays when the deal moves forward). Counts of distinct deals do not add up across
 * months, so this read model keeps one row per stay, not per-month sums.
 *
 * Stays are keyed (rep_id, entered_at, deal_id, seq), the order the report reads them in (a rep's
 * stays begun in a period); an open deal's state keeps the stays that may still change (not yet
 * advanced), so a batch writes each changed stay once by its key and never searches for them.
 */
export const FUNNEL_PROJECTION_NAME = 'report-funnel';

export const FUNNEL_TABLES = {
  teams: 'rpt_fun_teams',
  members: 'rpt_fun_members',
  deals: 'rpt_fun_deals',
  stays: 'rpt_fun_stays',
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
    const stays = table(FUNNEL_TABLES.stays);
    await db.schema
      .createTable(stays)
      .ifNotExists()
      .addColumn('rep_id', 'text', (c) => c.notNull())
      .addColumn('entered_at', 'bigint', (c) => c.notNull())
      .addColumn('deal_id', 'text', (c) => c.notNull())
      .addColumn('seq', 'integer', (c) => c.notNull())
      .addColumn('stage', 'text', (c) => c.notNull())
      .addColumn('stage_rank', 'integer', (c) => c.notNull())
      .addColumn('left_at', 'bigint', (c) => c.notNull())
      .addColumn('advanced', 'integer', (c) => c.notNull())
      .addPrimaryKeyConstraint(indexName(stays, 'pk'), STAY_KEY as never[])
      .modifyEnd(ctx.dialect === 'sqlite' ? sql`without rowid` : sql``)
      .execute();
  },

  fold(batch) {
    /** Stays changed in the batch, by deal and seq: each written once, at the end. */
    const changed = new Map<string, { dealId: string; stay: Stay }>();
    const touch = (dealId: string, stay: Stay) => changed.set(`${dealId}|${stay.seq}`, { dealId, stay });
    const leave = (dealId: string, deal: FunnelDeal, at: number) => {
      const stay = deal.stays.find((s) => s.seq === deal.seq);
      if (stay) {
        stay.leftAt = at;
        touch(dealId, stay);
      }
    };
    /** The deal reached `stage`: every earlier stay in a lower stage advanced (and will not change again). */
    const reached = (dealId: string, deal: FunnelDeal, stage: DealStage): Stay[] => {
      const rank = stageRank(stage);
      for (const stay of deal.stays) {
        if (stageRank(stay.stage) < rank) {
          stay.advanced = true;
          touch(dealId, stay);
        }
      }
      return deal.stays.filter((s) => !s.advanced);
    };
    const enter = (dealId: string, seq: number, stage: OpenDealStage, repId: string, at: number): Stay => {
      const stay: Stay = { seq, stage, repId, enteredAt: at, leftAt: OPEN_END, advanced: false };
      touch(dealId, stay);
      return stay;
    };
    return {
      opened: (e) => ({ repId: e.data.repId, seq: 1, stays: [enter(e.data.dealId, 1, 'PROSPECTING', e.data.repId, e.at)] }),
      deal: {
        DealStageChanged: (e, deal) => {
          const dealId = e.data.dealId;
          leave(dealId, deal, e.at);
          // A stay belongs to the owner who brought the deal into it.
          const next = enter(dealId, deal.seq + 1, e.data.stage, deal.repId, e.at);
          const stays = [...reached(dealId, deal, e.data.stage), next];
          return { ...deal, seq: deal.seq + 1, stays };
        },
      },
      closed: (e, deal) => {
        leave(e.data.dealId, deal, e.at);
        if (e.type === 'DealWon') reached(e.data.dealId, deal, 'WON');
      },
      flush: () => {
        const rows = [...changed.values()].map(({ dealId, stay: s }) => [
          s.repId,
          s.enteredAt,
          dealId,
          s.seq,
          s.stage,
          stageRank(s.stage),
          s.leftAt,
          s.advanced ? 1 : 0,
        ]);
        return batch.sql.insert(
          batch.table(FUNNEL_TABLES.stays),
          STAY_COLUMNS,
          rows,
          `on conflict (${STAY_KEY.join(', ')}) do update set left_at = excluded.left_at, advanced = excluded.advanced`,
        );
      },
    };
  },
});
