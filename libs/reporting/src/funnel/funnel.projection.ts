import { assertNever, DEAL_STAGES, type DealStage, type OpenDealStage } from '@kam/kernel';
import type { RecordedEvent } from '@kam/event-store';
import type { Projection, ProjectionContext, ReadDb, ReadTx } from '@kam/read-store';
import { dealIdsOf, handled } from '../kpis/common/events';
import { applyOrgEvent, createOrgTables, ORG_EVENT_TYPES, type OrgTables } from '../kpis/common/membership';
import { RowCache } from '../kpis/common/row-cache';
import { indexName, num, str } from '../kpis/common/sql';
import { OPEN_END } from '../kpis/common/time';

/**
 * Stage funnel: every stay of a deal in an open stage (entered at, left at, owner when it
 * entered) and whether the deal later reached a later stage or WON (`advanced`, set on the
 * earlier stays when the deal moves forward). Counts of distinct deals do not add up across
 * months, so this read model keeps one row per stay, not per-month sums.
 */
export const FUNNEL_PROJECTION_NAME = 'report-funnel';

export const FUNNEL_TABLES = {
  teams: 'rpt_fun_teams',
  members: 'rpt_fun_members',
  deals: 'rpt_fun_deals',
  stays: 'rpt_fun_stays',
} as const;

const EVENT_TYPES = [...ORG_EVENT_TYPES, 'DealOpened', 'DealStageChanged', 'DealReassigned', 'DealWon', 'DealLost'] as const;

/** PROSPECTING 0 … NEGOTIATION 3, WON 4: "later" means a higher rank. */
export function stageRank(stage: DealStage): number {
  return DEAL_STAGES.indexOf(stage);
}

interface DealRow {
  repId: string;
  /** Sequence number of the current stay (0: closed deal). */
  seq: number;
  closed: boolean;
}

export function funnelOrgTables(table: (logical: string) => string): OrgTables {
  return { teams: table(FUNNEL_TABLES.teams), members: table(FUNNEL_TABLES.members) };
}

export const funnelProjection: Projection = {
  name: FUNNEL_PROJECTION_NAME,
  version: 1,
  tables: Object.values(FUNNEL_TABLES),
  eventTypes: EVENT_TYPES,

  async createTables(db: ReadDb, ctx: ProjectionContext): Promise<void> {
    const table = (l: string) => ctx.table(l);
    await createOrgTables(db, funnelOrgTables(table));
    await db.schema
      .createTable(table(FUNNEL_TABLES.deals))
      .ifNotExists()
      .addColumn('deal_id', 'text', (c) => c.primaryKey())
      .addColumn('rep_id', 'text', (c) => c.notNull())
      .addColumn('seq', 'integer', (c) => c.notNull())
      .addColumn('closed', 'integer', (c) => c.notNull())
      .execute();
    const stays = table(FUNNEL_TABLES.stays);
    await db.schema
      .createTable(stays)
      .ifNotExists()
      .addColumn('deal_id', 'text', (c) => c.notNull())
      .addColumn('seq', 'integer', (c) => c.notNull())
      .addColumn('stage', 'text', (c) => c.notNull())
      .addColumn('stage_rank', 'integer', (c) => c.notNull())
      .addColumn('rep_id', 'text', (c) => c.notNull())
      .addColumn('entered_at', 'bigint', (c) => c.notNull())
      .addColumn('left_at', 'bigint', (c) => c.notNull())
      .addColumn('advanced', 'integer', (c) => c.notNull())
      .addPrimaryKeyConstraint(indexName(stays, 'pk'), ['deal_id', 'seq'])
      .execute();
    await db.schema.createIndex(indexName(stays, 'rep')).ifNotExists().on(stays).columns(['rep_id', 'entered_at']).execute();
  },

  async applyBatch(tx: ReadTx, events: readonly RecordedEvent[], ctx: ProjectionContext): Promise<void> {
    const table = (l: string) => ctx.table(l);
    const org = funnelOrgTables(table);
    const stays = table(FUNNEL_TABLES.stays);
    const deals = new RowCache<DealRow>(
      table(FUNNEL_TABLES.deals),
      'deal_id',
      (r) => ({ repId: str(r.rep_id), seq: num(r.seq), closed: num(r.closed) === 1 }),
      (s) => ({ rep_id: s.repId, seq: s.seq, closed: s.closed ? 1 : 0 }),
    );
    await deals.prefetch(tx, dealIdsOf(events));

    const enter = (dealId: string, seq: number, stage: OpenDealStage, repId: string, at: number) =>
      tx
        .insertInto(stays)
        .values({ deal_id: dealId, seq, stage, stage_rank: stageRank(stage), rep_id: repId, entered_at: at, left_at: OPEN_END, advanced: 0 })
        .execute();
    const leave = (dealId: string, seq: number, at: number) =>
      tx.updateTable(stays).set({ left_at: at }).where('deal_id', '=', dealId).where('seq', '=', seq).execute();
    /** The deal reached `stage`: every earlier stay in a lower stage advanced. */
    const reached = (dealId: string, stage: DealStage) =>
      tx
        .updateTable(stays)
        .set({ advanced: 1 })
        .where('deal_id', '=', dealId)
        .where('stage_rank', '<', stageRank(stage))
        .where('advanced', '=', 0)
        .execute();

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
          await enter(event.data.dealId, 1, 'PROSPECTING', event.data.repId, event.at);
          deals.set(event.data.dealId, { repId: event.data.repId, seq: 1, closed: false });
          break;
        default: {
          const deal = await deals.get(tx, event.data.dealId);
          if (!deal || deal.closed) break;
          switch (event.type) {
            case 'DealReassigned':
              // A stay belongs to the owner who brought the deal into it; the next stays to the new one.
              deals.set(event.data.dealId, { ...deal, repId: event.data.repId });
              break;
            case 'DealStageChanged':
              await leave(event.data.dealId, deal.seq, event.at);
              await enter(event.data.dealId, deal.seq + 1, event.data.stage, deal.repId, event.at);
              await reached(event.data.dealId, event.data.stage);
              deals.set(event.data.dealId, { ...deal, seq: deal.seq + 1 });
              break;
            case 'DealWon':
            case 'DealLost':
              await leave(event.data.dealId, deal.seq, event.at);
              if (event.type === 'DealWon') await reached(event.data.dealId, 'WON');
              deals.set(event.data.dealId, { ...deal, closed: true });
              break;
            default:
              assertNever(event);
          }
        }
      }
    }
    await deals.flush(tx);
  },
};
