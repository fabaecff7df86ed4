import fc from 'fast-check';
import { SKILLS, type Skill } from '@kam/kernel';
import type { ReadScope } from '@kam/graphql';
import { EventLog, project, sqliteBackend, validDealSteps } from '../kpis/testing/report-test-kit';
import { instantMs } from '../kpis/common/time';
import type { TrainingEffect } from './training-reports.model';
import { EFFECT_WINDOW_DAYS, trainingReportProjection } from './training-reports.projection';
import { TrainingReportQueries } from './training-reports.queries';

/*
 * The pre-summed window (`effect` rows, kept by the projection batch after batch) against a
 * straightforward computation over the same random history: sessions scheduled, enrolled,
 * attended, completed, cancelled, rescheduled and completed again, deals opened, reassigned and
 * closed, in any append order and business times, projected in batches of any size.
 */

jest.setTimeout(120_000);

const DAY = 86_400_000;
const T0 = instantMs('2026-01-01T00:00:00Z');
const REPS = ['r1', 'r2'];
const SESSIONS = ['S1', 'S2'];
const DEALS = ['D1', 'D2', 'D3', 'D4', 'D5', 'D6', 'D7', 'D8'];

type Op =
  | { kind: 'schedule'; session: number; skill: number }
  | { kind: 'enroll'; session: number; rep: number }
  | { kind: 'attend'; session: number; rep: number; attended: boolean; score: number }
  | { kind: 'complete'; session: number }
  | { kind: 'cancel'; session: number }
  | { kind: 'open'; deal: number; rep: number; value: number }
  | { kind: 'reassign'; deal: number; rep: number }
  | { kind: 'win'; deal: number; value: number }
  | { kind: 'lose'; deal: number };

const session = fc.nat(SESSIONS.length - 1);
const rep = fc.nat(REPS.length - 1);
const deal = fc.nat(DEALS.length - 1);
const op: fc.Arbitrary<Op> = fc.oneof(
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('schedule' as const), session, skill: fc.nat(1) }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('enroll' as const), session, rep }) },
  { weight: 3, arbitrary: fc.record({ kind: fc.constant('attend' as const), session, rep, attended: fc.boolean(), score: fc.integer({ min: 0, max: 100 }) }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('complete' as const), session }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('cancel' as const), session }) },
  { weight: 5, arbitrary: fc.record({ kind: fc.constant('open' as const), deal, rep, value: fc.integer({ min: 1, max: 1_000_000 }) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('reassign' as const), deal, rep }) },
  { weight: 4, arbitrary: fc.record({ kind: fc.constant('win' as const), deal, value: fc.integer({ min: 1, max: 1_000_000 }) }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('lose' as const), deal }) },
);
/** Business time of an event: anywhere in half a year, on the hour or at any millisecond (append order ≠ business order). */
const at = fc.oneof(
  fc.integer({ min: 0, max: 180 * 24 }).map((h) => T0 + h * 3_600_000),
  fc.integer({ min: 0, max: 180 * DAY }).map((ms) => T0 + ms),
);

const iso = (ms: number) => new Date(ms).toISOString();

const valid = (steps: ReadonlyArray<[Op, number]>): Array<[Op, number]> => validDealSteps(steps);

