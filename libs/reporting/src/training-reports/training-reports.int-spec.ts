import type { KamError } from '@kam/kernel';
import type { ReadScope } from '@kam/graphql';
import { availableBackends, EventLog, project, type ReportDb } from '../kpis/testing/report-test-kit';
import { trainingReportProjection } from './training-reports.projection';
import { TrainingReportQueries } from './training-reports.queries';

/*
 * One hand-computed scenario for repTraining and trainingEffectiveness (money in minor units).
 * Team A: r1, r2 (transferred to B on 03-10, after the session), r3. Team B: r4.
 * Sessions:
 *   S3 COMMUNICATION, scheduled 01-31T09:00, completed 02-01T00:00; r1 attended (70)
 *   S2 NEGOTIATION, scheduled 02-15T09:00; r1 attended (40); then CANCELLED: counts nowhere
 *   S1 NEGOTIATION, scheduled 03-01T09:00, completed 03-01T12:00; enrolled r1, r2, r3, r4;
 *      r1 attended (80), r2 attended (60), r3 ABSENT, r4 attended (90)
 *   S4 NEGOTIATION, scheduled 04-10T09:00, not completed; r1 enrolled
 * Closed deals (owner at close):
 *   r1: T6 WON 01-15 30000, T1 WON 02-10 100000, T2 LOST 02-20, T3 WON 03-10 200000,
 *       T4 WON 03-20 50000, T5 WON 04-15 20000
 *   r2: T7 LOST 02-05, T13 WON exactly at S1's completion 03-01T12:00 5000 (→ "after"),
 *       T8 WON 03-05 80000, T9 LOST 03-25
 *   r3: T10 WON 03-10 999999 (absent: never counted)
 *   r4: T11 WON 02-15 40000, T12 LOST 03-15
 */
function scenario(): EventLog {
  const log = new EventLog()
    .team('A', '2025-11-01T00:00:00Z')
    .team('B', '2025-11-01T00:00:00Z')
    .hire('r1', 'A', '2025-11-01T00:00:00Z')
    .hire('r2', 'A', '2025-11-01T00:00:00Z')
    .hire('r3', 'A', '2025-11-01T00:00:00Z')
    .hire('r4', 'B', '2025-11-01T00:00:00Z');
  const closed = (id: string, repId: string, outcome: 'WON' | 'LOST', value: number, at: string) => {
    log.open(id, { repId, valueMinor: value }, '2025-11-15T00:00:00Z');
    if (outcome === 'WON') log.win(id, value, at);
    else log.lose(id, value, at);
  };
  closed('T6', 'r1', 'WON', 30000, '2026-01-15T00:00:00Z');
  log.schedule('S3', 'COMMUNICATION', '2026-01-31T09:00:00Z', '2026-01-10T00:00:00Z').enroll('S3', 'r1', '2026-01-10T00:00:00Z');
  log.attendance('S3', 'r1', true, 70, '2026-01-31T17:00:00Z').complete('S3', '2026-02-01T00:00:00Z');
  closed('T7', 'r2', 'LOST', 10000, '2026-02-05T00:00:00Z');
  closed('T1', 'r1', 'WON', 100000, '2026-02-10T00:00:00Z');
  log.schedule('S2', 'NEGOTIATION', '2026-02-15T09:00:00Z', '2026-02-01T00:00:00Z').enroll('S2', 'r1', '2026-02-01T00:00:00Z');
  log.attendance('S2', 'r1', true, 40, '2026-02-15T12:00:00Z').cancel('S2', '2026-02-15T13:00:00Z');
  closed('T11', 'r4', 'WON', 40000, '2026-02-15T00:00:00Z');
  closed('T2', 'r1', 'LOST', 10000, '2026-02-20T00:00:00Z');
  log.schedule('S1', 'NEGOTIATION', '2026-03-01T09:00:00Z', '2026-02-10T00:00:00Z');
  for (const rep of ['r1', 'r2', 'r3', 'r4']) log.enroll('S1', rep, '2026-02-11T00:00:00Z');
  log
    .attendance('S1', 'r1', true, 80, '2026-03-01T11:00:00Z')
    .attendance('S1', 'r2', true, 60, '2026-03-01T11:00:00Z')
    .attendance('S1', 'r3', false, null, '2026-03-01T11:00:00Z')
    .attendance('S1', 'r4', true, 90, '2026-03-01T11:00:00Z')
    .complete('S1', '2026-03-01T12:00:00Z');
  closed('T13', 'r2', 'WON', 5000, '2026-03-01T12:00:00Z');
  closed('T8', 'r2', 'WON', 80000, '2026-03-05T00:00:00Z');
  closed('T3', 'r1', 'WON', 200000, '2026-03-10T00:00:00Z');
  closed('T10', 'r3', 'WON', 999999, '2026-03-10T00:00:00Z');
  log.transfer('r2', 'A', 'B', '2026-03-10T00:00:00Z');
  closed('T12', 'r4', 'LOST', 10000, '2026-03-15T00:00:00Z');
  closed('T4', 'r1', 'WON', 50000, '2026-03-20T00:00:00Z');
  closed('T9', 'r2', 'LOST', 10000, '2026-03-25T00:00:00Z');
  log.schedule('S4', 'NEGOTIATION', '2026-04-10T09:00:00Z', '2026-03-25T00:00:00Z').enroll('S4', 'r1', '2026-03-26T00:00:00Z');
  closed('T5', 'r1', 'WON', 20000, '2026-04-15T00:00:00Z');
  return log;
}

