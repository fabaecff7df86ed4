import type { LedgerSpec } from '../kpis/common/ledger';
import type { OrgTables } from '../kpis/common/membership';
import { orgTablesOf, reportProjection } from '../kpis/common/report-projection';
import { indexName } from '../kpis/common/sql';
import { addOnConflict, replaceOnConflict, withoutRowid } from '../kpis/common/statements';
import { epochDay, monthIndexOfDay } from '../kpis/common/time';

/**
 * Key accounts: won revenue per account, attributed to the owner's team at close, pre-summed per
 * (account, team) per month and day; account names for the contract's tie-break (name, then id).
 *
 * Every team's revenue (an unrestricted reader's report) is also pre-summed per account alone, in
 * tables keyed by month (day) first: a period is one key range of them, a few rows per account,
 * with no team rows to merge and no re-attribution to follow (a membership change moves revenue
 * between teams, never in or out of the sum of all of them).
 */
export const KEY_ACCOUNT_PROJECTION_NAME = 'report-key-accounts';

export const KEY_ACCOUNT_TABLES = {
  teams: 'rpt_ka_teams',
  members: 'rpt_ka_members',
  accounts: 'rpt_ka_accounts',
  deals: 'rpt_ka_deals',
  facts: 'rpt_ka_facts',
  month: 'rpt_ka_month',
  day: 'rpt_ka_day',
  allMonth: 'rpt_ka_all_month',
  allDay: 'rpt_ka_all_day',
} as const;

export interface KeyAccountFact {
  accountId: string;
  wonValueMinor: number;
}

interface KeyAccountDeal {
  repId: string;
  accountId: string;
}

export function keyAccountOrgTables(table: (logical: string) => string): OrgTables {
  return orgTablesOf(KEY_ACCOUNT_TABLES, table);
}

export function keyAccountLedger(table: (logical: string) => string): LedgerSpec<KeyAccountFact> {
  return {
    tables: { facts: table(KEY_ACCOUNT_TABLES.facts), month: table(KEY_ACCOUNT_TABLES.month), day: table(KEY_ACCOUNT_TABLES.day) },
    members: table(KEY_ACCOUNT_TABLES.members),
    dims: ['account_id'],
    measures: ['won_count', 'won_value'],
    contributions: (fact) => [{ dims: { account_id: fact.accountId }, measures: { won_count: 1, won_value: fact.wonValueMinor } }],
  };
}

const ACCOUNT_COLUMNS = ['account_id', 'name'];
const ALL_MONTH_COLUMNS = ['month', 'account_id', 'won_value'];
const ALL_DAY_COLUMNS = ['day', 'account_id', 'won_value'];

export const keyAccountProjection = reportProjection<KeyAccountDeal, KeyAccountFact, never, 'AccountRegistered'>({
  name: KEY_ACCOUNT_PROJECTION_NAME,
  version: 4,
  tables: KEY_ACCOUNT_TABLES,
  eventTypes: ['AccountRegistered'],
  ledger: keyAccountLedger,

  async createTables(db, table, ctx) {
    await db.schema
      .createTable(table(KEY_ACCOUNT_TABLES.accounts))
      .ifNotExists()
      .addColumn('account_id', 'text', (c) => c.primaryKey())
      .addColumn('name', 'text', (c) => c.notNull())
      .execute();
    for (const [logical, bucket] of [
      [KEY_ACCOUNT_TABLES.allMonth, 'month'],
      [KEY_ACCOUNT_TABLES.allDay, 'day'],
    ] as const) {
      const physical = table(logical);
      await db.schema
        .createTable(physical)
        .ifNotExists()
        .addColumn(bucket, 'integer', (c) => c.notNull())
        .addColumn('account_id', 'text', (c) => c.notNull())
        .addColumn('won_value', 'bigint', (c) => c.notNull())
        .addPrimaryKeyConstraint(indexName(physical, 'pk'), [bucket, 'account_id'])
        .modifyEnd(withoutRowid(ctx.dialect))
        .execute();
    }
  },

  fold(batch) {
    /** The last name of each account registered in the batch: one upsert per batch. */
    const names = new Map<string, string>();
    /** Won revenue of the batch per (month | day, account), added to the every-team tables once per key. */
    const byMonth = new Map<string, [number, string, number]>();
    const byDay = new Map<string, [number, string, number]>();
    const add = (into: Map<string, [number, string, number]>, bucket: number, accountId: string, value: number) => {
      const key = `${bucket}|${accountId}`;
      const row = into.get(key);
      if (row) row[2] += value;
      else into.set(key, [bucket, accountId, value]);
    };
    return {
      opened: (e) => ({ repId: e.data.repId, accountId: e.data.accountId }),
      events: {
        AccountRegistered: (e) => {
          names.set(e.data.accountId, e.data.name);
        },
      },
      // Won revenue only: a lost deal adds nothing.
      closed: (e, deal) => {
        if (e.type !== 'DealWon') return null;
        const day = epochDay(e.at);
        add(byMonth, monthIndexOfDay(day), deal.accountId, e.data.wonValueMinor);
        add(byDay, day, deal.accountId, e.data.wonValueMinor);
        return { accountId: deal.accountId, wonValueMinor: e.data.wonValueMinor };
      },
      flush: async () => {
        await batch.sql.insert(batch.table(KEY_ACCOUNT_TABLES.accounts), ACCOUNT_COLUMNS, [...names], replaceOnConflict(['account_id'], ACCOUNT_COLUMNS));
        const allMonth = batch.table(KEY_ACCOUNT_TABLES.allMonth);
        const allDay = batch.table(KEY_ACCOUNT_TABLES.allDay);
        await batch.sql.insert(allMonth, ALL_MONTH_COLUMNS, [...byMonth.values()], addOnConflict(allMonth, ['month', 'account_id'], ['won_value']));
        await batch.sql.insert(allDay, ALL_DAY_COLUMNS, [...byDay.values()], addOnConflict(allDay, ['day', 'account_id'], ['won_value']));
      },
    };
  },
});
