import { assertNever } from '@kam/kernel';
import type { RecordedEvent } from '@kam/event-store';
import type { Projection, ProjectionContext, ReadDb, ReadTx } from '@kam/read-store';
import { dealIdsOf, handled } from './common/events';
import { createLedgerTables, LedgerBatch, type LedgerSpec } from './common/ledger';
import { applyOrgEvent, createOrgTables, ORG_EVENT_TYPES, type OrgTables } from './common/membership';
import { RowCache } from './common/row-cache';
import { indexName, num, str } from './common/sql';
import { monthIndexOf } from './common/time';

/**
 * The performance KPIs (product.md §3) of reps and teams: closed deals attributed to the owner
 * at close and the owner's team at close, pre-summed per rep per team per month (and per day for
 * the partial months at a period's edges), plus monthly quotas and membership intervals for the
 * prorated team quota. Open pipeline comes from the pipeline read model (state intervals).
 */
export const KPI_PROJECTION_NAME = 'report-kpis';

export const KPI_TABLES = {
  teams: 'rpt_kpi_teams',
  members: 'rpt_kpi_members',
  quotas: 'rpt_kpi_quotas',
  deals: 'rpt_kpi_deals',
  facts: 'rpt_kpi_facts',
  month: 'rpt_kpi_month',
  day: 'rpt_kpi_day',
} as const;

export const KPI_MEASURES = ['won_count', 'won_value', 'lost_count', 'lost_value', 'won_cycle_ms'] as const;

const EVENT_TYPES = [...ORG_EVENT_TYPES, 'RepQuotaSet', 'DealOpened', 'DealReassigned', 'DealWon', 'DealLost'] as const;

/** What a closed deal adds, kept with the fact so a re-attribution can move it. */
export interface KpiFact {
  outcome: 'WON' | 'LOST';
  /** Won value, or the deal value at loss. */
  valueMinor: number;
  /** closedAt − openedAt. */
  cycleMs: number;
}

interface DealRow {
  repId: string;
  openedAt: number;
  closed: boolean;
}

export function kpiOrgTables(table: (logical: string) => string): OrgTables {
  return { teams: table(KPI_TABLES.teams), members: table(KPI_TABLES.members) };
}

export function kpiLedger(table: (logical: string) => string): LedgerSpec<KpiFact> {
  return {
    tables: { facts: table(KPI_TABLES.facts), month: table(KPI_TABLES.month), day: table(KPI_TABLES.day) },
    members: table(KPI_TABLES.members),
    dims: ['rep_id'],
    measures: KPI_MEASURES,
    contributions: (fact, repId) => [
      {
        dims: { rep_id: repId },
        measures:
          fact.outcome === 'WON'
            ? { won_count: 1, won_value: fact.valueMinor, won_cycle_ms: fact.cycleMs }
            : { lost_count: 1, lost_value: fact.valueMinor },
      },
    ],
  };
}

export const kpiProjection: Projection = {
  name: KPI_PROJECTION_NAME,
  version: 1,
  tables: Object.values(KPI_TABLES),
  eventTypes: EVENT_TYPES,

  async createTables(db: ReadDb, ctx: ProjectionContext): Promise<void> {
    const table = (l: string) => ctx.table(l);
    await createOrgTables(db, kpiOrgTables(table));
    await createLedgerTables(db, kpiLedger(table));
    const quotas = table(KPI_TABLES.quotas);
    await db.schema
      .createTable(quotas)
      .ifNotExists()
      .addColumn('rep_id', 'text', (c) => c.notNull())
      .addColumn('month', 'integer', (c) => c.notNull())
      .addColumn('amount_minor', 'bigint', (c) => c.notNull())
      .addPrimaryKeyConstraint(indexName(quotas, 'pk'), ['rep_id', 'month'])
      .execute();
    await db.schema
      .createTable(table(KPI_TABLES.deals))
      .ifNotExists()
      .addColumn('deal_id', 'text', (c) => c.primaryKey())
      .addColumn('rep_id', 'text', (c) => c.notNull())
      .addColumn('opened_at', 'bigint', (c) => c.notNull())
      .addColumn('closed', 'integer', (c) => c.notNull())
      .execute();
  },

  async applyBatch(tx: ReadTx, events: readonly RecordedEvent[], ctx: ProjectionContext): Promise<void> {
    const table = (l: string) => ctx.table(l);
    const org = kpiOrgTables(table);
    const ledger = new LedgerBatch(kpiLedger(table));
    const deals = new RowCache<DealRow>(
      table(KPI_TABLES.deals),
      'deal_id',
      (r) => ({ repId: str(r.rep_id), openedAt: num(r.opened_at), closed: num(r.closed) === 1 }),
      (s) => ({ rep_id: s.repId, opened_at: s.openedAt, closed: s.closed ? 1 : 0 }),
    );
    await deals.prefetch(tx, dealIdsOf(events));

    for (const raw of events) {
      const event = handled(raw, EVENT_TYPES);
      if (!event) continue;
      switch (event.type) {
        case 'TeamFormed':
        case 'RepHired':
        case 'RepTransferred':
        case 'RepOffboarded': {
          const changed = await applyOrgEvent(tx, org, event);
          if (changed) await ledger.reattribute(tx, changed.repId, changed.since);
          break;
        }
        case 'RepQuotaSet':
          await tx
            .insertInto(table(KPI_TABLES.quotas))
            .values({ rep_id: event.data.repId, month: monthIndexOf(event.data.month), amount_minor: event.data.amountMinor })
            .onConflict((oc) => oc.columns(['rep_id', 'month']).doUpdateSet({ amount_minor: event.data.amountMinor }))
            .execute();
          break;
        case 'DealOpened':
          deals.set(event.data.dealId, { repId: event.data.repId, openedAt: event.at, closed: false });
          break;
        case 'DealReassigned': {
          const deal = await deals.get(tx, event.data.dealId);
          if (deal && !deal.closed) deals.set(event.data.dealId, { ...deal, repId: event.data.repId });
          break;
        }
        case 'DealWon':
        case 'DealLost': {
          const deal = await deals.get(tx, event.data.dealId);
          if (!deal || deal.closed) break;
          const fact: KpiFact =
            event.type === 'DealWon'
              ? { outcome: 'WON', valueMinor: event.data.wonValueMinor, cycleMs: event.at - deal.openedAt }
              : { outcome: 'LOST', valueMinor: event.data.valueMinor, cycleMs: event.at - deal.openedAt };
          await ledger.record(tx, event.data.dealId, deal.repId, event.at, fact);
          deals.set(event.data.dealId, { ...deal, closed: true });
          break;
        }
        default:
          assertNever(event);
      }
    }
    await deals.flush(tx);
    await ledger.flush(tx);
  },
};
