import { Inject, Injectable } from '@nestjs/common';
import { sql, type SelectQueryBuilder } from 'kysely';
import { BadUserInputError, SKILLS, type Skill, type TrainingStatus } from '@kam/kernel';
import type { ReadScope } from '@kam/graphql';
import type { ReadModelAccess } from '@kam/read-store';
import { READ_MODEL_ACCESS } from '../feed/read-freshness';
import { assertRepReadable, teamsCovered } from '../kpis/common/scope';
import { compareIds, num, ratio, str } from '../kpis/common/sql';
import { DAY_MS } from '../kpis/common/time';
import { EFFECT_WINDOW_DAYS, TRAINING_REPORT_PROJECTION_NAME, TRAINING_REPORT_TABLES, trainingOrgTables } from './training-reports.projection';
import type { RepTraining, RepTrainingSession, SkillScore, TrainingEffect } from './training-reports.model';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type AnySelect = SelectQueryBuilder<any, any, any>;

/** The default window is the one the projection pre-sums (one row per attendee instead of their deals). */
export const DEFAULT_EFFECT_DAYS = EFFECT_WINDOW_DAYS;
const MAX_EFFECT_DAYS = 3650;

@Injectable()
export class TrainingReportQueries {
  constructor(@Inject(READ_MODEL_ACCESS) private readonly access: ReadModelAccess) {}

  private readonly table = (logical: string): string => this.access.table(TRAINING_REPORT_PROJECTION_NAME, logical);

  async repTraining(scope: ReadScope, repId: string): Promise<RepTraining> {
    const db = this.access.db;
    await assertRepReadable(db, trainingOrgTables(this.table), scope, repId);
    const rows = await db
      .selectFrom(`${this.table(TRAINING_REPORT_TABLES.enrollments)} as e`)
      .innerJoin(`${this.table(TRAINING_REPORT_TABLES.sessions)} as s`, 's.session_id', 'e.session_id')
      .select(['s.session_id', 's.title', 's.skill', 's.scheduled_at', 's.status', 's.completed_at', 'e.attended', 'e.score'])
      .where('e.rep_id', '=', repId)
      .execute();
    const sessions: RepTrainingSession[] = rows
      .map((r) => ({
        sessionId: str(r.session_id),
        title: str(r.title),
        skill: str(r.skill) as Skill,
        scheduledAt: new Date(num(r.scheduled_at)).toISOString(),
        status: str(r.status) as TrainingStatus,
        completedAt: r.completed_at === null ? null : new Date(num(r.completed_at)).toISOString(),
        attended: r.attended === null ? null : num(r.attended) === 1,
        score: r.score === null ? null : num(r.score),
      }))
      .sort((a, b) => compareIds(a.scheduledAt, b.scheduledAt) || compareIds(a.sessionId, b.sessionId));

    const counted = sessions.filter((s) => s.status !== 'CANCELLED');
    const summary = (list: readonly RepTrainingSession[]) => {
      const attended = list.filter((s) => s.attended === true);
      const scores = attended.map((s) => s.score).filter((s): s is number => s !== null);
      return {
        sessionsEnrolled: list.length,
        sessionsAttended: attended.length,
        averageScore: ratio(scores.reduce((a, b) => a + b, 0), scores.length),
        lastScore: scores.length > 0 ? scores[scores.length - 1]! : null,
      };
    };
    const skills: SkillScore[] = SKILLS.flatMap((skill) => {
      const list = counted.filter((s) => s.skill === skill);
      return list.length === 0 ? [] : [{ skill, ...summary(list) }];
    });
    const { sessionsEnrolled, sessionsAttended, averageScore } = summary(counted);
    return { repId, sessionsEnrolled, sessionsAttended, averageScore, skills, sessions };
  }

  /**
   * For every attended, completed session of the skill (every skill when null), the attendee's
   * deals closed in [completedAt − days, completedAt) vs [completedAt, completedAt + days).
   */
  async trainingEffectiveness(
    scope: ReadScope,
    skill: Skill | null | undefined,
    days = DEFAULT_EFFECT_DAYS,
    teamId?: string | null,
  ): Promise<TrainingEffect[]> {
    if (!Number.isInteger(days) || days < 1 || days > MAX_EFFECT_DAYS) {
      throw new BadUserInputError([{ field: 'days', message: `must be a whole number of days from 1 to ${MAX_EFFECT_DAYS}` }]);
    }
    const db = this.access.db;
    const teamIds = await teamsCovered(db, trainingOrgTables(this.table), scope, teamId, 'trainingEffectiveness');
    const skills: readonly Skill[] = skill ? [skill] : SKILLS;
    if (teamIds !== null && teamIds.length === 0) return skills.map((s) => emptyEffect(s, days));
    const rows = days === EFFECT_WINDOW_DAYS ? await this.presummedEffects(skills, teamIds) : await this.effectsFromDeals(skills, teamIds, days);

    return skills.map((s) => {
      const mine = rows.filter((r) => r.skill === s);
      const sum = (column: string) => mine.reduce((n, r) => n + num(r[column]), 0);
      const closedBefore = sum('closed_before');
      const closedAfter = sum('closed_after');
      return {
        skill: s,
        days,
        sessions: new Set(mine.map((r) => str(r.session_id))).size,
        attendees: mine.length,
        closedBefore,
        closedAfter,
        winRateBefore: ratio(sum('won_before'), closedBefore),
        winRateAfter: ratio(sum('won_after'), closedAfter),
        wonValueBefore: sum('value_before'),
        wonValueAfter: sum('value_after'),
      };
    });
  }

