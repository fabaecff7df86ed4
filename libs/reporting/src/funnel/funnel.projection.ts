import { assertNever, DEAL_STAGES, type DealStage, type OpenDealStage } from '@kam/kernel';
import type { RecordedEvent } from '@kam/event-store';
import type { Projection, ProjectionContext, ReadDb, ReadTx } from '@kam/read-store';
import { dealIdsOf, handled } from '../kpis/common/events';
import { applyOrgEvent, createOrgTables, ORG_EVENT_TYPES, type OrgTables } from '../kpis/common/membership';
import { RowCache } from '../kpis/common/row-cache';
import { chunks, indexName, num, str } from '../kpis/common/sql';
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

    // Stays are folded in memory and written once per batch: per deal touched, at most one UPDATE
    // closing its stored open stay and one marking its stored stays advanced; new stays go in
    // multi-row inserts.
    interface Stay {
      dealId: string;
      seq: number;
      stage: OpenDealStage;
      repId: string;
      enteredAt: number;
      leftAt: number;
      advanced: boolean;
    }
    const fresh = new Map<string, Stay[]>();
    const storedCloses = new Map<string, { seq: number; at: number }>();
    /** Highest stage rank each deal reached in the batch (stored stays below it advanced). */
    const reachedRank = new Map<string, number>();

    const enter = (dealId: string, seq: number, stage: OpenDealStage, repId: string, at: number) => {
      const list = fresh.get(dealId) ?? [];
      list.push({ dealId, seq, stage, repId, enteredAt: at, leftAt: OPEN_END, advanced: false });
      fresh.set(dealId, list);
    };
    const leave = (dealId: string, seq: number, at: number) => {
      const stay = fresh.get(dealId)?.find((s) => s.seq === seq);
      if (stay) stay.leftAt = at;
      else storedCloses.set(dealId, { seq, at });
    };
    /** The deal reached `stage`: every earlier stay in a lower stage advanced. */
    const reached = (dealId: string, stage: DealStage) => {
      const rank = stageRank(stage);
      for (const stay of fresh.get(dealId) ?? []) if (stageRank(stay.stage) < rank) stay.advanced = true;
      reachedRank.set(dealId, Math.max(rank, reachedRank.get(dealId) ?? -1));
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
          enter(event.data.dealId, 1, 'PROSPECTING', event.data.repId, event.at);
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
              leave(event.data.dealId, deal.seq, event.at);
              enter(event.data.dealId, deal.seq + 1, event.data.stage, deal.repId, event.at);
              reached(event.data.dealId, event.data.stage);
              deals.set(event.data.dealId, { ...deal, seq: deal.seq + 1 });
              break;
            case 'DealWon':
            case 'DealLost':
              leave(event.data.dealId, deal.seq, event.at);
              if (event.type === 'DealWon') reached(event.data.dealId, 'WON');
              deals.set(event.data.dealId, { ...deal, closed: true });
              break;
            default:
              assertNever(event);
          }
        }
      }
    }
    await deals.flush(tx);
    for (const [dealId, close] of storedCloses) {
      await tx.updateTable(stays).set({ left_at: close.at }).where('deal_id', '=', dealId).where('seq', '=', close.seq).execute();
    }
    for (const [dealId, rank] of reachedRank) {
      await tx
        .updateTable(stays)
        .set({ advanced: 1 })
        .where('deal_id', '=', dealId)
        .where('stage_rank', '<', rank)
        .where('advanced', '=', 0)
        .execute();
    }
    const rows = [...fresh.values()].flat().map((s) => ({
      deal_id: s.dealId,
      seq: s.seq,
      stage: s.stage,
      stage_rank: stageRank(s.stage),
      rep_id: s.repId,
      entered_at: s.enteredAt,
      left_at: s.leftAt,
      advanced: s.advanced ? 1 : 0,
    }));
    for (const chunk of chunks(rows)) await tx.insertInto(stays).values(chunk).execute();
  },
};
