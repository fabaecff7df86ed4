import { assertNever } from '@kam/kernel';
import type { RecordedEvent } from '@kam/event-store';
import type { Projection, ProjectionContext, ReadDb, ReadTx } from '@kam/read-store';
import { dealIdsOf, handled } from '../kpis/common/events';
import { applyOrgEvent, createOrgTables, ORG_EVENT_TYPES, type OrgTables } from '../kpis/common/membership';
import { RowCache } from '../kpis/common/row-cache';
import { chunks, indexName, num, str, type Row } from '../kpis/common/sql';
import { instantMs } from '../kpis/common/time';

/**
 * Training reports: sessions (status, completion instant), enrolments with attendance and score,
 * and every closed deal by the owner at close (rep, closedAt, won, value) indexed by rep and time,
 * so the before/after windows around a session are index range reads.
 */
export const TRAINING_REPORT_PROJECTION_NAME = 'report-training';

export const TRAINING_REPORT_TABLES = {
  teams: 'rpt_trn_teams',
  members: 'rpt_trn_members',
  sessions: 'rpt_trn_sessions',
  enrollments: 'rpt_trn_enrollments',
  deals: 'rpt_trn_deals',
  closed: 'rpt_trn_closed',
} as const;

const EVENT_TYPES = [
  ...ORG_EVENT_TYPES,
  'TrainingScheduled',
  'RepEnrolled',
  'AttendanceRecorded',
  'TrainingCompleted',
  'TrainingCancelled',
  'DealOpened',
  'DealReassigned',
  'DealWon',
  'DealLost',
] as const;

interface DealRow {
  repId: string;
  closed: boolean;
}

export function trainingOrgTables(table: (logical: string) => string): OrgTables {
  return { teams: table(TRAINING_REPORT_TABLES.teams), members: table(TRAINING_REPORT_TABLES.members) };
}