/** The report as the contract defines it, from the events in append order. */
function expected(steps: ReadonlyArray<[Op, number]>, days: number, skills: readonly Skill[]): TrainingEffect[] {
  const sessions = new Map<string, { skill: Skill; status: string; completedAt: number | null }>();
  const attendance = new Map<string, boolean | null>();
  const open = new Map<string, string>();
  const closed: Array<{ rep: string; at: number; won: boolean; value: number }> = [];
  for (const [o, t] of steps) {
    if (o.kind === 'schedule') sessions.set(SESSIONS[o.session]!, { skill: SKILLS[o.skill]!, status: 'SCHEDULED', completedAt: null });
    else if (o.kind === 'enroll') {
      const key = `${SESSIONS[o.session]}|${REPS[o.rep]}`;
      if (!attendance.has(key)) attendance.set(key, null);
    } else if (o.kind === 'attend') attendance.set(`${SESSIONS[o.session]}|${REPS[o.rep]}`, o.attended);
    else if (o.kind === 'complete') {
      const s = sessions.get(SESSIONS[o.session]!);
      if (s) Object.assign(s, { status: 'COMPLETED', completedAt: t });
    } else if (o.kind === 'cancel') {
      const s = sessions.get(SESSIONS[o.session]!);
      if (s) s.status = 'CANCELLED';
    } else if (o.kind === 'open') {
      open.set(DEALS[o.deal]!, REPS[o.rep]!);
    } else if (o.kind === 'reassign') {
      if (open.has(DEALS[o.deal]!)) open.set(DEALS[o.deal]!, REPS[o.rep]!);
    } else {
      const owner = open.get(DEALS[o.deal]!);
      if (owner === undefined) continue;
      closed.push({ rep: owner, at: t, won: o.kind === 'win', value: o.kind === 'win' ? o.value : 0 });
      open.delete(DEALS[o.deal]!);
    }
  }
  const w = days * DAY;
  return skills.map((skill) => {
    let sessionsCount = 0;
    let attendees = 0;
    const sums = { closedBefore: 0, closedAfter: 0, wonBefore: 0, wonAfter: 0, wonValueBefore: 0, wonValueAfter: 0 };
    for (const [id, s] of sessions) {
      if (s.skill !== skill || s.status !== 'COMPLETED' || s.completedAt === null) continue;
      const c = s.completedAt;
      const who = REPS.filter((r) => attendance.get(`${id}|${r}`) === true);
      if (who.length > 0) sessionsCount++;
      attendees += who.length;
      for (const r of who) {
        for (const d of closed) {
          if (d.rep !== r || d.at < c - w || d.at >= c + w) continue;
          if (d.at < c) {
            sums.closedBefore++;
            sums.wonBefore += d.won ? 1 : 0;
            sums.wonValueBefore += d.won ? d.value : 0;
          } else {
            sums.closedAfter++;
            sums.wonAfter += d.won ? 1 : 0;
            sums.wonValueAfter += d.won ? d.value : 0;
          }
        }
      }
    }
    const ratio = (a: number, b: number) => (b === 0 ? null : a / b);
    return {
      skill,
      days,
      sessions: sessionsCount,
      attendees,
      closedBefore: sums.closedBefore,
      closedAfter: sums.closedAfter,
      winRateBefore: ratio(sums.wonBefore, sums.closedBefore),
      winRateAfter: ratio(sums.wonAfter, sums.closedAfter),
      wonValueBefore: sums.wonValueBefore,
      wonValueAfter: sums.wonValueAfter,
    };
  });
}

function logOf(steps: ReadonlyArray<[Op, number]>): EventLog {
  const log = new EventLog().team('A', '2025-01-01T00:00:00Z');
  for (const r of REPS) log.hire(r, 'A', '2025-01-01T00:00:00Z');
  for (const [o, t] of steps) {
    const when = iso(t);
    switch (o.kind) {
      case 'schedule':
        log.schedule(SESSIONS[o.session]!, SKILLS[o.skill]!, when, when);
        break;
      case 'enroll':
        log.enroll(SESSIONS[o.session]!, REPS[o.rep]!, when);
        break;
      case 'attend':
        log.attendance(SESSIONS[o.session]!, REPS[o.rep]!, o.attended, o.attended ? o.score : null, when);
        break;
      case 'complete':
        log.complete(SESSIONS[o.session]!, when);
        break;
      case 'cancel':
        log.cancel(SESSIONS[o.session]!, when);
        break;
      case 'open':
        log.open(DEALS[o.deal]!, { repId: REPS[o.rep]!, valueMinor: o.value }, when);
        break;
      case 'reassign':
        log.reassign(DEALS[o.deal]!, 'r?', REPS[o.rep]!, when);
        break;
      case 'win':
        log.win(DEALS[o.deal]!, o.value, when);
        break;
      case 'lose':
        log.lose(DEALS[o.deal]!, 1, when);
        break;
    }
  }
  return log;
}

const ALL: ReadScope = { kind: 'all' };

describe('trainingEffectiveness: the pre-summed window equals the straightforward computation', () => {
  it(`over random histories, in batches of any size (${EFFECT_WINDOW_DAYS} days pre-summed; other windows from the deal rows)`, async () => {
    const skills = SKILLS.slice(0, 2);
    await fc.assert(
      fc.asyncProperty(fc.array(fc.tuple(op, at), { minLength: 30, maxLength: 100 }), fc.integer({ min: 1, max: 12 }), fc.integer({ min: 1, max: 200 }), async (generated, batchSize, otherDays) => {
        const steps = valid(generated);
        const rdb = await sqliteBackend.open();
        try {
          await project(rdb, [trainingReportProjection], logOf(steps).events, batchSize);
          const queries = new TrainingReportQueries(rdb.access);
          const all = await queries.trainingEffectiveness(ALL, null, EFFECT_WINDOW_DAYS);
          expect(all.filter((e) => skills.includes(e.skill))).toEqual(expected(steps, EFFECT_WINDOW_DAYS, skills));
          expect(await queries.trainingEffectiveness(ALL, skills[0], undefined, 'A')).toEqual(expected(steps, EFFECT_WINDOW_DAYS, [skills[0]!]));
          expect(await queries.trainingEffectiveness(ALL, null, otherDays)).toEqual(expected(steps, otherDays, SKILLS));
        } finally {
          await rdb.dispose();
        }
      }),
      { numRuns: 150 },
    );
  });
});
