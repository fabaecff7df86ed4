import { assertNever, type OpenDealStage } from '@kam/kernel';
import type { RecordedEvent } from '@kam/event-store';
import type { Projection, ProjectionContext, ReadDb, ReadTx } from '@kam/read-store';
import { dealIdsOf, handled } from '../kpis/common/events';
import { applyOrgEvent, createOrgTables, ORG_EVENT_TYPES, type OrgTables } from '../kpis/common/membership';
import { RowCache } from '../kpis/common/row-cache';
import { indexName, num, str, upsertRows, type Row } from '../kpis/common/sql';
import { epochDay, monthIndexOfDay } from '../kpis/common/time';

/**
 * Open pipeline as it stood at any instant, so `pipeline(asOf)` sees the stage, value and owner of
 * asOf (a later DealValueRevised does not leak); the owner's team at asOf comes from the
 * membership intervals at query time.
 *
 * - `deals`: each deal's current state and since when it holds (`since`); an open deal's current
 *   state is its open interval [since, ∞).
 * - `history`: every ended state interval [valid_from, valid_to), filed under each calendar month
 *   it overlaps. "Open at t" then reads the rep's open deals plus the history rows of t's month:
 *   the deals open around t, never the whole history before or after t.
 */
export const PIPELINE_PROJECTION_NAME = 'report-pipeline';

export const PIPELINE_TABLES = {
  teams: 'rpt_pipe_teams',
  members: 'rpt_pipe_members',
  deals: 'rpt_pipe_deals',
  history: 'rpt_pipe_history',
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
  /** The open stage, or null once the deal is won or lost. */
  stage: OpenDealStage | null;
  valueMinor: number;
  /** Business time since when this state holds. */
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
      .addColumn('is_open', 'integer', (c) => c.notNull())
      .addColumn('stage', 'text')
      .addColumn('value_minor', 'bigint', (c) => c.notNull())
      .addColumn('since', 'bigint', (c) => c.notNull())
      .execute();
    await db.schema.createIndex(indexName(deals, 'open')).ifNotExists().on(deals).columns(['rep_id', 'is_open', 'since']).execute();
    const history = ctx.table(PIPELINE_TABLES.history);
    await db.schema
      .createTable(history)
      .ifNotExists()
      .addColumn('rep_id', 'text', (c) => c.notNull())
      .addColumn('month', 'integer', (c) => c.notNull())
      .addColumn('deal_id', 'text', (c) => c.notNull())
      .addColumn('valid_from', 'bigint', (c) => c.notNull())
      .addColumn('valid_to', 'bigint', (c) => c.notNull())
      .addColumn('stage', 'text', (c) => c.notNull())
      .addColumn('value_minor', 'bigint', (c) => c.notNull())
      .addPrimaryKeyConstraint(indexName(history, 'pk'), ['rep_id', 'month', 'deal_id', 'valid_from'])
      .execute();
  },

  async applyBatch(tx: ReadTx, events: readonly RecordedEvent[], ctx: ProjectionContext): Promise<void> {
    const org = pipelineOrgTables((l) => ctx.table(l));
    const deals = new RowCache<DealRow>(
      ctx.table(PIPELINE_TABLES.deals),
      'deal_id',
      (r) => ({
        repId: str(r.rep_id),
        stage: num(r.is_open) === 1 ? (str(r.stage) as OpenDealStage) : null,
        valueMinor: num(r.value_minor),
        since: num(r.since),
      }),
      (s) => ({ rep_id: s.repId, is_open: s.stage === null ? 0 : 1, stage: s.stage, value_minor: s.valueMinor, since: s.since }),
    );
    await deals.prefetch(tx, dealIdsOf(events));
    const ended: Row[] = [];

    /** The deal's state changes at `at`: the state it leaves becomes history. */
    const change = async (dealId: string, at: number, next: DealRow): Promise<void> => {
      const previous = await deals.get(tx, dealId);
      // A deal stream's business time never goes back; a change at the same instant replaces the state.
      const since = Math.max(at, previous?.since ?? at);
      if (previous && previous.stage !== null && since > previous.since) {
        const lastMonth = monthIndexOfDay(epochDay(since - 1));
        for (let month = monthIndexOfDay(epochDay(previous.since)); month <= lastMonth; month++) {
          ended.push({
            rep_id: previous.repId,
            month,
            deal_id: dealId,
            valid_from: previous.since,
            valid_to: since,
            stage: previous.stage,
            value_minor: previous.valueMinor,
          });
        }
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
          if (!deal || deal.stage === null) break; // unknown or closed deal: nothing open changes
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
              await change(event.data.dealId, event.at, { ...deal, stage: null });
              break;
            default:
              assertNever(event);
          }
        }
      }
    }
    await deals.flush(tx);
    const history = ctx.table(PIPELINE_TABLES.history);
    await upsertRows(tx, history, ['rep_id', 'month', 'deal_id', 'valid_from'], ended);
  },
};
