import { assertNever } from '@kam/kernel';
import type { AccountEvent } from '@kam/sales';
import type { Projection, ProjectionContext, ReadDb, ReadTx } from '@kam/read-store';
import type { RecordedEvent } from '@kam/event-store';
import { EntityTable } from '../common/entity-table';
import { handledEvents, occurredAt, recordedAt } from '../common/events';
import {
  REP_TEAM_EVENT_TYPES,
  createRepTeamsTable,
  repIdsOf,
  repTeamsTable,
  type RepTeamEvent,
} from '../common/rep-teams';
import { indexName, toInt, toStr, toStrOrNull, type Row } from '../common/sql';

export const ACCOUNTS_PROJECTION = 'accounts';
export const ACCOUNTS_TABLE = 'accounts';
export const ACCOUNT_REP_TEAMS_TABLE = 'account_rep_teams';

type Handled = AccountEvent | RepTeamEvent;
const EVENT_TYPES = [
  'AccountRegistered',
  'AccountReassigned',
  ...REP_TEAM_EVENT_TYPES,
] as const satisfies ReadonlyArray<Handled['type']>;

export interface AccountRow {
  id: string;
  name: string;
  taxId: string | null;
  industry: string | null;
  ownerRepId: string;
  /** The owner's current team (null only if the owner was never hired, which the deciders prevent). */
  ownerTeamId: string | null;
  revision: number;
  registeredAt: string;
  updatedAt: string;
}

export function accountFromRow(row: Row): AccountRow {
  return {
    id: toStr(row.id),
    name: toStr(row.name),
    taxId: toStrOrNull(row.tax_id),
    industry: toStrOrNull(row.industry),
    ownerRepId: toStr(row.owner_rep_id),
    ownerTeamId: toStrOrNull(row.owner_team_id),
    revision: toInt(row.revision),
    registeredAt: toStr(row.registered_at),
    updatedAt: toStr(row.updated_at),
  };
}

/** Lower-cased name for `nameContains` (done here, not with SQL lower(), which is ASCII-only on SQLite). */
export function nameKey(name: string): string {
  return name.toLocaleLowerCase('en-US');
}

function accountsTable(ctx: ProjectionContext): EntityTable<AccountRow> {
  return new EntityTable<AccountRow>({
    table: ctx.table(ACCOUNTS_TABLE),
    key: 'id',
    fromRow: accountFromRow,
    toRow: (a) => ({
      name: a.name,
      name_key: nameKey(a.name),
      tax_id: a.taxId,
      industry: a.industry,
      owner_rep_id: a.ownerRepId,
      owner_team_id: a.ownerTeamId,
      revision: a.revision,
      registered_at: a.registeredAt,
      updated_at: a.updatedAt,
    }),
  });
}

/**
 * Accounts with their owner and the owner's current team (`owner_team_id`, kept in step with
 * rep transfers), which is what the `teamId` filter and a supervisor's scope select on.
 */
export const accountsProjection: Projection = {
  name: ACCOUNTS_PROJECTION,
  version: 1,
  tables: [ACCOUNTS_TABLE, ACCOUNT_REP_TEAMS_TABLE],
  eventTypes: EVENT_TYPES,

  async createTables(db: ReadDb, ctx: ProjectionContext): Promise<void> {
    const table = ctx.table(ACCOUNTS_TABLE);
    await db.schema
      .createTable(table)
      .ifNotExists()
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('name', 'text', (c) => c.notNull())
      .addColumn('name_key', 'text', (c) => c.notNull())
      .addColumn('tax_id', 'text')
      .addColumn('industry', 'text')
      .addColumn('owner_rep_id', 'text', (c) => c.notNull())
      .addColumn('owner_team_id', 'text')
      .addColumn('revision', 'integer', (c) => c.notNull())
      .addColumn('registered_at', 'text', (c) => c.notNull())
      .addColumn('updated_at', 'text', (c) => c.notNull())
      .execute();
    await db.schema
      .createIndex(indexName(table, 'owner'))
      .ifNotExists()
      .on(table)
      .columns(['owner_rep_id', 'id'])
      .execute();
    await db.schema
      .createIndex(indexName(table, 'team'))
      .ifNotExists()
      .on(table)
      .columns(['owner_team_id', 'id'])
      .execute();
    await createRepTeamsTable(db, ctx.table(ACCOUNT_REP_TEAMS_TABLE));
  },

  async applyBatch(tx: ReadTx, batch: readonly RecordedEvent[], ctx: ProjectionContext): Promise<void> {
    const events = handledEvents<Handled>(batch, EVENT_TYPES);
    const accounts = accountsTable(ctx);
    const repTeams = repTeamsTable(ctx.table(ACCOUNT_REP_TEAMS_TABLE));
    const accountIds: string[] = [];
    const ownerIds: string[] = [];
    for (const e of events) {
      if (e.type === 'AccountRegistered' || e.type === 'AccountReassigned') {
        accountIds.push(e.data.accountId);
        ownerIds.push(e.data.ownerRepId);
      }
    }
    await accounts.prefetch(tx, accountIds);
    await repTeams.prefetch(tx, [...ownerIds, ...repIdsOf(batch)]);
    /** Reps whose team changed in this batch: their accounts follow once rows are written. */
    const movedReps = new Set<string>();

    for (const event of events) {
      switch (event.type) {
        case 'RepHired':
        case 'RepTransferred':
          repTeams.put(event.data.repId, { teamId: event.data.teamId });
          if (event.type === 'RepTransferred') movedReps.add(event.data.repId);
          break;
        case 'AccountRegistered': {
          const { accountId: id, name, taxId, industry, ownerRepId } = event.data;
          accounts.put(id, {
            id,
            name,
            taxId,
            industry,
            ownerRepId,
            ownerTeamId: repTeams.peek(ownerRepId)?.teamId ?? null,
            revision: event.revision,
            registeredAt: occurredAt(event),
            updatedAt: recordedAt(event),
          });
          break;
        }
        case 'AccountReassigned': {
          const id = event.data.accountId;
          const account = accounts.peek(id);
          if (!account) throw new Error(`AccountReassigned for unknown account ${id}`);
          accounts.put(id, {
            ...account,
            ownerRepId: event.data.ownerRepId,
            ownerTeamId: repTeams.peek(event.data.ownerRepId)?.teamId ?? null,
            revision: event.revision,
            updatedAt: recordedAt(event),
          });
          break;
        }
        default:
          assertNever(event);
      }
    }
    await repTeams.flush(tx);
    await accounts.flush(tx);
    const table = ctx.table(ACCOUNTS_TABLE);
    for (const repId of movedReps) {
      const teamId = repTeams.peek(repId)?.teamId ?? null;
      await tx.updateTable(table).set({ owner_team_id: teamId }).where('owner_rep_id', '=', repId).execute();
    }
  },
};
