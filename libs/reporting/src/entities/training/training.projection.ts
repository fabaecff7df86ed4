import { assertNever, type Skill, type TrainingStatus } from '@kam/kernel';
import type { TrainingEvent } from '@kam/training';
import { inListChunks, type Projection, type ProjectionContext, type ReadDb, type ReadTx } from '@kam/read-store';
import type { RecordedEvent } from '@kam/event-store';
import { EntityTable } from '../common/entity-table';
import { handledEvents, occurredAt, recordedAt } from '../common/events';
import {
  REP_TEAM_EVENT_TYPES,
  createRepTeamsTable,
  repTeamsTable,
  type RepTeamEvent,
} from '../common/rep-teams';
import { fromBool, indexName, insertRows, isoInstant, parseJsonArray, toInt, toStr, toStrOrNull, type Row } from '../common/sql';

export const TRAINING_PROJECTION = 'training_sessions';
export const TRAINING_SESSIONS_TABLE = 'training_sessions';
export const TRAINING_ENROLLMENTS_TABLE = 'training_enrollments';
export const TRAINING_REP_TEAMS_TABLE = 'training_rep_teams';

type Handled = TrainingEvent | RepTeamEvent;
const EVENT_TYPES = [
  'TrainingScheduled',
  'RepEnrolled',
  'AttendanceRecorded',
  'TrainingCompleted',
  'TrainingCancelled',
  ...REP_TEAM_EVENT_TYPES,
] as const satisfies ReadonlyArray<Handled['type']>;

export interface Enrollment {
  repId: string;
  enrolledAt: string;
  /** null until attendance is recorded. */
  attended: boolean | null;
  score: number | null;
  attendanceAt: string | null;
}

export interface TrainingSessionRow {
  id: string;
  title: string;
  skill: Skill;
  trainerId: string;
  scheduledAt: string;
  durationMinutes: number;
  status: TrainingStatus;
  completedAt: string | null;
  cancelledAt: string | null;
  cancelReason: string | null;
  /** In enrolment order. */
  enrollments: Enrollment[];
  revision: number;
  updatedAt: string;
}

export function trainingFromRow(row: Row): TrainingSessionRow {
  return {
    id: toStr(row.id),
    title: toStr(row.title),
    skill: toStr(row.skill) as Skill,
    trainerId: toStr(row.trainer_id),
    scheduledAt: toStr(row.scheduled_at),
    durationMinutes: toInt(row.duration_minutes),
    status: toStr(row.status) as TrainingStatus,
    completedAt: toStrOrNull(row.completed_at),
    cancelledAt: toStrOrNull(row.cancelled_at),
    cancelReason: toStrOrNull(row.cancel_reason),
    enrollments: parseJsonArray<Enrollment>(row.enrollments),
    revision: toInt(row.revision),
    updatedAt: toStr(row.updated_at),
  };
}

function sessionsTable(ctx: ProjectionContext): EntityTable<TrainingSessionRow> {
  return new EntityTable<TrainingSessionRow>({
    table: ctx.table(TRAINING_SESSIONS_TABLE),
    key: 'id',
    fromRow: trainingFromRow,
    toRow: (s) => ({
      title: s.title,
      skill: s.skill,
      trainer_id: s.trainerId,
      scheduled_at: s.scheduledAt,
      duration_minutes: s.durationMinutes,
      status: s.status,
      completed_at: s.completedAt,
      cancelled_at: s.cancelledAt,
      cancel_reason: s.cancelReason,
      enrollments: JSON.stringify(s.enrollments),
      revision: s.revision,
      updated_at: s.updatedAt,
    }),
  });
}

/**
 * Training sessions. The session row carries its enrolments (JSON) so a batch reads one row per
 * session; `training_enrollments` is the same data one row per (session, rep), rewritten for
 * the sessions a batch touched, for "sessions of a rep" and the scope of a supervisor (through
 * `training_rep_teams`, this projection's copy of rep → current team).
 */
