import { assertNever, type SalesChannel } from '@kam/kernel';
import type { RecordedEvent } from '@kam/event-store';
import type { Projection, ProjectionContext, ReadDb, ReadTx } from '@kam/read-store';
import { dealIdsOf, handled } from '../kpis/common/events';
import { createLedgerTables, LedgerBatch, type LedgerSpec } from '../kpis/common/ledger';
import { applyOrgEvent, createOrgTables, ORG_EVENT_TYPES, type OrgTables } from '../kpis/common/membership';
import { RowCache } from '../kpis/common/row-cache';
import { indexName, num, str } from '../kpis/common/sql';
import { OPEN_END } from '../kpis/common/time';

/**
 * Sales channels: closed deals per (channel at close, owner's team at close) pre-summed per month
 * and day, and every rep's own channel as spans by business time (channelHistory).
 */
export const CHANNEL_PROJECTION_NAME = 'report-channels';

export const CHANNEL_TABLES = {
  teams: 'rpt_ch_teams',
  members: 'rpt_ch_members',
  deals: 'rpt_ch_deals',
  facts: 'rpt_ch_facts',
  month: 'rpt_ch_month',
  day: 'rpt_ch_day',
  spans: 'rpt_ch_spans',
} as const;

const EVENT_TYPES = [...ORG_EVENT_TYPES, 'RepChannelChanged', 'DealOpened', 'DealChannelChanged', 'DealReassigned', 'DealWon', 'DealLost'] as const;

export interface ChannelFact {
  channel: SalesChannel;
  outcome: 'WON' | 'LOST';
  valueMinor: number;
}

interface DealRow {
  repId: string;
  channel: SalesChannel;
  closed: boolean;
}

export function channelOrgTables(table: (logical: string) => string): OrgTables {
  return { teams: table(CHANNEL_TABLES.teams), members: table(CHANNEL_TABLES.members) };
}

export function channelLedger(table: (logical: string) => string): LedgerSpec<ChannelFact> {
  return {
    tables: { facts: table(CHANNEL_TABLES.facts), month: table(CHANNEL_TABLES.month), day: table(CHANNEL_TABLES.day) },
    members: table(CHANNEL_TABLES.members),
    dims: ['channel'],
    measures: ['won_count', 'won_value', 'lost_count'],
    contributions: (fact) => [
      {
        dims: { channel: fact.channel },
        measures: fact.outcome === 'WON' ? { won_count: 1, won_value: fact.valueMinor } : { lost_count: 1 },
      },
    ],
  };
}

export const channelProjection: Projection = {
  name: CHANNEL_PROJECTION_NAME,
  version: 1,
  tables: Object.values(CHANNEL_TABLES),
  eventTypes: EVENT_TYPES,

  async createTables(db: ReadDb, ctx: ProjectionContext): Promise<void> {
    const table = (l: string) => ctx.table(l);
    await createOrgTables(db, channelOrgTables(table));
    await createLedgerTables(db, channelLedger(table));
    await db.schema
      .createTable(table(CHANNEL_TABLES.deals))
      .ifNotExists()
      .addColumn('deal_id', 'text', (c) => c.primaryKey())
      .addColumn('rep_id', 'text', (c) => c.notNull())
      .addColumn('channel', 'text', (c) => c.notNull())
      .addColumn('closed', 'integer', (c) => c.notNull())
      .execute();
    const spans = table(CHANNEL_TABLES.spans);
    await db.schema
      .createTable(spans)
      .ifNotExists()
      .addColumn('rep_id', 'text', (c) => c.notNull())
      .addColumn('valid_from', 'bigint', (c) => c.notNull())
      .addColumn('valid_to', 'bigint', (c) => c.notNull())
      .addColumn('channel', 'text', (c) => c.notNull())
      .addPrimaryKeyConstraint(indexName(spans, 'pk'), ['rep_id', 'valid_from'])
      .execute();
  },

  async applyBatch(tx: ReadTx, events: readonly RecordedEvent[], ctx: ProjectionContext): Promise<void> {
    const table = (l: string) => ctx.table(l);
    const org = channelOrgTables(table);
    const spans = table(CHANNEL_TABLES.spans);
    const ledger = new LedgerBatch(channelLedger(table));
    const deals = new RowCache<DealRow>(
      table(CHANNEL_TABLES.deals),
      'deal_id',
      (r) => ({ repId: str(r.rep_id), channel: str(r.channel) as SalesChannel, closed: num(r.closed) === 1 }),
      (s) => ({ rep_id: s.repId, channel: s.channel, closed: s.closed ? 1 : 0 }),
    );
    await deals.prefetch(tx, dealIdsOf(events));

    const closeSpan = (repId: string, at: number) =>
      tx.updateTable(spans).set({ valid_to: at }).where('rep_id', '=', repId).where('valid_to', '=', OPEN_END).execute();
    const openSpan = (repId: string, channel: SalesChannel, at: number) =>
      tx
        .insertInto(spans)
        .values({ rep_id: repId, valid_from: at, valid_to: OPEN_END, channel })
        .onConflict((oc) => oc.columns(['rep_id', 'valid_from']).doUpdateSet({ channel, valid_to: OPEN_END }))
        .execute();

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
          if (event.type === 'RepHired') {
            await closeSpan(event.data.repId, event.at);
            await openSpan(event.data.repId, event.data.channel, event.at);
          }
          // An offboarded rep sells through no channel any more: the span ends.
          if (event.type === 'RepOffboarded') await closeSpan(event.data.repId, event.at);
          break;
        }
        case 'RepChannelChanged':
          await closeSpan(event.data.repId, event.at);
          await openSpan(event.data.repId, event.data.channel, event.at);
          break;
        case 'DealOpened':
          deals.set(event.data.dealId, { repId: event.data.repId, channel: event.data.channel, closed: false });
          break;
        case 'DealChannelChanged':
        case 'DealReassigned': {
          const deal = await deals.get(tx, event.data.dealId);
          if (!deal || deal.closed) break;
          deals.set(
            event.data.dealId,
            event.type === 'DealChannelChanged' ? { ...deal, channel: event.data.channel } : { ...deal, repId: event.data.repId },
          );
          break;
        }
        case 'DealWon':
        case 'DealLost': {
          const deal = await deals.get(tx, event.data.dealId);
          if (!deal || deal.closed) break;
          const fact: ChannelFact =
            event.type === 'DealWon'
              ? { channel: deal.channel, outcome: 'WON', valueMinor: event.data.wonValueMinor }
              : { channel: deal.channel, outcome: 'LOST', valueMinor: event.data.valueMinor };
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
