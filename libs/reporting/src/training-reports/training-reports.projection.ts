import type { OrgTables } from '../kpis/common/membership';
import { orgTablesOf, reportProjection } from '../kpis/common/report-projection';
import { addOnConflict, replaceOnConflict, withoutRowid, type Statements } from '../kpis/common/statements';
import { indexName, num, str } from '../kpis/common/sql';
import { DAY_MS, instantMs } from '../kpis/common/time';

/**
 * Training reports: sessions (status, completion instant), enrolments with attendance and score,
 * and every closed deal by the owner at close (rep, closedAt, won, value) keyed by rep and time,
 * so the before/after windows around a session are key range reads.
 *
 * `effect` pre-sums, for every enrolment of a completed session, the enrollee's deals closed in the
 * default window before and after the completion (EFFECT_WINDOW_DAYS): trainingEffectiveness with
 * that window reads one row per attendee instead of every deal in it. A row is recomputed from
 * `closed` when its pair or session changes (enrolment, attendance, scheduling, completion), and
 * a deal closed later adds itself to the rows whose window holds it.
 */
export const TRAINING_REPORT_PROJECTION_NAME = 'report-training';

export const TRAINING_REPORT_TABLES = {
  teams: 'rpt_trn_teams',
  members: 'rpt_trn_members',
  sessions: 'rpt_trn_sessions',
  enrollments: 'rpt_trn_enrollments',
  deals: 'rpt_trn_deals',
  closed: 'rpt_trn_closed',
  effect: 'rpt_trn_effect',
} as const;

/** The window (days before and after the completion) that `effect` pre-sums: trainingEffectiveness's default. */
export const EFFECT_WINDOW_DAYS = 90;
const EFFECT_WINDOW_MS = EFFECT_WINDOW_DAYS * DAY_MS;

export const EFFECT_MEASURES = ['closed_before', 'closed_after', 'won_before', 'won_after', 'value_before', 'value_after'] as const;
type EffectMeasure = (typeof EFFECT_MEASURES)[number];
type EffectSums = Record<EffectMeasure, number>;
const EFFECT_COLUMNS = ['session_id', 'rep_id', ...EFFECT_MEASURES];

function emptySums(): EffectSums {
  return { closed_before: 0, closed_after: 0, won_before: 0, won_after: 0, value_before: 0, value_after: 0 };
}

/** Adds one closed deal to the sums of a session completed at `completedAt`, when the window holds it. */
export function addToEffect(sums: EffectSums, completedAt: number, closedAt: number, won: boolean, valueMinor: number): void {
  if (closedAt < completedAt - EFFECT_WINDOW_MS || closedAt >= completedAt + EFFECT_WINDOW_MS) return;
  if (closedAt < completedAt) {
    sums.closed_before++;
    if (won) {
      sums.won_before++;
      sums.value_before += valueMinor;
    }
  } else {
    sums.closed_after++;
    if (won) {
      sums.won_after++;
      sums.value_after += valueMinor;
    }
  }
}

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
  version: 3,
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
    const effect = table(TRAINING_REPORT_TABLES.effect);
    let builder = db.schema.createTable(effect).ifNotExists().addColumn('session_id', 'text', (c) => c.notNull()).addColumn('rep_id', 'text', (c) => c.notNull());
    for (const m of EFFECT_MEASURES) builder = builder.addColumn(m, 'bigint', (c) => c.notNull());
    await builder.addPrimaryKeyConstraint(indexName(effect, 'pk'), ['session_id', 'rep_id']).modifyEnd(withoutRowid(ctx.dialect)).execute();
    // A closed deal finds the rows of its rep.
    await db.schema.createIndex(indexName(effect, 'rep')).ifNotExists().on(effect).column('rep_id').execute();
  },

  fold(batch) {
    const sessions = batch.table(TRAINING_REPORT_TABLES.sessions);
    /** Sessions whose schedule or completion changed in the batch: every `effect` row of theirs is recomputed. */
    const changedSessions = new Set<string>();
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
          changedSessions.add(d.sessionId);
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
        TrainingCompleted: (e) => {
          changedSessions.add(e.data.sessionId);
          return batch.sql.run(`update "${sessions}" set status = 'COMPLETED', completed_at = ? where session_id = ?`, [e.at, e.data.sessionId]);
        },
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
        await addClosedToEffects(batch.sql, batch.table, closedRows);
        await recomputeEffects(batch.sql, batch.table, changedSessions, all);
      },
    };
  },
});

/**
 * The deals closed in the batch (rows in CLOSED_COLUMNS order) added to the `effect` rows of their
 * reps whose window holds them. Rows recomputed later in the batch are replaced anyway.
 */