  /** Per attended (session, attendee): the pre-summed window of EFFECT_WINDOW_DAYS. */
  private async presummedEffects(skills: readonly Skill[], teamIds: readonly string[] | null): Promise<Array<Record<string, unknown>>> {
    const q = this.access.db
      .selectFrom(`${this.table(TRAINING_REPORT_TABLES.effect)} as f`)
      .innerJoin(`${this.table(TRAINING_REPORT_TABLES.sessions)} as s`, 's.session_id', 'f.session_id')
      .innerJoin(`${this.table(TRAINING_REPORT_TABLES.enrollments)} as e`, (j) => j.onRef('e.session_id', '=', 'f.session_id').onRef('e.rep_id', '=', 'f.rep_id'))
      .select([
        's.skill as skill',
        's.session_id as session_id',
        'f.rep_id as rep_id',
        'f.closed_before',
        'f.closed_after',
        'f.won_before',
        'f.won_after',
        'f.value_before',
        'f.value_after',
      ])
      .where('s.status', '=', 'COMPLETED')
      .where('s.skill', 'in', [...skills])
      .where('e.attended', '=', 1);
    return (await this.inTeams(q, teamIds).execute()) as Array<Record<string, unknown>>;
  }

  /** Per attended (session, attendee): their deals closed in the window, summed from the deal rows (any window). */
  private async effectsFromDeals(skills: readonly Skill[], teamIds: readonly string[] | null, days: number): Promise<Array<Record<string, unknown>>> {
    const window = days * DAY_MS;
    const before = sql`c.closed_at < s.completed_at`;

    const q = this.access.db
      .selectFrom(`${this.table(TRAINING_REPORT_TABLES.enrollments)} as e`)
      .innerJoin(`${this.table(TRAINING_REPORT_TABLES.sessions)} as s`, 's.session_id', 'e.session_id')
      .leftJoin(`${this.table(TRAINING_REPORT_TABLES.closed)} as c`, (j) =>
        j
          .onRef('c.rep_id', '=', 'e.rep_id')
          .on(sql`c.closed_at`, '>=', sql`s.completed_at - ${window}`)
          .on(sql`c.closed_at`, '<', sql`s.completed_at + ${window}`),
      )
      .select([
        's.skill as skill',
        's.session_id as session_id',
        'e.rep_id as rep_id',
        sql<string>`sum(case when c.deal_id is not null and ${before} then 1 else 0 end)`.as('closed_before'),
        sql<string>`sum(case when c.deal_id is not null and not (${before}) then 1 else 0 end)`.as('closed_after'),
        sql<string>`sum(case when c.won = 1 and ${before} then 1 else 0 end)`.as('won_before'),
        sql<string>`sum(case when c.won = 1 and not (${before}) then 1 else 0 end)`.as('won_after'),
        sql<string>`sum(case when c.won = 1 and ${before} then c.value_minor else 0 end)`.as('value_before'),
        sql<string>`sum(case when c.won = 1 and not (${before}) then c.value_minor else 0 end)`.as('value_after'),
      ])
      .where('s.status', '=', 'COMPLETED')
      .where('s.skill', 'in', [...skills])
      .where('e.attended', '=', 1)
      .groupBy(['s.skill', 's.session_id', 'e.rep_id']);
    return (await this.inTeams(q, teamIds).execute()) as Array<Record<string, unknown>>;
  }

  /** Only attendees (`e`) of sessions (`s`) in these teams (null: every team), counted for the team they were in when the session was completed. */
  private inTeams<Q extends AnySelect>(q: Q, teamIds: readonly string[] | null): Q {
    if (teamIds === null) return q;
    return q
      .innerJoin(`${this.table(TRAINING_REPORT_TABLES.members)} as m`, (j) =>
        j.onRef('m.rep_id', '=', 'e.rep_id').onRef('m.valid_from', '<=', 's.completed_at').onRef('m.valid_to', '>', 's.completed_at'),
      )
      .where('m.team_id', 'in', [...teamIds]) as unknown as Q;
  }
}

function emptyEffect(skill: Skill, days: number): TrainingEffect {
  return { skill, days, sessions: 0, attendees: 0, closedBefore: 0, closedAfter: 0, winRateBefore: null, winRateAfter: null, wonValueBefore: 0, wonValueAfter: 0 };
}

