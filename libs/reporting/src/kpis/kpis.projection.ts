import type { ReadDb } from '@kam/read-store';
import type { LedgerSpec } from './common/ledger';
import type { OrgTables } from './common/membership';
import { orgTablesOf, reportProjection } from './common/report-projection';
import { indexName } from './common/sql';
import { replaceOnConflict } from './common/statements';
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

/** What a closed deal adds, kept with the fact so a re-attribution can move it. */
export interface KpiFact {
  outcome: 'WON' | 'LOST';
  /** Won value, or the deal value at loss. */
  valueMinor: number;
  /** closedAt − openedAt. */
  cycleMs: number;
}

interface KpiDeal {
  repId: string;
  openedAt: number;
}

export function kpiOrgTables(table: (logical: string) => string): OrgTables {
  return orgTablesOf(KPI_TABLES, table);
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

const QUOTA_COLUMNS = ['rep_id', 'month', 'amount_minor'];

export const kpiProjection = reportProjection<KpiDeal, KpiFact, never, 'RepQuotaSet'>({
  name: KPI_PROJECTION_NAME,
  version: 3,
  tables: KPI_TABLES,
  eventTypes: ['RepQuotaSet'],
  ledger: kpiLedger,

  async createTables(db: ReadDb, table) {
    const quotas = table(KPI_TABLES.quotas);
    await db.schema
      .createTable(quotas)
      .ifNotExists()
      .addColumn('rep_id', 'text', (c) => c.notNull())
      .addColumn('month', 'integer', (c) => c.notNull())
      .addColumn('amount_minor', 'bigint', (c) => c.notNull())
      .addPrimaryKeyConstraint(indexName(quotas, 'pk'), ['rep_id', 'month'])
      .execute();
  },

  fold(batch) {
    /** The last quota of each (rep, month) in the batch: one upsert per batch. */
    const quotas = new Map<string, unknown[]>();
    return {
      opened: (e) => ({ repId: e.data.repId, openedAt: e.at }),
      events: {
        RepQuotaSet: (e) => {
          const month = monthIndexOf(e.data.month);
          quotas.set(`${e.data.repId}|${month}`, [e.data.repId, month, e.data.amountMinor]);
        },
      },
      closed: (e, deal) => ({
        outcome: e.type === 'DealWon' ? 'WON' : 'LOST',
        valueMinor: e.type === 'DealWon' ? e.data.wonValueMinor : e.data.valueMinor,
        cycleMs: e.at - deal.openedAt,
      }),
      flush: async () => {
        const table = batch.table(KPI_TABLES.quotas);
        await batch.sql.insert(table, QUOTA_COLUMNS, [...quotas.values()], replaceOnConflict(['rep_id', 'month'], QUOTA_COLUMNS));
      },
    };
  },
});