async function addClosedToEffects(sql: Statements, table: (logical: string) => string, closedRows: ReadonlyArray<readonly unknown[]>): Promise<void> {
  if (closedRows.length === 0) return;
  const byRep = new Map<string, Array<readonly unknown[]>>();
  for (const row of closedRows) {
    const repId = row[0] as string;
    let list = byRep.get(repId);
    if (!list) byRep.set(repId, (list = []));
    list.push(row);
  }
  const effect = table(TRAINING_REPORT_TABLES.effect);
  const sessions = table(TRAINING_REPORT_TABLES.sessions);
  const reps = [...byRep.keys()];
  const rows = [];
  for (let i = 0; i < reps.length; i += 500) {
    const chunk = reps.slice(i, i + 500);
    rows.push(
      ...(await sql.all(
        `select f.session_id, f.rep_id, s.completed_at from "${effect}" f join "${sessions}" s on s.session_id = f.session_id ` +
          `where s.completed_at is not null and f.rep_id in (${chunk.map(() => '?').join(', ')})`,
        chunk,
      )),
    );
  }
  const updates: unknown[][] = [];
  for (const row of rows) {
    const completedAt = num(row.completed_at);
    const sums = emptySums();
    for (const c of byRep.get(str(row.rep_id)) ?? []) addToEffect(sums, completedAt, c[1] as number, c[3] === 1, c[4] as number);
    if (sums.closed_before + sums.closed_after > 0) updates.push([str(row.session_id), str(row.rep_id), ...EFFECT_MEASURES.map((m) => sums[m])]);
  }
  await sql.insert(effect, EFFECT_COLUMNS, updates, addOnConflict(effect, ['session_id', 'rep_id'], EFFECT_MEASURES));
}

/**
 * Recomputes from `closed` the `effect` rows of the sessions that changed and of the enrolments
 * written in the batch: written again while their session has a completion instant, else deleted.
 */
async function recomputeEffects(
  sql: Statements,
  table: (logical: string) => string,
  changedSessions: ReadonlySet<string>,
  enrollments: ReadonlyArray<{ sessionId: string; repId: string }>,
): Promise<void> {
  const pairs = new Map<string, { sessionId: string; repId: string }>();
  const enrollmentTable = table(TRAINING_REPORT_TABLES.enrollments);
  if (changedSessions.size > 0) {
    for (const row of await sql.selectIn('session_id, rep_id', enrollmentTable, 'session_id', [...changedSessions])) {
      pairs.set(`${str(row.session_id)}|${str(row.rep_id)}`, { sessionId: str(row.session_id), repId: str(row.rep_id) });
    }
  }
  for (const e of enrollments) pairs.set(`${e.sessionId}|${e.repId}`, e);
  if (pairs.size === 0) return;
  const effect = table(TRAINING_REPORT_TABLES.effect);
  const closed = table(TRAINING_REPORT_TABLES.closed);
  const sessionIds = [...new Set([...pairs.values()].map((p) => p.sessionId))];
  const completedAt = new Map<string, number>();
  for (const row of await sql.selectIn('session_id, completed_at', table(TRAINING_REPORT_TABLES.sessions), 'session_id', sessionIds)) {
    if (row.completed_at !== null) completedAt.set(str(row.session_id), num(row.completed_at));
  }
  const rows: unknown[][] = [];
  for (const { sessionId, repId } of pairs.values()) {
    const at = completedAt.get(sessionId);
    if (at === undefined) {
      await sql.run(`delete from "${effect}" where session_id = ? and rep_id = ?`, [sessionId, repId]);
      continue;
    }
    // Summed by the database: one row back instead of every deal of the window.
    const [sums] = await sql.all(
      `select count(*) as closed, sum(won) as won, sum(case when won = 1 then value_minor else 0 end) as value, ` +
        `sum(case when closed_at < ? then 1 else 0 end) as closed_before, sum(case when closed_at < ? then won else 0 end) as won_before, ` +
        `sum(case when closed_at < ? and won = 1 then value_minor else 0 end) as value_before ` +
        `from "${closed}" where rep_id = ? and closed_at >= ? and closed_at < ?`,
      [at, at, at, repId, at - EFFECT_WINDOW_MS, at + EFFECT_WINDOW_MS],
    );
    const n = (column: string) => (sums?.[column] == null ? 0 : num(sums[column]));
    const before = { closed: n('closed_before'), won: n('won_before'), value: n('value_before') };
    rows.push([sessionId, repId, before.closed, n('closed') - before.closed, before.won, n('won') - before.won, before.value, n('value') - before.value]);
  }
  await sql.insert(effect, EFFECT_COLUMNS, rows, replaceOnConflict(['session_id', 'rep_id'], EFFECT_COLUMNS));
}
