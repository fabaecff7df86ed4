import type { SalesChannel } from '@kam/kernel';
import type { LedgerSpec } from '../kpis/common/ledger';
import type { OrgTables } from '../kpis/common/membership';
import { orgTablesOf, reportProjection } from '../kpis/common/report-projection';
import { indexName } from '../kpis/common/sql';
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

export interface ChannelFact {
  channel: SalesChannel;
  outcome: 'WON' | 'LOST';
  valueMinor: number;
}

interface ChannelDeal {
  repId: string;
  channel: SalesChannel;
}

export function channelOrgTables(table: (logical: string) => string): OrgTables {
  return orgTablesOf(CHANNEL_TABLES, table);
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

export const channelProjection = reportProjection<ChannelDeal, ChannelFact, 'DealChannelChanged', 'RepChannelChanged', 'RepHired' | 'RepOffboarded'>({
  name: CHANNEL_PROJECTION_NAME,
  version: 3,
  tables: CHANNEL_TABLES,
  dealEventTypes: ['DealChannelChanged'],
  eventTypes: ['RepChannelChanged'],
  ledger: channelLedger,

  async createTables(db, table) {
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

  fold(batch) {
    const spans = batch.table(CHANNEL_TABLES.spans);
    const closeSpan = (repId: string, at: number) =>
      batch.sql.run(`update "${spans}" set valid_to = ? where rep_id = ? and valid_to = ?`, [at, repId, OPEN_END]);
    const openSpan = async (repId: string, channel: SalesChannel, at: number) => {
      await closeSpan(repId, at);
      await batch.sql.run(
        `insert into "${spans}" (rep_id, valid_from, valid_to, channel) values (?, ?, ?, ?) ` +
          `on conflict (rep_id, valid_from) do update set channel = excluded.channel, valid_to = excluded.valid_to`,
        [repId, at, OPEN_END, channel],
      );
    };
    return {
      opened: (e) => ({ repId: e.data.repId, channel: e.data.channel }),
      deal: {
        DealChannelChanged: (e, deal) => ({ ...deal, channel: e.data.channel }),
      },
      events: {
        RepChannelChanged: (e) => openSpan(e.data.repId, e.data.channel, e.at),
      },
      org: {
        RepHired: (e) => openSpan(e.data.repId, e.data.channel, e.at),
        // An offboarded rep sells through no channel any more: the span ends.
        RepOffboarded: (e) => closeSpan(e.data.repId, e.at),
      },
      closed: (e, deal) => ({
        channel: deal.channel,
        outcome: e.type === 'DealWon' ? 'WON' : 'LOST',
        valueMinor: e.type === 'DealWon' ? e.data.wonValueMinor : e.data.valueMinor,
      }),
    };
  },
});
