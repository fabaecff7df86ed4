import type { CreateTableBuilder } from 'kysely';
import { assertNever, type DealStage, type LossReason, type SalesChannel } from '@kam/kernel';
import type { DealEvent } from '@kam/sales';
import type { Projection, ProjectionContext, ReadDb, ReadTx } from '@kam/read-store';
import type { RecordedEvent } from '@kam/event-store';
import { EntityTable } from '../common/entity-table';
import { handledEvents, occurredAt, recordedAt, type Recorded } from '../common/events';
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
/** Retired in version 2: `deal(id, asOf)` folds the deal's own stream (DealsQuery.get). */
export const DEAL_VERSIONS_TABLE = 'deal_versions';
export const DEAL_REP_TEAMS_TABLE = 'deal_rep_teams';

type Handled = DealEvent | RepTeamEvent;
export const DEAL_EVENT_TYPES = [
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
] as const satisfies ReadonlyArray<DealEvent['type']>;
const EVENT_TYPES = [...DEAL_EVENT_TYPES, ...REP_TEAM_EVENT_TYPES] as const satisfies ReadonlyArray<Handled['type']>;

/** A deal as stored (or folded from its stream for `deal(id, asOf)`); money in minor units. */
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

/** Reads a `deals` row. */
export function dealFromRow(row: Row): DealRow {
  return {
    id: toStr(row.id),
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
      // RepTransferred moves the open deals of the rep: found in memory by this group.
      group: (d) => (d.open ? d.repId : undefined),
    },
    ctx.rebuild ? { session: ctx.rebuild } : undefined,
  );
}

type TableBuilder = CreateTableBuilder<string, string>;

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
 * Deals: the current row per deal (`deals`) and this projection's own copy of rep → current team
 * (`deal_rep_teams`). A deal's team is its owner's team: it moves with a RepTransferred while the
 * deal is open and stays as it was at close. `deal(id, asOf)` is not served from here: it folds
 * the deal's own stream up to that instant (`dealAfter`, DealsQuery.get). Version 1 also kept
 * every state interval of every deal (`deal_versions`, a row per deal event): most of a rebuild's
 * SQL for a copy of what the log holds already.
 */
export const dealsProjection: Projection = {
  name: DEALS_PROJECTION,
  version: 2,
  tables: [DEALS_TABLE, DEAL_REP_TEAMS_TABLE],
  retiredTables: [DEAL_VERSIONS_TABLE],
  eventTypes: EVENT_TYPES,

  async createTables(db: ReadDb, ctx: ProjectionContext): Promise<void> {
    const deals = ctx.table(DEALS_TABLE);
    await snapshotColumns(
      db.schema
        .createTable(deals)
        .ifNotExists()
        .addColumn('id', 'text', (c) => c.primaryKey()),
    )
      .addColumn('updated_at', 'text', (c) => c.notNull())
      .execute();
    // Needed by applyBatch itself (a rep's open deals on RepTransferred): never deferred.
    await db.schema.createIndex(indexName(deals, 'rep')).ifNotExists().on(deals).columns(['rep_id', 'is_open']).execute();
    await createRepTeamsTable(db, ctx.table(DEAL_REP_TEAMS_TABLE));
    if (!ctx.rebuild?.deferIndexes) await this.createIndexes!(db, ctx);
  },

  /** The indexes of the queries only; a rebuild builds them once over the full tables. */
  async createIndexes(db: ReadDb, ctx: ProjectionContext): Promise<void> {
    const deals = ctx.table(DEALS_TABLE);
    const index = (suffix: string, columns: string[]) =>
      db.schema.createIndex(indexName(deals, suffix)).ifNotExists().on(deals).columns(columns).execute();
    await index('team', ['team_id', 'id']);
    await index('account', ['account_id', 'id']);
    await index('stage', ['stage', 'id']);
    await index('closed', ['closed_at']);
    await index('updated', ['updated_at']);
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
      const next = dealAfter(deals.peek(id), event, at, (repId) => repTeams.peek(repId)?.teamId ?? null) as DealCurrent;
      next.updatedAt = updatedAt;
      deals.put(id, next, at);
    }
    await repTeams.flush(tx);
    await deals.flush(tx);
  },
};

/**
 * A deal after one of its events, as a new object (the one given is not changed): the fold of
 * the projection and of `deal(id, asOf)`. `at` is the event's business time; `teamOf` names a
 * rep's team, asked when the deal opens or changes owner while open.
 */
export function dealAfter(
  deal: DealRow | undefined,
  event: Recorded<DealEvent>,
  at: string,
  teamOf: (repId: string) => string | null,
): DealRow {
  if (event.type === 'DealOpened') {
    const d = event.data;
    return {
      id: d.dealId,
      title: d.title,
      accountId: d.accountId,
      repId: d.repId,
      teamId: teamOf(d.repId),
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
    };
  }
  if (!deal) throw new Error(`${event.type} for unknown deal ${event.data.dealId}`);
  const next: DealRow = { ...deal, revision: event.revision };
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
      if (deal.open) next.teamId = teamOf(event.data.repId);
      break;
    case 'DealChannelChanged':
      next.channel = event.data.channel;
      break;
    case 'CompetitorRecorded': {
      const name = event.data.competitor;
      if (!deal.competitors.some((known) => sameCompetitor(known, name))) next.competitors = [...deal.competitors, name];
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
  return next;
}
