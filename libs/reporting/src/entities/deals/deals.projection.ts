import { sql, type CreateTableBuilder } from 'kysely';
import { assertNever, type DealStage, type LossReason, type SalesChannel } from '@kam/kernel';
import type { DealEvent } from '@kam/sales';
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
import {
  fromBool,
  indexName,
  parseJsonArray,
  toBool,
  toInt,
  toIntOrNull,
  toStr,
  toStrOrNull,
  type Row,
} from '../common/sql';

export const DEALS_PROJECTION = 'deals';
export const DEALS_TABLE = 'deals';
export const DEAL_VERSIONS_TABLE = 'deal_versions';
export const DEAL_REP_TEAMS_TABLE = 'deal_rep_teams';

type Handled = DealEvent | RepTeamEvent;
const EVENT_TYPES = [
  'DealOpened',
  'DealStageChanged',
  'DealValueRevised',
  'DealRescheduled',
  'DealReassigned',
  'DealChannelChanged',
  'CompetitorRecorded',
  'DealWon',
  'DealLost',
  'FulfilmentRecorded',
  ...REP_TEAM_EVENT_TYPES,
] as const satisfies ReadonlyArray<Handled['type']>;

/** A deal as stored (current row or one state interval); money in minor units. */
export interface DealRow {
  id: string;
  title: string;
  accountId: string;
  repId: string;
  /** Team of the owning rep: follows the rep while the deal is open, frozen at close. */
  teamId: string | null;
  channel: SalesChannel;
  stage: DealStage;
  open: boolean;
  valueMinor: number;
  wonValueMinor: number | null;
  expectedCloseDate: string;
  openedAt: string;
  closedAt: string | null;
  lossReason: LossReason | null;
  lostTo: string | null;
  competitors: string[];
  fulfilledMinor: number;
  contractNumber: string | null;
  revision: number;
}

interface DealCurrent extends DealRow {
  updatedAt: string;
}

/** Reads a `deals` row or a `deal_versions` row (the id column differs). */
export function dealFromRow(row: Row): DealRow {
  return {
    id: toStr(row.id ?? row.deal_id),
    title: toStr(row.title),
    accountId: toStr(row.account_id),
    repId: toStr(row.rep_id),
    teamId: toStrOrNull(row.team_id),
    channel: toStr(row.channel) as SalesChannel,
    stage: toStr(row.stage) as DealStage,
    open: toBool(row.is_open),
    valueMinor: toInt(row.value_minor),
    wonValueMinor: toIntOrNull(row.won_value_minor),
    expectedCloseDate: toStr(row.expected_close_date),
    openedAt: toStr(row.opened_at),
    closedAt: toStrOrNull(row.closed_at),
    lossReason: toStrOrNull(row.loss_reason) as LossReason | null,
    lostTo: toStrOrNull(row.lost_to),
    competitors: parseJsonArray<string>(row.competitors),
    fulfilledMinor: toInt(row.fulfilled_minor),
    contractNumber: toStrOrNull(row.contract_number),
    revision: toInt(row.revision),
  };
}

function snapshot(d: DealRow): Row {
  return {
    title: d.title,
    account_id: d.accountId,
    rep_id: d.repId,
    team_id: d.teamId,
    channel: d.channel,
    stage: d.stage,
    is_open: fromBool(d.open),
    value_minor: d.valueMinor,
    won_value_minor: d.wonValueMinor,
    expected_close_date: d.expectedCloseDate,
    opened_at: d.openedAt,
    closed_at: d.closedAt,
    loss_reason: d.lossReason,
    lost_to: d.lostTo,
    competitors: JSON.stringify(d.competitors),
    fulfilled_minor: d.fulfilledMinor,
    contract_number: d.contractNumber,
    revision: d.revision,
  };
}

/**
 * In a rebuild the deals stay in memory across batches (write-back, see EntityTable): each
 * deal's row is written once at the end instead of read back and rewritten at every batch.
 */
function dealsTable(ctx: ProjectionContext): EntityTable<DealCurrent> {
  return new EntityTable<DealCurrent>(
    {
      table: ctx.table(DEALS_TABLE),
      key: 'id',
      fromRow: (row) => ({ ...dealFromRow(row), updatedAt: toStr(row.updated_at) }),
      toRow: (d) => {
        const row = snapshot(d);
        row.updated_at = d.updatedAt;
        return row;
      },
      versions: {
        table: ctx.table(DEAL_VERSIONS_TABLE),
        key: 'deal_id',
        toRow: snapshot,
        // Write-back reads intervals back only for deals that left memory: it needs the key then.
        createKeyIndex: (tx) => versionsKey(tx, ctx),
      },
      // RepTransferred moves the open deals of the rep: found in memory by this group.
      group: (d) => (d.open ? d.repId : undefined),
    },
    ctx.rebuild ? { session: ctx.rebuild } : undefined,
  );
}

