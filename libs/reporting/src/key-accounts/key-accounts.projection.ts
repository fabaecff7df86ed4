import type { LedgerSpec } from '../kpis/common/ledger';
import type { OrgTables } from '../kpis/common/membership';
import { orgTablesOf, reportProjection } from '../kpis/common/report-projection';
import { replaceOnConflict } from '../kpis/common/statements';

/**
 * Key accounts: won revenue per account, attributed to the owner's team at close, pre-summed per
 * (account, team) per month and day; account names for the contract's tie-break (name, then id).
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

export const keyAccountProjection = reportProjection<KeyAccountDeal, KeyAccountFact, never, 'AccountRegistered'>({
  name: KEY_ACCOUNT_PROJECTION_NAME,
  version: 3,
  tables: KEY_ACCOUNT_TABLES,
  eventTypes: ['AccountRegistered'],
  ledger: keyAccountLedger,

  async createTables(db, table) {
    await db.schema
      .createTable(table(KEY_ACCOUNT_TABLES.accounts))
      .ifNotExists()
      .addColumn('account_id', 'text', (c) => c.primaryKey())
      .addColumn('name', 'text', (c) => c.notNull())
      .execute();
  },

  fold(batch) {
    /** The last name of each account registered in the batch: one upsert per batch. */
    const names = new Map<string, string>();
    return {
      opened: (e) => ({ repId: e.data.repId, accountId: e.data.accountId }),
      events: {
        AccountRegistered: (e) => {
          names.set(e.data.accountId, e.data.name);
        },
      },
      // Won revenue only: a lost deal adds nothing.
      closed: (e, deal) => (e.type === 'DealWon' ? { accountId: deal.accountId, wonValueMinor: e.data.wonValueMinor } : null),
      flush: () =>
        batch.sql.insert(batch.table(KEY_ACCOUNT_TABLES.accounts), ACCOUNT_COLUMNS, [...names], replaceOnConflict(['account_id'], ACCOUNT_COLUMNS)),
    };
  },
});
