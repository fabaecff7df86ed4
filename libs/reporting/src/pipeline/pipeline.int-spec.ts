import { formatMoney, type KamError } from '@kam/kernel';
import type { ReadScope } from '@kam/graphql';
import { availableBackends, EventLog, fixedClock, project, type ReportDb } from '../kpis/testing/report-test-kit';
import { pipelineProjection } from './pipeline.projection';
import { PipelineQueries } from './pipeline.queries';

/*
 * One hand-computed scenario for pipeline(teamId, asOf). Money in minor units; probabilities
 * PROSPECTING 0.10, QUALIFICATION 0.25, PROPOSAL 0.50, NEGOTIATION 0.75.
 *
 * Teams A and B; r1 in A, r2 in B, r3 in A until a transfer to B on 2026-03-01.
 *   P1 r1 open 02-01 100000 → QUALIFICATION 02-10 → PROPOSAL 03-05, revised to 150000 on 03-20
 *   P2 r1 open 02-01  40000, WON 02-25
 *   P3 r3 open 02-01  80000 → NEGOTIATION 02-15 (r3 moves to B on 03-01, the deal with him)
 *   P4 r2 open 02-01  30000, reassigned to r1 on 02-18 (from B's rep to A's)
 *   P5 r1 open 03-12  20000
 *   P6 r2 open 03-01   1001 (weighted 100.1 minor units: rounded only when formatted)
 */
function scenario(): EventLog {
  return new EventLog()
    .team('A', '2026-01-01T00:00:00Z')
    .team('B', '2026-01-01T00:00:00Z')
    .hire('r1', 'A', '2026-01-01T00:00:00Z')
    .hire('r2', 'B', '2026-01-01T00:00:00Z')
    .hire('r3', 'A', '2026-01-01T00:00:00Z')
    .open('P1', { repId: 'r1', valueMinor: 100000 }, '2026-02-01T00:00:00Z')
    .stage('P1', 'PROSPECTING', 'QUALIFICATION', '2026-02-10T00:00:00Z')
    .open('P2', { repId: 'r1', valueMinor: 40000 }, '2026-02-01T00:00:00Z')
    .open('P3', { repId: 'r3', valueMinor: 80000 }, '2026-02-01T00:00:00Z')
    .stage('P3', 'PROSPECTING', 'NEGOTIATION', '2026-02-15T00:00:00Z')
    .open('P4', { repId: 'r2', valueMinor: 30000 }, '2026-02-01T00:00:00Z')
    .reassign('P4', 'r2', 'r1', '2026-02-18T00:00:00Z')
    .win('P2', 40000, '2026-02-25T00:00:00Z', 'PROSPECTING')
    .transfer('r3', 'A', 'B', '2026-03-01T00:00:00Z')
    .open('P6', { repId: 'r2', valueMinor: 1001 }, '2026-03-01T00:00:00Z')
    .stage('P1', 'QUALIFICATION', 'PROPOSAL', '2026-03-05T00:00:00Z')
    .open('P5', { repId: 'r1', valueMinor: 20000 }, '2026-03-12T00:00:00Z')
    .revise('P1', 100000, 150000, '2026-03-20T00:00:00Z');
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
  describe(`pipeline report on ${backend.name}`, () => {
    let rdb: ReportDb;
    let queries: PipelineQueries;

    beforeAll(async () => {
      rdb = await backend.open();
      await project(rdb, [pipelineProjection], scenario().events);
      queries = new PipelineQueries(rdb.access, fixedClock('2026-11-27T10:00:00Z'));
    });
    afterAll(async () => {
      await rdb?.dispose();
    });

    it('answers as the deals stood at asOf: stage, value, owner and the owner\'s team of that instant', async () => {
      // asOf 02-20, team A: P2 PROSPECTING 40000 (won only on 02-25) and P4 PROSPECTING 30000
      // (r1's since 02-18) → 70000, weighted 7000; P1 QUALIFICATION 100000 → 25000;
      // P3 NEGOTIATION 80000 (r3 still in A) → 60000. Total 4 deals, 250000, weighted 92000.
      const pipeline = await queries.pipeline(ALL, 'A', '2026-02-20T00:00:00.000Z');
      expect(pipeline).toEqual({
        asOf: '2026-02-20T00:00:00.000Z',
        dealCount: 4,
        openPipelineValue: 250000,
        weightedPipelineValue: 92000,
        stages: [
          { stage: 'PROSPECTING', dealCount: 2, value: 70000, weightedValue: 7000 },
          { stage: 'QUALIFICATION', dealCount: 1, value: 100000, weightedValue: 25000 },
          { stage: 'PROPOSAL', dealCount: 0, value: 0, weightedValue: 0 },
          { stage: 'NEGOTIATION', dealCount: 1, value: 80000, weightedValue: 60000 },
        ],
      });
    });

    it('does not leak a later revision or transfer into an earlier asOf', async () => {
      // asOf 03-10, team A: P1 PROPOSAL at 100000 (the 150000 revision is dated 03-20) → 50000;
      // P4 PROSPECTING 30000 → 3000; P2 won; P3 went to B with r3. 2 deals, 130000, 53000.
      const a = await queries.pipeline(ALL, 'A', '2026-03-10T00:00:00.000Z');
      expect([a.dealCount, a.openPipelineValue, a.weightedPipelineValue]).toEqual([2, 130000, 53000]);
      expect(a.stages.map((s) => s.value)).toEqual([30000, 0, 100000, 0]);
      // Team B at 03-10: P3 NEGOTIATION 80000 → 60000; P6 PROSPECTING 1001 → 100.1.
      const b = await queries.pipeline(ALL, 'B', '2026-03-10T00:00:00.000Z');
      expect([b.dealCount, b.openPipelineValue]).toEqual([2, 81001]);
      expect(b.weightedPipelineValue).toBeCloseTo(60100.1, 6);
      expect(formatMoney(b.weightedPipelineValue)).toBe('601.00');
    });

    it('defaults asOf to now', async () => {
      // Now, team A: P1 PROPOSAL 150000 → 75000; P4 30000 → 3000; P5 20000 → 2000.
      const now = await queries.pipeline(ALL, 'A');
      expect(now.asOf).toBe('2026-11-27T10:00:00.000Z');
      expect([now.dealCount, now.openPipelineValue, now.weightedPipelineValue]).toEqual([3, 200000, 80000]);
      // Before anything was opened: four empty stages.
      const empty = await queries.pipeline(ALL, 'A', '2026-01-15T00:00:00Z');
      expect(empty.stages).toEqual(
        ['PROSPECTING', 'QUALIFICATION', 'PROPOSAL', 'NEGOTIATION'].map((stage) => ({ stage, dealCount: 0, value: 0, weightedValue: 0 })),
      );
    });

    it('is a team report: scope-checked, NOT_FOUND for a rep or another supervisor', async () => {
      expect(await codeOf(queries.pipeline({ kind: 'teams', teamIds: ['A'], trainerId: 'x' }, 'B'))).toBe('NOT_FOUND');
      expect(await codeOf(queries.pipeline({ kind: 'rep', repId: 'r1' }, 'A'))).toBe('NOT_FOUND');
      expect(await codeOf(queries.pipeline(ALL, 'Z'))).toBe('NOT_FOUND');
      expect((await queries.pipeline({ kind: 'teams', teamIds: ['B'], trainerId: 'x' }, 'B', '2026-03-10T00:00:00Z')).dealCount).toBe(2);
    });
  });
}
