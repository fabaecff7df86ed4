import { assertNever } from '@kam/kernel';
import type { RecordedEvent } from '@kam/event-store';
import type { Projection, ProjectionContext, ReadDb, ReadTx } from '@kam/read-store';
import { dealIdsOf, handled } from '../kpis/common/events';
import { createLedgerTables, LedgerBatch, type LedgerSpec } from '../kpis/common/ledger';
import { applyOrgEvent, createOrgTables, ORG_EVENT_TYPES, type OrgTables } from '../kpis/common/membership';
import { RowCache } from '../kpis/common/row-cache';
import { num, str } from '../kpis/common/sql';

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

const EVENT_TYPES = [...ORG_EVENT_TYPES, 'AccountRegistered', 'DealOpened', 'DealReassigned', 'DealWon', 'DealLost'] as const;

export interface KeyAccountFact {
  accountId: string;
  wonValueMinor: number;
}

interface DealRow {
  repId: string;
  accountId: string;
  closed: boolean;
}

export function keyAccountOrgTables(table: (logical: string) => string): OrgTables {
  return { teams: table(KEY_ACCOUNT_TABLES.teams), members: table(KEY_ACCOUNT_TABLES.members) };
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

export const keyAccountProjection: Projection = {
  name: KEY_ACCOUNT_PROJECTION_NAME,
  version: 1,
  tables: Object.values(KEY_ACCOUNT_TABLES),
  eventTypes: EVENT_TYPES,

  async createTables(db: ReadDb, ctx: ProjectionContext): Promise<void> {
    const table = (l: string) => ctx.table(l);
    await createOrgTables(db, keyAccountOrgTables(table));
    await createLedgerTables(db, keyAccountLedger(table));
    await db.schema
      .createTable(table(KEY_ACCOUNT_TABLES.accounts))
      .ifNotExists()
      .addColumn('account_id', 'text', (c) => c.primaryKey())
      .addColumn('name', 'text', (c) => c.notNull())
      .execute();
    await db.schema
      .createTable(table(KEY_ACCOUNT_TABLES.deals))
      .ifNotExists()
      .addColumn('deal_id', 'text', (c) => c.primaryKey())
      .addColumn('rep_id', 'text', (c) => c.notNull())
      .addColumn('account_id', 'text', (c) => c.notNull())
      .addColumn('closed', 'integer', (c) => c.notNull())
      .execute();
  },

  async applyBatch(tx: ReadTx, events: readonly RecordedEvent[], ctx: ProjectionContext): Promise<void> {
    const table = (l: string) => ctx.table(l);
    const org = keyAccountOrgTables(table);
    const ledger = new LedgerBatch(keyAccountLedger(table));
    const deals = new RowCache<DealRow>(
      table(KEY_ACCOUNT_TABLES.deals),
      'deal_id',
      (r) => ({ repId: str(r.rep_id), accountId: str(r.account_id), closed: num(r.closed) === 1 }),
      (s) => ({ rep_id: s.repId, account_id: s.accountId, closed: s.closed ? 1 : 0 }),
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
        case 'AccountRegistered':
          await tx
            .insertInto(table(KEY_ACCOUNT_TABLES.accounts))
            .values({ account_id: event.data.accountId, name: event.data.name })
            .onConflict((oc) => oc.column('account_id').doUpdateSet({ name: event.data.name }))
            .execute();
          break;
        case 'DealOpened':
          deals.set(event.data.dealId, { repId: event.data.repId, accountId: event.data.accountId, closed: false });
          break;
        case 'DealReassigned': {
          const deal = await deals.get(tx, event.data.dealId);
          if (deal && !deal.closed) deals.set(event.data.dealId, { ...deal, repId: event.data.repId });
          break;
        }
        case 'DealWon': {
          const deal = await deals.get(tx, event.data.dealId);
          if (!deal || deal.closed) break;
          await ledger.record(tx, event.data.dealId, deal.repId, event.at, { accountId: deal.accountId, wonValueMinor: event.data.wonValueMinor });
          deals.set(event.data.dealId, { ...deal, closed: true });
          break;
        }
        case 'DealLost': {
          const deal = await deals.get(tx, event.data.dealId);
          if (deal && !deal.closed) deals.set(event.data.dealId, { ...deal, closed: true });
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