export const trainingReportProjection: Projection = {
  name: TRAINING_REPORT_PROJECTION_NAME,
  version: 1,
  tables: Object.values(TRAINING_REPORT_TABLES),
  eventTypes: EVENT_TYPES,

  async createTables(db: ReadDb, ctx: ProjectionContext): Promise<void> {
    const table = (l: string) => ctx.table(l);
    await createOrgTables(db, trainingOrgTables(table));
    const sessions = table(TRAINING_REPORT_TABLES.sessions);
    await db.schema
      .createTable(sessions)
      .ifNotExists()
      .addColumn('session_id', 'text', (c) => c.primaryKey())
      .addColumn('title', 'text', (c) => c.notNull())
      .addColumn('skill', 'text', (c) => c.notNull())
      .addColumn('trainer_id', 'text', (c) => c.notNull())
      .addColumn('scheduled_at', 'bigint', (c) => c.notNull())
      .addColumn('status', 'text', (c) => c.notNull())
      .addColumn('completed_at', 'bigint')
      .execute();
    await db.schema.createIndex(indexName(sessions, 'skill')).ifNotExists().on(sessions).columns(['skill', 'status']).execute();
    const enrollments = table(TRAINING_REPORT_TABLES.enrollments);
    await db.schema
      .createTable(enrollments)
      .ifNotExists()
      .addColumn('session_id', 'text', (c) => c.notNull())
      .addColumn('rep_id', 'text', (c) => c.notNull())
      // null until attendance is recorded, then 0 (absent) or 1
      .addColumn('attended', 'integer')
      .addColumn('score', 'integer')
      .addPrimaryKeyConstraint(indexName(enrollments, 'pk'), ['session_id', 'rep_id'])
      .execute();
    await db.schema.createIndex(indexName(enrollments, 'rep')).ifNotExists().on(enrollments).column('rep_id').execute();
    await db.schema
      .createTable(table(TRAINING_REPORT_TABLES.deals))
      .ifNotExists()
      .addColumn('deal_id', 'text', (c) => c.primaryKey())
      .addColumn('rep_id', 'text', (c) => c.notNull())
      .addColumn('closed', 'integer', (c) => c.notNull())
      .execute();
    const closed = table(TRAINING_REPORT_TABLES.closed);
    await db.schema
      .createTable(closed)
      .ifNotExists()
      .addColumn('deal_id', 'text', (c) => c.primaryKey())
      .addColumn('rep_id', 'text', (c) => c.notNull())
      .addColumn('closed_at', 'bigint', (c) => c.notNull())
      .addColumn('won', 'integer', (c) => c.notNull())
      .addColumn('value_minor', 'bigint', (c) => c.notNull())
      .execute();
    await db.schema.createIndex(indexName(closed, 'rep')).ifNotExists().on(closed).columns(['rep_id', 'closed_at']).execute();
  },

  async applyBatch(tx: ReadTx, events: readonly RecordedEvent[], ctx: ProjectionContext): Promise<void> {
    const table = (l: string) => ctx.table(l);
    const org = trainingOrgTables(table);
    const sessions = table(TRAINING_REPORT_TABLES.sessions);
    const enrollments = table(TRAINING_REPORT_TABLES.enrollments);
    const deals = new RowCache<DealRow>(
      table(TRAINING_REPORT_TABLES.deals),
      'deal_id',
      (r) => ({ repId: str(r.rep_id), closed: num(r.closed) === 1 }),
      (s) => ({ rep_id: s.repId, closed: s.closed ? 1 : 0 }),
    );
    await deals.prefetch(tx, dealIdsOf(events));
    // Closed deals are only ever inserted: one multi-row statement per batch.
    const closedRows: Row[] = [];

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
        case 'TrainingScheduled': {
          const d = event.data;
          const row = { title: d.title, skill: d.skill, trainer_id: d.trainerId, scheduled_at: instantMs(d.scheduledAt), status: 'SCHEDULED', completed_at: null };
          await tx
            .insertInto(sessions)
            .values({ session_id: d.sessionId, ...row })
            .onConflict((oc) => oc.column('session_id').doUpdateSet(row))
            .execute();
          break;
        }
        case 'RepEnrolled':
          await tx
            .insertInto(enrollments)
            .values({ session_id: event.data.sessionId, rep_id: event.data.repId, attended: null, score: null })
            .onConflict((oc) => oc.columns(['session_id', 'rep_id']).doNothing())
            .execute();
          break;
        case 'AttendanceRecorded': {
          // Recording again replaces the earlier record.
          const row = { attended: event.data.attended ? 1 : 0, score: event.data.score };
          await tx
            .insertInto(enrollments)
            .values({ session_id: event.data.sessionId, rep_id: event.data.repId, ...row })
            .onConflict((oc) => oc.columns(['session_id', 'rep_id']).doUpdateSet(row))
            .execute();
          break;
        }
        case 'TrainingCompleted':
          await tx.updateTable(sessions).set({ status: 'COMPLETED', completed_at: event.at }).where('session_id', '=', event.data.sessionId).execute();
          break;
        case 'TrainingCancelled':
          await tx.updateTable(sessions).set({ status: 'CANCELLED' }).where('session_id', '=', event.data.sessionId).execute();
          break;
        case 'DealOpened':
          deals.set(event.data.dealId, { repId: event.data.repId, closed: false });
          break;
        case 'DealReassigned': {
          const deal = await deals.get(tx, event.data.dealId);
          if (deal && !deal.closed) deals.set(event.data.dealId, { ...deal, repId: event.data.repId });
          break;
        }
        case 'DealWon':
        case 'DealLost': {
          const deal = await deals.get(tx, event.data.dealId);
          if (!deal || deal.closed) break;
          closedRows.push({
            deal_id: event.data.dealId,
            rep_id: deal.repId,
            closed_at: event.at,
            won: event.type === 'DealWon' ? 1 : 0,
            value_minor: event.type === 'DealWon' ? event.data.wonValueMinor : event.data.valueMinor,
          });
          deals.set(event.data.dealId, { ...deal, closed: true });
          break;
        }
        default:
          assertNever(event);
      }
    }
    await deals.flush(tx);
    for (const chunk of chunks(closedRows)) await tx.insertInto(table(TRAINING_REPORT_TABLES.closed)).values(chunk).execute();
  },
};
