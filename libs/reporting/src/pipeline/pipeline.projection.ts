import { assertNever, OPEN_DEAL_STAGES, type OpenDealStage } from '@kam/kernel';
import type { RecordedEvent } from '@kam/event-store';
import type { Projection, ProjectionContext, ReadDb, ReadTx } from '@kam/read-store';
import { dealIdsOf, handled } from '../kpis/common/events';
import { applyOrgEvent, createOrgTables, ORG_EVENT_TYPES, type OrgTables } from '../kpis/common/membership';
import { RowCache } from '../kpis/common/row-cache';
import { indexName, num, str } from '../kpis/common/sql';
import { OPEN_END } from '../kpis/common/time';

/**
 * Open pipeline as it stood at any instant: every open deal's state (owner, stage, value) as
 * intervals by business time, so `pipeline(asOf)` sees the values of asOf (a later
 * DealValueRevised does not leak) and the owner of asOf; the owner's team at asOf comes from the
 * membership intervals at query time.
 */
export const PIPELINE_PROJECTION_NAME = 'report-pipeline';

export const PIPELINE_TABLES = {
  teams: 'rpt_pipe_teams',
  members: 'rpt_pipe_members',
  deals: 'rpt_pipe_deals',
  intervals: 'rpt_pipe_intervals',
} as const;

const EVENT_TYPES = [
  ...ORG_EVENT_TYPES,
  'DealOpened',
  'DealStageChanged',
  'DealValueRevised',
  'DealReassigned',
  'DealWon',
  'DealLost',
] as const;

interface DealRow {
  repId: string;
  stage: OpenDealStage | 'CLOSED';
  valueMinor: number;
  /** valid_from of the open interval. */
  since: number;
}

export function pipelineOrgTables(table: (logical: string) => string): OrgTables {
  return { teams: table(PIPELINE_TABLES.teams), members: table(PIPELINE_TABLES.members) };
}

export const pipelineProjection: Projection = {
  name: PIPELINE_PROJECTION_NAME,
  version: 1,
  tables: Object.values(PIPELINE_TABLES),
  eventTypes: EVENT_TYPES,

  async createTables(db: ReadDb, ctx: ProjectionContext): Promise<void> {
    await createOrgTables(db, pipelineOrgTables((l) => ctx.table(l)));
    const deals = ctx.table(PIPELINE_TABLES.deals);
    await db.schema
      .createTable(deals)
      .ifNotExists()
      .addColumn('deal_id', 'text', (c) => c.primaryKey())
      .addColumn('rep_id', 'text', (c) => c.notNull())
      .addColumn('stage', 'text', (c) => c.notNull())
      .addColumn('value_minor', 'bigint', (c) => c.notNull())
      .addColumn('since', 'bigint', (c) => c.notNull())
      .execute();
    const intervals = ctx.table(PIPELINE_TABLES.intervals);
    await db.schema
      .createTable(intervals)
      .ifNotExists()
      .addColumn('deal_id', 'text', (c) => c.notNull())
      .addColumn('valid_from', 'bigint', (c) => c.notNull())
      .addColumn('valid_to', 'bigint', (c) => c.notNull())
      .addColumn('rep_id', 'text', (c) => c.notNull())
      .addColumn('stage', 'text', (c) => c.notNull())
      .addColumn('value_minor', 'bigint', (c) => c.notNull())
      .addPrimaryKeyConstraint(indexName(intervals, 'pk'), ['deal_id', 'valid_from'])
      .execute();
    // "Open at t" is valid_from <= t < valid_to: per owner, the intervals still open after t are
    // the few deals open now plus those that changed since t.
    await db.schema
      .createIndex(indexName(intervals, 'rep_to'))
      .ifNotExists()
      .on(intervals)
      .columns(['rep_id', 'valid_to', 'valid_from'])
      .execute();
  },

  async applyBatch(tx: ReadTx, events: readonly RecordedEvent[], ctx: ProjectionContext): Promise<void> {
    const org = pipelineOrgTables((l) => ctx.table(l));
    const intervals = ctx.table(PIPELINE_TABLES.intervals);
    const deals = new RowCache<DealRow>(
      ctx.table(PIPELINE_TABLES.deals),
      'deal_id',
      (r) => ({ repId: str(r.rep_id), stage: str(r.stage) as DealRow['stage'], valueMinor: num(r.value_minor), since: num(r.since) }),
      (s) => ({ rep_id: s.repId, stage: s.stage, value_minor: s.valueMinor, since: s.since }),
    );
    await deals.prefetch(tx, dealIdsOf(events));

    /** Ends the deal's open interval at `at` and, if it is still open, starts the next one there. */
    const change = async (dealId: string, at: number, next: DealRow): Promise<void> => {
      const previous = await deals.get(tx, dealId);
      if (previous && previous.stage !== 'CLOSED') {
        await tx.updateTable(intervals).set({ valid_to: at }).where('deal_id', '=', dealId).where('valid_from', '=', previous.since).execute();
      }
      const since = Math.max(at, previous?.since ?? at);
      if (next.stage !== 'CLOSED') {
        const row = { rep_id: next.repId, stage: next.stage, value_minor: next.valueMinor, valid_to: OPEN_END };
        await tx
          .insertInto(intervals)
          .values({ deal_id: dealId, valid_from: since, ...row })
          .onConflict((oc) => oc.columns(['deal_id', 'valid_from']).doUpdateSet(row))
          .execute();
      }
      deals.set(dealId, { ...next, since });
    };

    for (const raw of events) {
      const event = handled(raw, EVENT_TYPES);
      if (!event) continue;
      switch (event.type) {
        case 'TeamFormed':
        case 'RepHired':
        case 'RepTransferred':
        case 'RepOffboarded':
          await applyOrgEvent(tx, org, event);
          break;
        case 'DealOpened':
          await change(event.data.dealId, event.at, { repId: event.data.repId, stage: 'PROSPECTING', valueMinor: event.data.valueMinor, since: event.at });
          break;
        default: {
          const deal = await deals.get(tx, event.data.dealId);
          if (!deal || deal.stage === 'CLOSED') break; // unknown or closed deal: nothing open changes
          switch (event.type) {
            case 'DealStageChanged':
              await change(event.data.dealId, event.at, { ...deal, stage: event.data.stage });
              break;
            case 'DealValueRevised':
              await change(event.data.dealId, event.at, { ...deal, valueMinor: event.data.valueMinor });
              break;
            case 'DealReassigned':
              await change(event.data.dealId, event.at, { ...deal, repId: event.data.repId });
              break;
            case 'DealWon':
            case 'DealLost':
              await change(event.data.dealId, event.at, { ...deal, stage: 'CLOSED' });
              break;
            default:
              assertNever(event);
          }
        }
      }
    }
    await deals.flush(tx);
  },
};

export const OPEN_STAGES: readonly OpenDealStage[] = OPEN_DEAL_STAGES;
