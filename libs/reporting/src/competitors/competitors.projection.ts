import type { LedgerSpec } from '../kpis/common/ledger';
import type { OrgTables } from '../kpis/common/membership';
import { orgTablesOf, reportProjection } from '../kpis/common/report-projection';

/**
 * Competitors: for every deal closed, each competitor recorded on it gets a won-against or a
 * lost-while-on, and the one named by DealLost a lost-to with the deal's value; pre-summed per
 * (competitor, owner's team at close) per month and day. Competitors group case-insensitively
 * (as the deal decider compares them) and show the first spelling ever recorded.
 */
export const COMPETITOR_PROJECTION_NAME = 'report-competitors';

export const COMPETITOR_TABLES = {
  teams: 'rpt_cmp_teams',
  members: 'rpt_cmp_members',
  names: 'rpt_cmp_names',
  deals: 'rpt_cmp_deals',
  facts: 'rpt_cmp_facts',
  month: 'rpt_cmp_month',
  day: 'rpt_cmp_day',
} as const;

export interface CompetitorFact {
  outcome: 'WON' | 'LOST';
  /** Keys of the competitors recorded on the deal. */
  competitors: string[];
  /** Key of DealLost.competitor. */
  lostTo: string | null;
  /** Deal value at loss (lost deals). */
  valueMinor: number;
}

interface CompetitorDeal {
  repId: string;
  /** Keys of the competitors recorded so far. */
  competitors: string[];
}

/** The grouping key of a competitor name: trimmed, inner whitespace collapsed, lower case. */
export function competitorKey(name: string): string {
  return name.trim().replace(/\s+/g, ' ').toLowerCase();
}

export function competitorOrgTables(table: (logical: string) => string): OrgTables {
  return orgTablesOf(COMPETITOR_TABLES, table);
}

export function competitorLedger(table: (logical: string) => string): LedgerSpec<CompetitorFact> {
  return {
    tables: { facts: table(COMPETITOR_TABLES.facts), month: table(COMPETITOR_TABLES.month), day: table(COMPETITOR_TABLES.day) },
    members: table(COMPETITOR_TABLES.members),
    dims: ['competitor_key'],
    measures: ['won_against', 'lost_on', 'lost_to', 'value_lost_to'],
    contributions: (fact) =>
      fact.competitors.map((key) => ({
        dims: { competitor_key: key },
        measures:
          fact.outcome === 'WON'
            ? { won_against: 1 }
            : key === fact.lostTo
              ? { lost_on: 1, lost_to: 1, value_lost_to: fact.valueMinor }
              : { lost_on: 1 },
      })),
  };
}

const withKey = (list: string[], key: string) => (list.includes(key) ? list : [...list, key]);

export const competitorProjection = reportProjection<CompetitorDeal, CompetitorFact, 'CompetitorRecorded'>({
  name: COMPETITOR_PROJECTION_NAME,
  version: 3,
  tables: COMPETITOR_TABLES,
  dealEventTypes: ['CompetitorRecorded'],
  ledger: competitorLedger,

  async createTables(db, table) {
    await db.schema
      .createTable(table(COMPETITOR_TABLES.names))
      .ifNotExists()
      .addColumn('competitor_key', 'text', (c) => c.primaryKey())
      .addColumn('name', 'text', (c) => c.notNull())
      .execute();
  },

  fold(batch) {
    /** The first spelling of each competitor met in the batch (a stored one is kept: do nothing on conflict). */
    const names = new Map<string, string>();
    const remember = (name: string): string => {
      const key = competitorKey(name);
      if (!names.has(key)) names.set(key, name.trim());
      return key;
    };
    return {
      opened: (e) => ({ repId: e.data.repId, competitors: [] }),
      deal: {
        CompetitorRecorded: (e, deal) => ({ ...deal, competitors: withKey(deal.competitors, remember(e.data.competitor)) }),
      },
      closed: (e, deal) => {
        let fact: CompetitorFact;
        if (e.type === 'DealWon') {
          fact = { outcome: 'WON', competitors: deal.competitors, lostTo: null, valueMinor: 0 };
        } else {
          // The decider records an unknown competitor named at loss first; this is a guard.
          const lostTo = e.data.competitor === null ? null : remember(e.data.competitor);
          const competitors = lostTo === null ? deal.competitors : withKey(deal.competitors, lostTo);
          fact = { outcome: 'LOST', competitors, lostTo, valueMinor: e.data.valueMinor };
        }
        return fact.competitors.length > 0 ? fact : null;
      },
      flush: () =>
        batch.sql.insert(batch.table(COMPETITOR_TABLES.names), ['competitor_key', 'name'], [...names], 'on conflict (competitor_key) do nothing'),
    };
  },
});
