import { assertNever } from '@kam/kernel';
import type { RecordedEvent } from '@kam/event-store';
import type { Projection, ProjectionContext, ReadDb, ReadTx } from '@kam/read-store';
import { dealIdsOf, handled } from '../kpis/common/events';
import { createLedgerTables, LedgerBatch, type LedgerSpec } from '../kpis/common/ledger';
import { applyOrgEvent, createOrgTables, ORG_EVENT_TYPES, type OrgTables } from '../kpis/common/membership';
import { RowCache } from '../kpis/common/row-cache';
import { num, str } from '../kpis/common/sql';

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

const EVENT_TYPES = [...ORG_EVENT_TYPES, 'DealOpened', 'DealReassigned', 'CompetitorRecorded', 'DealWon', 'DealLost'] as const;

export interface CompetitorFact {
  outcome: 'WON' | 'LOST';
  /** Keys of the competitors recorded on the deal. */
  competitors: string[];
  /** Key of DealLost.competitor. */
  lostTo: string | null;
  /** Deal value at loss (lost deals). */
  valueMinor: number;
}

interface DealRow {
  repId: string;
  competitors: string[];
  closed: boolean;
}

/** The grouping key of a competitor name: trimmed, inner whitespace collapsed, lower case. */
export function competitorKey(name: string): string {
  return name.trim().replace(/\s+/g, ' ').toLowerCase();
}

export function competitorOrgTables(table: (logical: string) => string): OrgTables {
  return { teams: table(COMPETITOR_TABLES.teams), members: table(COMPETITOR_TABLES.members) };
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

export const competitorProjection: Projection = {
  name: COMPETITOR_PROJECTION_NAME,
  version: 1,
  tables: Object.values(COMPETITOR_TABLES),
  eventTypes: EVENT_TYPES,

  async createTables(db: ReadDb, ctx: ProjectionContext): Promise<void> {
    const table = (l: string) => ctx.table(l);
    await createOrgTables(db, competitorOrgTables(table));
    await createLedgerTables(db, competitorLedger(table));
    await db.schema
      .createTable(table(COMPETITOR_TABLES.names))
      .ifNotExists()
      .addColumn('competitor_key', 'text', (c) => c.primaryKey())
      .addColumn('name', 'text', (c) => c.notNull())
      .execute();
    await db.schema
      .createTable(table(COMPETITOR_TABLES.deals))
      .ifNotExists()
      .addColumn('deal_id', 'text', (c) => c.primaryKey())
      .addColumn('rep_id', 'text', (c) => c.notNull())
      .addColumn('competitors', 'text', (c) => c.notNull())
      .addColumn('closed', 'integer', (c) => c.notNull())
      .execute();
  },

  async applyBatch(tx: ReadTx, events: readonly RecordedEvent[], ctx: ProjectionContext): Promise<void> {
    const table = (l: string) => ctx.table(l);
    const org = competitorOrgTables(table);
    const ledger = new LedgerBatch(competitorLedger(table));
    const deals = new RowCache<DealRow>(
      table(COMPETITOR_TABLES.deals),
      'deal_id',
      (r) => ({ repId: str(r.rep_id), competitors: JSON.parse(str(r.competitors)) as string[], closed: num(r.closed) === 1 }),
      (s) => ({ rep_id: s.repId, competitors: JSON.stringify(s.competitors), closed: s.closed ? 1 : 0 }),
    );
    await deals.prefetch(tx, dealIdsOf(events));
    const remember = async (name: string): Promise<string> => {
      const key = competitorKey(name);
      await tx
        .insertInto(table(COMPETITOR_TABLES.names))
        .values({ competitor_key: key, name: name.trim() })
        .onConflict((oc) => oc.column('competitor_key').doNothing())
        .execute();
      return key;
    };
    const withKey = (list: string[], key: string) => (list.includes(key) ? list : [...list, key]);

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
        case 'DealOpened':
          deals.set(event.data.dealId, { repId: event.data.repId, competitors: [], closed: false });
          break;
        case 'DealReassigned': {
          const deal = await deals.get(tx, event.data.dealId);
          if (deal && !deal.closed) deals.set(event.data.dealId, { ...deal, repId: event.data.repId });
          break;
        }
        case 'CompetitorRecorded': {
          const deal = await deals.get(tx, event.data.dealId);
          if (!deal || deal.closed) break;
          const key = await remember(event.data.competitor);
          deals.set(event.data.dealId, { ...deal, competitors: withKey(deal.competitors, key) });
          break;
        }
        case 'DealWon':
        case 'DealLost': {
          const deal = await deals.get(tx, event.data.dealId);
          if (!deal || deal.closed) break;
          let fact: CompetitorFact;
          if (event.type === 'DealWon') {
            fact = { outcome: 'WON', competitors: deal.competitors, lostTo: null, valueMinor: 0 };
          } else {
            // The decider records an unknown competitor named at loss first; this is a guard.
            const lostTo = event.data.competitor === null ? null : await remember(event.data.competitor);
            const competitors = lostTo === null ? deal.competitors : withKey(deal.competitors, lostTo);
            fact = { outcome: 'LOST', competitors, lostTo, valueMinor: event.data.valueMinor };
          }
          if (fact.competitors.length > 0) await ledger.record(tx, event.data.dealId, deal.repId, event.at, fact);
          deals.set(event.data.dealId, { ...deal, competitors: fact.competitors, closed: true });
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
