import { formatMoney, type KamError } from '@kam/kernel';
import type { ReadScope } from '@kam/graphql';
import { pipelineProjection } from '../pipeline/pipeline.projection';
import { PipelineQueries } from '../pipeline/pipeline.queries';
import { kpiProjection } from './kpis.projection';
import { KpiQueries } from './kpis.queries';
import type { Kpis } from './kpis.model';
import { availableBackends, EventLog, fixedClock, project, type ReportDb } from './testing/report-test-kit';

/*
 * One hand-computed scenario for teamPerformance, repPerformance and leaderboard.
 * Money in minor units (100 = "1.00"). Period P = 2026-01-16..2026-03-15 (cuts January and March):
 *   January 16..31 = 16 of 31 days, February 28 of 28, March 1..15 = 15 of 31.
 *
 * Teams A and B. r1 hired into A (2025-12-01), transferred to B on 2026-02-10T12:00 — and that
 * transfer is appended to the log AFTER the deals below (history import): D2, closed in B's
 * time, is first projected into A and must move to B when the transfer arrives.
 * r2 hired into A (2025-12-01). r3 hired into B on 2026-01-20T08:00 (mid-period).
 *
 * Quotas per month (Jan, Feb, Mar): r1 310000, 280000, 310000; r2 620000, 560000, 620000;
 * r3 310000, 280000, 310000.
 *
 * Deals (opened → closed):
 *   D1 r1 open 01-05T10:00, WON 02-05T10:00 (r1 in A) 120000, cycle 31 days
 *   D2 r1 open 02-01T00:00, WON 02-20T00:00 (r1 in B) 200000, cycle 19 days
 *   D3 r1 open 01-10,       LOST 02-10T11:00 (one hour before the transfer: A) 50000
 *   D4 r2 open 01-02,       WON 01-12 (before P: not counted) 99900
 *   D5 r2 open 01-20T00:00, WON 03-01T00:00 (A) 300000, cycle 40 days
 *   D6 r2 open 03-01 PROSPECTING 80000, LOST 03-16 (after P): open at the end of P
 *   D7 r3 open 02-01 400000, → PROPOSAL 02-15, revised to 500000 on 03-20 (after P)
 *   D8 r1 open 03-01 PROSPECTING 100000 (B), → NEGOTIATION 03-16 (after P)
 *   D9 r2 open 02-01 60000, → QUALIFICATION 02-02 (A)
 * "Now" is 2026-11-27, so open pipeline is taken at the end of P (2026-03-15T23:59:59.999Z).
 */
function scenario(): EventLog {
  const log = new EventLog()
    .team('A', '2025-11-01T00:00:00Z')
    .team('B', '2025-11-01T00:00:00Z')
    .hire('r1', 'A', '2025-12-01T09:00:00Z')
    .hire('r2', 'A', '2025-12-01T09:00:00Z')
    .quota('r1', '2026-01', 310000, '2025-12-02T00:00:00Z')
    .quota('r1', '2026-02', 280000, '2025-12-02T00:00:00Z')
    .quota('r1', '2026-03', 300000, '2025-12-02T00:00:00Z')
    .quota('r1', '2026-03', 310000, '2025-12-03T00:00:00Z') // replaces the 300000
    .quota('r2', '2026-01', 620000, '2025-12-02T00:00:00Z')
    .quota('r2', '2026-02', 560000, '2025-12-02T00:00:00Z')
    .quota('r2', '2026-03', 620000, '2025-12-02T00:00:00Z')
    .hire('r3', 'B', '2026-01-20T08:00:00Z')
    .quota('r3', '2026-01', 310000, '2026-01-20T09:00:00Z')
    .quota('r3', '2026-02', 280000, '2026-01-20T09:00:00Z')
    .quota('r3', '2026-03', 310000, '2026-01-20T09:00:00Z');
  log
    .open('D1', { repId: 'r1', valueMinor: 100000 }, '2026-01-05T10:00:00Z')
    .win('D1', 120000, '2026-02-05T10:00:00Z')
    .open('D2', { repId: 'r1', valueMinor: 200000 }, '2026-02-01T00:00:00Z')
    .win('D2', 200000, '2026-02-20T00:00:00Z')
    .open('D3', { repId: 'r1', valueMinor: 50000 }, '2026-01-10T00:00:00Z')
    .lose('D3', 50000, '2026-02-10T11:00:00Z')
    .open('D4', { repId: 'r2', valueMinor: 99900 }, '2026-01-02T00:00:00Z')
    .win('D4', 99900, '2026-01-12T00:00:00Z')
    .open('D5', { repId: 'r2', valueMinor: 300000 }, '2026-01-20T00:00:00Z')
    .win('D5', 300000, '2026-03-01T00:00:00Z')
    .open('D6', { repId: 'r2', valueMinor: 80000 }, '2026-03-01T00:00:00Z')
    .lose('D6', 80000, '2026-03-16T00:00:00Z', { fromStage: 'PROSPECTING' })
    .open('D7', { repId: 'r3', valueMinor: 400000 }, '2026-02-01T00:00:00Z')
    .stage('D7', 'PROSPECTING', 'PROPOSAL', '2026-02-15T00:00:00Z')
    .revise('D7', 400000, 500000, '2026-03-20T00:00:00Z')
    .open('D8', { repId: 'r1', valueMinor: 100000 }, '2026-03-01T00:00:00Z')
    .stage('D8', 'PROSPECTING', 'NEGOTIATION', '2026-03-16T00:00:00Z')
    .open('D9', { repId: 'r2', valueMinor: 60000 }, '2026-02-01T00:00:00Z')
    .stage('D9', 'PROSPECTING', 'QUALIFICATION', '2026-02-02T00:00:00Z')
    // Imported late: dated before D2's close, appended after it.
    .transfer('r1', 'A', 'B', '2026-02-10T12:00:00Z');
  return log;
}