const ALL: ReadScope = { kind: 'all' };

async function codeOf(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
  } catch (error) {
    return (error as KamError).code;
  }
  throw new Error('expected an error');
}

for (const backend of availableBackends()) {
  describe(`training reports on ${backend.name}`, () => {
    let rdb: ReportDb;
    let queries: TrainingReportQueries;

    beforeAll(async () => {
      rdb = await backend.open();
      await project(rdb, [trainingReportProjection], scenario().events);
      queries = new TrainingReportQueries(rdb.access);
    });
    afterAll(async () => {
      await rdb?.dispose();
    });

    it('trainingEffectiveness(NEGOTIATION, 30 days, team A): the absent enrollee does not count', async () => {
      // S1 completed 03-01T12:00; before = [01-30T12:00, 03-01T12:00), after = [03-01T12:00, 03-31T12:00).
      // Attendees in A at completion: r1, r2 (r3 absent; r4 in B) → 1 session, 2 attendances.
      // Before: r1 T1 won 100000, T2 lost; r2 T7 lost → 3 closed, 1 won (1/3), 100000.
      // After: r1 T3 200000, T4 50000 won; r2 T13 5000 (at the completion instant), T8 80000 won,
      // T9 lost → 5 closed, 4 won (0.8), 200000 + 50000 + 5000 + 80000 = 335000.
      // S2 was cancelled and S4 is not completed: neither counts.
      expect(await queries.trainingEffectiveness(ALL, 'NEGOTIATION', 30, 'A')).toEqual([
        {
          skill: 'NEGOTIATION', days: 30, sessions: 1, attendees: 2,
          closedBefore: 3, closedAfter: 5, winRateBefore: 1 / 3, winRateAfter: 0.8,
          wonValueBefore: 100000, wonValueAfter: 335000,
        },
      ]);
    });

    it('defaults to 90 days and spans every team for an unrestricted reader', async () => {
      // 90 days, team A: before [2025-12-01T12:00, 03-01T12:00) adds r1's T6 (01-15, 30000):
      // 4 closed, 2 won (0.5), 130000. After [03-01T12:00, 05-30T12:00) adds T5 (04-15, 20000):
      // 6 closed, 5 won (5/6), 355000.
      const [a90] = await queries.trainingEffectiveness(ALL, 'NEGOTIATION', undefined, 'A');
      expect(a90).toEqual({
        skill: 'NEGOTIATION', days: 90, sessions: 1, attendees: 2,
        closedBefore: 4, closedAfter: 6, winRateBefore: 0.5, winRateAfter: 5 / 6,
        wonValueBefore: 130000, wonValueAfter: 355000,
      });
      // 30 days, every team: r4 adds T11 won 40000 before and T12 lost after:
      // before 4 closed, 2 won (0.5), 140000; after 6 closed, 4 won (2/3), 335000.
      const [all] = await queries.trainingEffectiveness(ALL, 'NEGOTIATION', 30);
      expect(all).toEqual({
        skill: 'NEGOTIATION', days: 30, sessions: 1, attendees: 3,
        closedBefore: 4, closedAfter: 6, winRateBefore: 0.5, winRateAfter: 4 / 6,
        wonValueBefore: 140000, wonValueAfter: 335000,
      });
      // B's supervisor: r4 only (r2 moved to B after the session, so he stays A's here).
      const [b] = await queries.trainingEffectiveness({ kind: 'teams', teamIds: ['B'], trainerId: 'kam-B' }, 'NEGOTIATION', 30);
      expect([b!.attendees, b!.closedBefore, b!.winRateBefore, b!.closedAfter, b!.winRateAfter, b!.wonValueBefore]).toEqual([1, 1, 1, 1, 0, 40000]);
    });

    it('without a skill: one entry per skill; a skill without sessions is empty with null rates', async () => {
      const effects = await queries.trainingEffectiveness(ALL, null, 30, 'A');
      expect(effects.map((e) => e.skill)).toEqual([
        'NEGOTIATION', 'PRODUCT_KNOWLEDGE', 'COMMUNICATION', 'PROSPECTING', 'KEY_ACCOUNT_PLANNING', 'STRESS_RESILIENCE',
      ]);
      // COMMUNICATION: S3 completed 02-01T00:00, r1. Before [01-02, 02-01): T6 won 30000.
      // After [02-01, 03-03): T1 won 100000, T2 lost → 2 closed, 1 won (0.5).
      expect(effects[2]).toEqual({
        skill: 'COMMUNICATION', days: 30, sessions: 1, attendees: 1,
        closedBefore: 1, closedAfter: 2, winRateBefore: 1, winRateAfter: 0.5,
        wonValueBefore: 30000, wonValueAfter: 100000,
      });
      expect(effects[1]).toEqual({
        skill: 'PRODUCT_KNOWLEDGE', days: 30, sessions: 0, attendees: 0,
        closedBefore: 0, closedAfter: 0, winRateBefore: null, winRateAfter: null,
        wonValueBefore: 0, wonValueAfter: 0,
      });
    });

    it('repTraining: enrolled and attended sessions, scores per skill; cancelled sessions count nowhere', async () => {
      const r1 = await queries.repTraining(ALL, 'r1');
      // Not cancelled: S3, S1, S4 → 3 enrolled; attended S3 (70) and S1 (80) → average 75.
      expect([r1.sessionsEnrolled, r1.sessionsAttended, r1.averageScore]).toEqual([3, 2, 75]);
      expect(r1.skills).toEqual([
        { skill: 'NEGOTIATION', sessionsEnrolled: 2, sessionsAttended: 1, averageScore: 80, lastScore: 80 },
        { skill: 'COMMUNICATION', sessionsEnrolled: 1, sessionsAttended: 1, averageScore: 70, lastScore: 70 },
      ]);
      expect(r1.sessions.map((s) => [s.sessionId, s.status, s.attended, s.score, s.completedAt])).toEqual([
        ['S3', 'COMPLETED', true, 70, '2026-02-01T00:00:00.000Z'],
        ['S2', 'CANCELLED', true, 40, null],
        ['S1', 'COMPLETED', true, 80, '2026-03-01T12:00:00.000Z'],
        ['S4', 'SCHEDULED', null, null, null],
      ]);
      // r3 was enrolled in S1 and absent.
      const r3 = await queries.repTraining(ALL, 'r3');
      expect([r3.sessionsEnrolled, r3.sessionsAttended, r3.averageScore]).toEqual([1, 0, null]);
      expect(r3.skills).toEqual([{ skill: 'NEGOTIATION', sessionsEnrolled: 1, sessionsAttended: 0, averageScore: null, lastScore: null }]);
      expect(r3.sessions[0]).toMatchObject({ sessionId: 'S1', attended: false, score: null });
    });

    it('checks days and scope', async () => {
      expect(await codeOf(queries.trainingEffectiveness(ALL, 'NEGOTIATION', 0))).toBe('BAD_USER_INPUT');
      expect(await codeOf(queries.trainingEffectiveness(ALL, 'NEGOTIATION', 1.5))).toBe('BAD_USER_INPUT');
      const rep1: ReadScope = { kind: 'rep', repId: 'r1' };
      expect((await queries.repTraining(rep1, 'r1')).repId).toBe('r1');
      expect(await codeOf(queries.repTraining(rep1, 'r2'))).toBe('NOT_FOUND');
      expect(await codeOf(queries.trainingEffectiveness(rep1, 'NEGOTIATION'))).toBe('NOT_FOUND');
      const supA: ReadScope = { kind: 'teams', teamIds: ['A'], trainerId: 'kam-A' };
      expect(await codeOf(queries.repTraining(supA, 'r2'))).toBe('NOT_FOUND'); // in B now
      expect(await codeOf(queries.trainingEffectiveness(supA, 'NEGOTIATION', 30, 'B'))).toBe('NOT_FOUND');
      expect(await codeOf(queries.repTraining(ALL, 'ghost'))).toBe('NOT_FOUND');
    });
  });
}