type TableBuilder = CreateTableBuilder<string, string>;

/**
 * The key of `deal_versions` in a table created without it (a rebuild): a unique index under the
 * primary key's name; on PostgreSQL it then becomes the primary key itself, as in a table created
 * with it. On SQLite a unique index is what a composite primary key is made of.
 */
async function versionsKey(db: ReadDb | ReadTx, ctx: ProjectionContext): Promise<void> {
  const versions = ctx.table(DEAL_VERSIONS_TABLE);
  const name = indexName(versions, 'pk');
  await db.schema.createIndex(name).ifNotExists().unique().on(versions).columns(['deal_id', 'valid_from']).execute();
  if (ctx.dialect !== 'postgres') return;
  const existing = await sql<{ n: number }>`select count(*)::int as n from pg_constraint where conname = ${name} and connamespace = current_schema()::regnamespace`.execute(db);
  if ((existing.rows[0]?.n ?? 0) === 0) {
    await sql`alter table ${sql.table(versions)} add constraint ${sql.id(name)} primary key using index ${sql.id(name)}`.execute(db);
  }
}

function snapshotColumns(builder: TableBuilder): TableBuilder {
  return builder
    .addColumn('title', 'text', (c) => c.notNull())
    .addColumn('account_id', 'text', (c) => c.notNull())
    .addColumn('rep_id', 'text', (c) => c.notNull())
    .addColumn('team_id', 'text')
    .addColumn('channel', 'text', (c) => c.notNull())
    .addColumn('stage', 'text', (c) => c.notNull())
    .addColumn('is_open', 'integer', (c) => c.notNull())
    .addColumn('value_minor', 'bigint', (c) => c.notNull())
    .addColumn('won_value_minor', 'bigint')
    .addColumn('expected_close_date', 'text', (c) => c.notNull())
    .addColumn('opened_at', 'text', (c) => c.notNull())
    .addColumn('closed_at', 'text')
    .addColumn('loss_reason', 'text')
    .addColumn('lost_to', 'text')
    .addColumn('competitors', 'text', (c) => c.notNull())
    .addColumn('fulfilled_minor', 'bigint', (c) => c.notNull())
    .addColumn('contract_number', 'text')
    .addColumn('revision', 'integer', (c) => c.notNull());
}

function sameCompetitor(a: string, b: string): boolean {
  return a.trim().toLowerCase() === b.trim().toLowerCase();
}

/**
 * Deals: the current row per deal (`deals`), its state intervals by business time
 * (`deal_versions`) for `deal(id, asOf)`, and this projection's own copy of rep → current team
 * (`deal_rep_teams`). A deal's team is its owner's team: it moves with a RepTransferred (a new
 * interval at the transfer's business time) while the deal is open and stays as it was at close.
 */