const P = { from: '2026-01-16', to: '2026-03-15' };
const ALL: ReadScope = { kind: 'all' };
const DAY = 86_400_000;

async function codeOf(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
  } catch (error) {
    return (error as KamError).code;
  }
  throw new Error('expected an error');
}

function expectKpis(actual: Kpis, expected: Kpis): void {
  for (const [key, value] of Object.entries(expected)) {
    const got = actual[key as keyof Kpis];
    if (value === null) expect({ key, got }).toEqual({ key, got: null });
    else expect({ key, got }).toEqual({ key, got: expect.closeTo(value as number, 9) });
  }
}

for (const backend of availableBackends()) {
  describe(`KPI reports on ${backend.name}`, () => {
    let rdb: ReportDb;
    let kpis: KpiQueries;

    beforeAll(async () => {
      rdb = await backend.open();
      await project(rdb, [kpiProjection, pipelineProjection], scenario().events);
      const clock = fixedClock('2026-11-27T10:00:00Z');
      kpis = new KpiQueries(rdb.access, new PipelineQueries(rdb.access, clock), clock);
    });
    afterAll(async () => {
      await rdb?.dispose();
    });

    it('teamPerformance(A): deals by the team at close, quota prorated over membership days', async () => {
      const team = await kpis.teamPerformance(ALL, 'A', P);
      expect(team.teamId).toBe('A');
      expect(team.reps.map((r) => r.repId)).toEqual(['r1', 'r2']);
      const [r1, r2] = team.reps;
      // r1 in A: D1 won 120000 (31 days), D3 lost 50000; no open deal of r1 counts for A at the
      // end of P (r1 is in B then). Days in A: Jan 16..31 and Feb 1..9 (the transfer day counts
      // for B): 310000×16/31 + 280000×9/28 = 160000 + 90000 = 250000.
      expectKpis(r1!.kpis, {
        wonCount: 1, wonValue: 120000, lostCount: 1, lostValue: 50000,
        winRate: 1 / 2, averageDealSize: 120000, averageSalesCycleDays: 31,
        openPipelineValue: 0, weightedPipelineValue: 0,
        quota: 250000, quotaAttainment: 120000 / 250000,
        pipelineCoverage: 0 / (250000 - 120000),
      });
      // r2: D5 won 300000 (40 days); D4 closed before P, D6 after. Open at the end of P:
      // D6 80000 PROSPECTING (×0.10 = 8000) + D9 60000 QUALIFICATION (×0.25 = 15000).
      // Quota 620000×16/31 + 560000 + 620000×15/31 = 320000 + 560000 + 300000 = 1180000.
      expectKpis(r2!.kpis, {
        wonCount: 1, wonValue: 300000, lostCount: 0, lostValue: 0,
        winRate: 1, averageDealSize: 300000, averageSalesCycleDays: 40,
        openPipelineValue: 140000, weightedPipelineValue: 23000,
        quota: 1180000, quotaAttainment: 300000 / 1180000,
        pipelineCoverage: 140000 / (1180000 - 300000),
      });
      // Team A = r1 + r2: won 2 (420000), lost 1 (50000), cycle (31 + 40) / 2 = 35.5 days.
      expectKpis(team.kpis, {
        wonCount: 2, wonValue: 420000, lostCount: 1, lostValue: 50000,
        winRate: 2 / 3, averageDealSize: 210000, averageSalesCycleDays: 35.5,
        openPipelineValue: 140000, weightedPipelineValue: 23000,
        quota: 1430000, quotaAttainment: 420000 / 1430000,
        pipelineCoverage: 140000 / (1430000 - 420000),
      });
      expect(formatMoney(team.kpis.quota)).toBe('14300.00');
    });

    it('teamPerformance(B): the late transfer moved D2 to B; a revision after the period does not leak', async () => {
      const team = await kpis.teamPerformance(ALL, 'B', P);
      expect(team.reps.map((r) => r.repId)).toEqual(['r1', 'r3']);
      const [r1, r3] = team.reps;
      // r1 in B: D2 won 200000 (19 days); D8 open PROSPECTING 100000 (×0.10 = 10000).
      // Days in B: Feb 10..28 and Mar 1..15: 280000×19/28 + 310000×15/31 = 190000 + 150000 = 340000.
      expectKpis(r1!.kpis, {
        wonCount: 1, wonValue: 200000, lostCount: 0, lostValue: 0,
        winRate: 1, averageDealSize: 200000, averageSalesCycleDays: 19,
        openPipelineValue: 100000, weightedPipelineValue: 10000,
        quota: 340000, quotaAttainment: 200000 / 340000,
        pipelineCoverage: 100000 / (340000 - 200000),
      });
      // r3: nothing closed (rates null); D7 at PROPOSAL with its value at the end of P, 400000
      // (the 500000 revision is dated 03-20): ×0.50 = 200000. Hired 01-20: Jan 20..31 = 12 days:
      // 310000×12/31 + 280000 + 310000×15/31 = 120000 + 280000 + 150000 = 550000.
      expectKpis(r3!.kpis, {
        wonCount: 0, wonValue: 0, lostCount: 0, lostValue: 0,
        winRate: null, averageDealSize: null, averageSalesCycleDays: null,
        openPipelineValue: 400000, weightedPipelineValue: 200000,
        quota: 550000, quotaAttainment: 0,
        pipelineCoverage: 400000 / 550000,
      });
      expectKpis(team.kpis, {
        wonCount: 1, wonValue: 200000, lostCount: 0, lostValue: 0,
        winRate: 1, averageDealSize: 200000, averageSalesCycleDays: 19,
        openPipelineValue: 500000, weightedPipelineValue: 210000,
        quota: 890000, quotaAttainment: 200000 / 890000,
        pipelineCoverage: 500000 / (890000 - 200000),
      });
    });

    it('repPerformance(r1): every deal r1 closed, whatever the team; the whole period of quota', async () => {
      const rep = await kpis.repPerformance(ALL, 'r1', P);
      // D1 120000 (31 d) + D2 200000 (19 d) won, D3 50000 lost; open D8 100000 PROSPECTING.
      // Quota 310000×16/31 + 280000 + 310000×15/31 = 160000 + 280000 + 150000 = 590000
      // (= 250000 in A + 340000 in B).
      expectKpis(rep.kpis, {
        wonCount: 2, wonValue: 320000, lostCount: 1, lostValue: 50000,
        winRate: 2 / 3, averageDealSize: 160000, averageSalesCycleDays: (31 + 19) / 2,
        openPipelineValue: 100000, weightedPipelineValue: 10000,
        quota: 590000, quotaAttainment: 320000 / 590000,
        pipelineCoverage: 100000 / (590000 - 320000),
      });
      expect(rep.kpis.averageSalesCycleDays! * DAY).toBe(25 * DAY);
    });

    it('empty periods answer zeros and null rates, never NaN', async () => {
      // June 2025: nobody in A yet, no quota, nothing open.
      const before = await kpis.teamPerformance(ALL, 'A', { from: '2025-06-01', to: '2025-06-30' });
      expect(before.reps).toEqual([]);
      expectKpis(before.kpis, {
        wonCount: 0, wonValue: 0, lostCount: 0, lostValue: 0,
        winRate: null, averageDealSize: null, averageSalesCycleDays: null,
        openPipelineValue: 0, weightedPipelineValue: 0,
        quota: 0, quotaAttainment: null, pipelineCoverage: null,
      });
      // April 2026 in B: members r1 and r3, no quota, nothing closed. Open at 04-30: D7 now
      // 500000 at PROPOSAL (×0.50 = 250000) and D8 100000 at NEGOTIATION (×0.75 = 75000).
      const april = await kpis.teamPerformance(ALL, 'B', { from: '2026-04-01', to: '2026-04-30' });
      expect(april.reps.map((r) => r.repId)).toEqual(['r1', 'r3']);
      expectKpis(april.kpis, {
        wonCount: 0, wonValue: 0, lostCount: 0, lostValue: 0,
        winRate: null, averageDealSize: null, averageSalesCycleDays: null,
        openPipelineValue: 600000, weightedPipelineValue: 325000,
        quota: 0, quotaAttainment: null, pipelineCoverage: null,
      });
    });

    it('leaderboard: best first, nulls last, ties by repId', async () => {
      // A: WON_VALUE r2 300000 > r1 120000; WIN_RATE r2 1 > r1 0.5.
      expect((await kpis.leaderboard(ALL, 'A', P, 'WON_VALUE')).map((r) => r.repId)).toEqual(['r2', 'r1']);
      expect((await kpis.leaderboard(ALL, 'A', P, 'WIN_RATE')).map((r) => r.repId)).toEqual(['r2', 'r1']);
      // B: WIN_RATE r1 1, r3 null (last); QUOTA_ATTAINMENT r1 200000/340000 > r3 0.
      expect((await kpis.leaderboard(ALL, 'B', P, 'WIN_RATE')).map((r) => r.repId)).toEqual(['r1', 'r3']);
      expect((await kpis.leaderboard(ALL, 'B', P, 'QUOTA_ATTAINMENT')).map((r) => r.repId)).toEqual(['r1', 'r3']);
      // April in B: both 0 won → tie, by repId.
      const april = await kpis.leaderboard(ALL, 'B', { from: '2026-04-01', to: '2026-04-30' }, 'WON_COUNT');
      expect(april.map((r) => [r.repId, r.kpis.wonCount])).toEqual([['r1', 0], ['r3', 0]]);
    });

    it('checks the period and the scope', async () => {
      expect(await codeOf(kpis.teamPerformance(ALL, 'A', { from: '2026-03-15', to: '2026-01-16' }))).toBe('BAD_USER_INPUT');
      expect(await codeOf(kpis.teamPerformance(ALL, 'nope', P))).toBe('NOT_FOUND');
      expect(await codeOf(kpis.repPerformance(ALL, 'nobody', P))).toBe('NOT_FOUND');
      const supervisorOfA: ReadScope = { kind: 'teams', teamIds: ['A'], trainerId: 'kam-A' };
      expect((await kpis.teamPerformance(supervisorOfA, 'A', P)).teamId).toBe('A');
      expect(await codeOf(kpis.teamPerformance(supervisorOfA, 'B', P))).toBe('NOT_FOUND');
      expect(await codeOf(kpis.leaderboard(supervisorOfA, 'B', P, 'WON_VALUE'))).toBe('NOT_FOUND');
      // r1 is in B now: out of A's supervisor's sight.
      expect(await codeOf(kpis.repPerformance(supervisorOfA, 'r1', P))).toBe('NOT_FOUND');
      expect((await kpis.repPerformance(supervisorOfA, 'r2', P)).kpis.wonValue).toBe(300000);
      const rep2: ReadScope = { kind: 'rep', repId: 'r2' };
      expect((await kpis.repPerformance(rep2, 'r2', P)).repId).toBe('r2');
      expect(await codeOf(kpis.repPerformance(rep2, 'r1', P))).toBe('NOT_FOUND');
      expect(await codeOf(kpis.teamPerformance(rep2, 'A', P))).toBe('NOT_FOUND');
    });
  });
}