export const trainingProjection: Projection = {
  name: TRAINING_PROJECTION,
  version: 1,
  tables: [TRAINING_SESSIONS_TABLE, TRAINING_ENROLLMENTS_TABLE, TRAINING_REP_TEAMS_TABLE],
  eventTypes: EVENT_TYPES,

  async createTables(db: ReadDb, ctx: ProjectionContext): Promise<void> {
    const sessions = ctx.table(TRAINING_SESSIONS_TABLE);
    const enrollments = ctx.table(TRAINING_ENROLLMENTS_TABLE);
    await db.schema
      .createTable(sessions)
      .ifNotExists()
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('title', 'text', (c) => c.notNull())
      .addColumn('skill', 'text', (c) => c.notNull())
      .addColumn('trainer_id', 'text', (c) => c.notNull())
      .addColumn('scheduled_at', 'text', (c) => c.notNull())
      .addColumn('duration_minutes', 'integer', (c) => c.notNull())
      .addColumn('status', 'text', (c) => c.notNull())
      .addColumn('completed_at', 'text')
      .addColumn('cancelled_at', 'text')
      .addColumn('cancel_reason', 'text')
      .addColumn('enrollments', 'text', (c) => c.notNull())
      .addColumn('revision', 'integer', (c) => c.notNull())
      .addColumn('updated_at', 'text', (c) => c.notNull())
      .execute();
    await db.schema
      .createTable(enrollments)
      .ifNotExists()
      .addColumn('session_id', 'text', (c) => c.notNull())
      .addColumn('rep_id', 'text', (c) => c.notNull())
      .addColumn('enrolled_at', 'text', (c) => c.notNull())
      .addColumn('attended', 'integer')
      .addColumn('score', 'integer')
      .addColumn('attendance_at', 'text')
      .addPrimaryKeyConstraint(indexName(enrollments, 'pk'), ['session_id', 'rep_id'])
      .execute();
    const index = (table: string, suffix: string, columns: string[]) =>
      db.schema.createIndex(indexName(table, suffix)).ifNotExists().on(table).columns(columns).execute();
    await index(sessions, 'trainer', ['trainer_id', 'id']);
    await index(sessions, 'skill', ['skill', 'id']);
    await index(sessions, 'status', ['status', 'id']);
    await index(enrollments, 'rep', ['rep_id', 'session_id']);
    await createRepTeamsTable(db, ctx.table(TRAINING_REP_TEAMS_TABLE));
  },

  async applyBatch(tx: ReadTx, batch: readonly RecordedEvent[], ctx: ProjectionContext): Promise<void> {
    const events = handledEvents<Handled>(batch, EVENT_TYPES);
    const sessions = sessionsTable(ctx);
    const repTeams = repTeamsTable(ctx.table(TRAINING_REP_TEAMS_TABLE));
    const sessionIds: string[] = [];
    for (const e of events)
      if (e.type !== 'RepHired' && e.type !== 'RepTransferred') sessionIds.push(e.data.sessionId);
    await sessions.prefetch(tx, sessionIds);

    for (const event of events) {
      if (event.type === 'RepHired' || event.type === 'RepTransferred') {
        // Written without reading: the last write of a rep in the batch wins, as it should.
        repTeams.put(event.data.repId, { teamId: event.data.teamId });
        continue;
      }
      const id = event.data.sessionId;
      const at = occurredAt(event);
      const updatedAt = recordedAt(event);
      if (event.type === 'TrainingScheduled') {
        const d = event.data;
        sessions.put(id, {
          id,
          title: d.title,
          skill: d.skill,
          trainerId: d.trainerId,
          scheduledAt: isoInstant(d.scheduledAt),
          durationMinutes: d.durationMinutes,
          status: 'SCHEDULED',
          completedAt: null,
          cancelledAt: null,
          cancelReason: null,
          enrollments: [],
          revision: event.revision,
          updatedAt,
        });
        continue;
      }
      const session = sessions.peek(id);
      if (!session) throw new Error(`${event.type} for unknown training session ${id}`);
      const next: TrainingSessionRow = { ...session, revision: event.revision, updatedAt };
      switch (event.type) {
        case 'RepEnrolled':
          if (!session.enrollments.some((e) => e.repId === event.data.repId)) {
            next.enrollments = [
              ...session.enrollments,
              { repId: event.data.repId, enrolledAt: at, attended: null, score: null, attendanceAt: null },
            ];
          }
          break;
        case 'AttendanceRecorded': {
          const { repId, attended, score } = event.data;
          next.enrollments = session.enrollments.map((e) =>
            e.repId === repId ? { ...e, attended, score, attendanceAt: at } : e,
          );
          break;
        }
        case 'TrainingCompleted':
          next.status = 'COMPLETED';
          next.completedAt = at;
          break;
        case 'TrainingCancelled':
          next.status = 'CANCELLED';
          next.cancelledAt = at;
          next.cancelReason = event.data.reason;
          break;
        default:
          assertNever(event);
      }
      sessions.put(id, next);
    }

    await repTeams.flush(tx);
    await sessions.flush(tx);
    const touched = sessions.dirtyIds();
    const enrollmentsTable = ctx.table(TRAINING_ENROLLMENTS_TABLE);
    for (const chunk of inListChunks(touched, 500)) {
      await tx.deleteFrom(enrollmentsTable).where('session_id', 'in', chunk).execute();
    }
    const rows: Row[] = [];
    for (const id of touched) {
      for (const e of sessions.peek(id)?.enrollments ?? []) {
        rows.push({
          session_id: id,
          rep_id: e.repId,
          enrolled_at: e.enrolledAt,
          attended: e.attended === null ? null : fromBool(e.attended),
          score: e.score,
          attendance_at: e.attendanceAt,
        });
      }
    }
    await insertRows(tx, enrollmentsTable, rows);
  },
};