export const dealsProjection: Projection = {
  name: DEALS_PROJECTION,
  version: 1,
  tables: [DEALS_TABLE, DEAL_VERSIONS_TABLE, DEAL_REP_TEAMS_TABLE],
  eventTypes: EVENT_TYPES,

  async createTables(db: ReadDb, ctx: ProjectionContext): Promise<void> {
    const deals = ctx.table(DEALS_TABLE);
    const versions = ctx.table(DEAL_VERSIONS_TABLE);
    await snapshotColumns(
      db.schema
        .createTable(deals)
        .ifNotExists()
        .addColumn('id', 'text', (c) => c.primaryKey()),
    )
      .addColumn('since', 'text', (c) => c.notNull())
      .addColumn('updated_at', 'text', (c) => c.notNull())
      .execute();
    const versionsTable = snapshotColumns(
      db.schema
        .createTable(versions)
        .ifNotExists()
        .addColumn('deal_id', 'text', (c) => c.notNull()),
    )
      .addColumn('valid_from', 'text', (c) => c.notNull())
      .addColumn('valid_to', 'text');
    // A rebuild appends the intervals to a table without a key (inserting ~1M random-UUID keys
    // into a B-tree was most of its SQL time) and adds the key before the swap: see versionsKey.
    if (ctx.rebuild?.deferIndexes) await versionsTable.execute();
    else await versionsTable.addPrimaryKeyConstraint(indexName(versions, 'pk'), ['deal_id', 'valid_from']).execute();
    // Needed by applyBatch itself (a rep's open deals on RepTransferred): never deferred.
    await db.schema.createIndex(indexName(deals, 'rep')).ifNotExists().on(deals).columns(['rep_id', 'is_open']).execute();
    await createRepTeamsTable(db, ctx.table(DEAL_REP_TEAMS_TABLE));
    if (!ctx.rebuild?.deferIndexes) await this.createIndexes!(db, ctx);
  },

  /** The indexes of the queries only; a rebuild builds them once over the full tables. */
  async createIndexes(db: ReadDb, ctx: ProjectionContext): Promise<void> {
    const deals = ctx.table(DEALS_TABLE);
    const index = (suffix: string, columns: string[], table = deals) =>
      db.schema.createIndex(indexName(table, suffix)).ifNotExists().on(table).columns(columns).execute();
    await index('team', ['team_id', 'id']);
    await index('account', ['account_id', 'id']);
    await index('stage', ['stage', 'id']);
    await index('closed', ['closed_at']);
    await index('updated', ['updated_at']);
    // deal_versions is read only by its key (DealsQuery.get: one interval lookup by deal_id and
    // valid_from, then a scope check on that row), so the key is its only index. Generations built
    // before may still carry a (team_id, valid_from) index; nothing reads it.
    if (ctx.rebuild?.deferIndexes) await versionsKey(db, ctx);
  },

  async finishRebuild(tx: ReadTx, ctx: ProjectionContext): Promise<void> {
    await dealsTable(ctx).finishRebuild(tx);
  },

  async applyBatch(tx: ReadTx, batch: readonly RecordedEvent[], ctx: ProjectionContext): Promise<void> {
    const events = handledEvents<Handled>(batch, EVENT_TYPES);
    const deals = dealsTable(ctx);
    const repTeams = repTeamsTable(ctx.table(DEAL_REP_TEAMS_TABLE));
    const dealIds: string[] = [];
    const repIds = repIdsOf(batch);
    for (const e of events) {
      if (e.type === 'RepHired' || e.type === 'RepTransferred') continue;
      dealIds.push(e.data.dealId);
      if (e.type === 'DealOpened' || e.type === 'DealReassigned') repIds.push(e.data.repId);
    }
    await deals.prefetch(tx, dealIds);
    await repTeams.prefetch(tx, repIds);

    for (const event of events) {
      const at = occurredAt(event);
      const updatedAt = recordedAt(event);
      if (event.type === 'RepHired') {
        repTeams.put(event.data.repId, { teamId: event.data.teamId });
        continue;
      }
      if (event.type === 'RepTransferred') {
        const { repId, teamId } = event.data;
        repTeams.put(repId, { teamId });
        await deals.loadWhere(tx, { rep_id: repId, is_open: 1 }, repId);
        for (const [id, deal] of deals.loadedWhere((d) => d.repId === repId && d.open && d.teamId !== teamId))
          deals.put(id, { ...deal, teamId, updatedAt }, at);
        continue;
      }
      const id = event.data.dealId;
      if (event.type === 'DealOpened') {
        const d = event.data;
        deals.put(
          id,
          {
            id,
            title: d.title,
            accountId: d.accountId,
            repId: d.repId,
            teamId: repTeams.peek(d.repId)?.teamId ?? null,
            channel: d.channel,
            stage: d.stage,
            open: true,
            valueMinor: d.valueMinor,
            wonValueMinor: null,
            expectedCloseDate: d.expectedCloseDate,
            openedAt: at,
            closedAt: null,
            lossReason: null,
            lostTo: null,
            competitors: [],
            fulfilledMinor: 0,
            contractNumber: null,
            revision: event.revision,
            updatedAt,
          },
          at,
        );
        continue;
      }
      const deal = deals.peek(id);
      if (!deal) throw new Error(`${event.type} for unknown deal ${id}`);
      const next: DealCurrent = { ...deal, revision: event.revision, updatedAt };
      switch (event.type) {
        case 'DealStageChanged':
          next.stage = event.data.stage;
          break;
        case 'DealValueRevised':
          next.valueMinor = event.data.valueMinor;
          break;
        case 'DealRescheduled':
          next.expectedCloseDate = event.data.expectedCloseDate;
          break;
        case 'DealReassigned':
          next.repId = event.data.repId;
          if (deal.open) next.teamId = repTeams.peek(event.data.repId)?.teamId ?? null;
          break;
        case 'DealChannelChanged':
          next.channel = event.data.channel;
          break;
        case 'CompetitorRecorded': {
          const name = event.data.competitor;
          if (!deal.competitors.some((known) => sameCompetitor(known, name)))
            next.competitors = [...deal.competitors, name];
          break;
        }
        case 'DealWon':
          next.stage = 'WON';
          next.open = false;
          next.closedAt = at;
          next.wonValueMinor = event.data.wonValueMinor;
          next.contractNumber = event.data.contractNumber;
          break;
        case 'DealLost':
          next.stage = 'LOST';
          next.open = false;
          next.closedAt = at;
          next.valueMinor = event.data.valueMinor;
          next.lossReason = event.data.reason;
          next.lostTo = event.data.competitor;
          break;
        case 'FulfilmentRecorded':
          next.fulfilledMinor = event.data.cumulativeMinor;
          break;
        default:
          assertNever(event);
      }
      deals.put(id, next, at);
    }
    await repTeams.flush(tx);
    await deals.flush(tx);
  },
};
