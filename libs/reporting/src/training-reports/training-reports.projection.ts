import type { OrgTables } from '../kpis/common/membership';
import { orgTablesOf, reportProjection } from '../kpis/common/report-projection';
import { withoutRowid } from '../kpis/common/statements';
import { indexName } from '../kpis/common/sql';
import { instantMs } from '../kpis/common/time';

/**
 * Training reports: sessions (status, completion instant), enrolments with attendance and score,
 * and every closed deal by the owner at close (rep, closedAt, won, value) keyed by rep and time,
 * so the before/after windows around a session are key range reads.
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

interface TrainingDeal {
  repId: string;
}

export function trainingOrgTables(table: (logical: string) => string): OrgTables {
  return orgTablesOf(TRAINING_REPORT_TABLES, table);
}

const CLOSED_COLUMNS = ['rep_id', 'closed_at', 'deal_id', 'won', 'value_minor'];
const ENROLLMENT_COLUMNS = ['session_id', 'rep_id', 'attended', 'score'];

export const trainingReportProjection = reportProjection<
  TrainingDeal,
  never,
  never,
  'TrainingScheduled' | 'RepEnrolled' | 'AttendanceRecorded' | 'TrainingCompleted' | 'TrainingCancelled'
>({
  name: TRAINING_REPORT_PROJECTION_NAME,
  version: 2,
  tables: TRAINING_REPORT_TABLES,
  eventTypes: ['TrainingScheduled', 'RepEnrolled', 'AttendanceRecorded', 'TrainingCompleted', 'TrainingCancelled'],

  async createTables(db, table, ctx) {
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
    const closed = table(TRAINING_REPORT_TABLES.closed);
    await db.schema
      .createTable(closed)
      .ifNotExists()
      .addColumn('rep_id', 'text', (c) => c.notNull())
      .addColumn('closed_at', 'bigint', (c) => c.notNull())
      .addColumn('deal_id', 'text', (c) => c.notNull())
      .addColumn('won', 'integer', (c) => c.notNull())
      .addColumn('value_minor', 'bigint', (c) => c.notNull())
      .addPrimaryKeyConstraint(indexName(closed, 'pk'), ['rep_id', 'closed_at', 'deal_id'])
      .modifyEnd(withoutRowid(ctx.dialect))
      .execute();
  },

  fold(batch) {
    const sessions = batch.table(TRAINING_REPORT_TABLES.sessions);
    /** Closed deals are only ever inserted: one multi-row statement per batch. */
    const closedRows: unknown[][] = [];
    /** Enrolments of the batch; `attendance` is the last one recorded (it replaces earlier ones). */
    const enrollments = new Map<string, { sessionId: string; repId: string; attendance: [number, number | null] | null }>();
    const enrollment = (sessionId: string, repId: string) => {
      const key = `${sessionId}|${repId}`;
      let e = enrollments.get(key);
      if (!e) enrollments.set(key, (e = { sessionId, repId, attendance: null }));
      return e;
    };
    return {
      opened: (e) => ({ repId: e.data.repId }),
      events: {
        TrainingScheduled: (e) => {
          const d = e.data;
          return batch.sql.run(
            `insert into "${sessions}" (session_id, title, skill, trainer_id, scheduled_at, status, completed_at) values (?, ?, ?, ?, ?, 'SCHEDULED', null) ` +
              `on conflict (session_id) do update set title = excluded.title, skill = excluded.skill, trainer_id = excluded.trainer_id, ` +
              `scheduled_at = excluded.scheduled_at, status = excluded.status, completed_at = excluded.completed_at`,
            [d.sessionId, d.title, d.skill, d.trainerId, instantMs(d.scheduledAt)],
          );
        },
        RepEnrolled: (e) => {
          enrollment(e.data.sessionId, e.data.repId);
        },
        AttendanceRecorded: (e) => {
          enrollment(e.data.sessionId, e.data.repId).attendance = [e.data.attended ? 1 : 0, e.data.score];
        },
        TrainingCompleted: (e) => batch.sql.run(`update "${sessions}" set status = 'COMPLETED', completed_at = ? where session_id = ?`, [e.at, e.data.sessionId]),
        TrainingCancelled: (e) => batch.sql.run(`update "${sessions}" set status = 'CANCELLED' where session_id = ?`, [e.data.sessionId]),
      },
      closed: (e, deal) => {
        closedRows.push([deal.repId, e.at, e.data.dealId, e.type === 'DealWon' ? 1 : 0, e.type === 'DealWon' ? e.data.wonValueMinor : e.data.valueMinor]);
      },
      flush: async () => {
        await batch.sql.insert(batch.table(TRAINING_REPORT_TABLES.closed), CLOSED_COLUMNS, closedRows);
        const table = batch.table(TRAINING_REPORT_TABLES.enrollments);
        const all = [...enrollments.values()];
        // Enrolling again keeps the stored attendance; recording attendance replaces it.
        const enrolled = all.filter((e) => e.attendance === null).map((e) => [e.sessionId, e.repId, null, null]);
        const attended = all.flatMap((e) => (e.attendance ? [[e.sessionId, e.repId, ...e.attendance]] : []));
        await batch.sql.insert(table, ENROLLMENT_COLUMNS, enrolled, 'on conflict (session_id, rep_id) do nothing');
        await batch.sql.insert(table, ENROLLMENT_COLUMNS, attended, 'on conflict (session_id, rep_id) do update set attended = excluded.attended, score = excluded.score');
      },
    };
  },
});
