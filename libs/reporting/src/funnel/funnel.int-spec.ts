import type { KamError } from '@kam/kernel';
import type { ReadScope } from '@kam/graphql';
import { availableBackends, EventLog, project, type ReportDb } from '../kpis/testing/report-test-kit';
import { funnelProjection } from './funnel.projection';
import { FunnelQueries } from './funnel.queries';

/*
 * One hand-computed scenario for stageFunnel, period February 2026.
 * Team A: r1, r2 (r2 transferred to B on 02-15). Team B: r3.
 *   F1 r1 PROSPECTING 02-01 → QUALIFICATION 02-03 → PROPOSAL 02-08 → NEGOTIATION 02-18 → WON 02-28
 *   F2 r1 PROSPECTING 02-02 → QUALIFICATION 02-06 → back to PROSPECTING 02-07 → QUALIFICATION 02-09 → LOST 02-19
 *   F3 r2 PROSPECTING 02-10 (r2 in A) → QUALIFICATION 02-20 (r2 in B: that stay is B's); still open
 *   F4 r1 PROSPECTING 01-25 (January: not entered in February) → QUALIFICATION 02-04 → PROPOSAL 03-02
 *   F5 r1 PROSPECTING 02-20, still there
 *   F6 r3 (B) PROSPECTING 02-05 → WON 02-06
 */
function scenario(): EventLog {
  return new EventLog()
    .team('A', '2025-12-01T00:00:00Z')
    .team('B', '2025-12-01T00:00:00Z')
    .hire('r1', 'A', '2025-12-01T00:00:00Z')
    .hire('r2', 'A', '2025-12-01T00:00:00Z')
    .hire('r3', 'B', '2025-12-01T00:00:00Z')
    .open('F4', { repId: 'r1', valueMinor: 1000 }, '2026-01-25T00:00:00Z')
    .open('F1', { repId: 'r1', valueMinor: 1000 }, '2026-02-01T00:00:00Z')
    .open('F2', { repId: 'r1', valueMinor: 1000 }, '2026-02-02T00:00:00Z')
    .stage('F1', 'PROSPECTING', 'QUALIFICATION', '2026-02-03T00:00:00Z')
    .stage('F4', 'PROSPECTING', 'QUALIFICATION', '2026-02-04T00:00:00Z')
    .open('F6', { repId: 'r3', valueMinor: 1000 }, '2026-02-05T00:00:00Z')
    .win('F6', 1000, '2026-02-06T00:00:00Z', 'PROSPECTING')
    .stage('F2', 'PROSPECTING', 'QUALIFICATION', '2026-02-06T00:00:00Z')
    .stage('F2', 'QUALIFICATION', 'PROSPECTING', '2026-02-07T00:00:00Z')
    .stage('F1', 'QUALIFICATION', 'PROPOSAL', '2026-02-08T00:00:00Z')
    .stage('F2', 'PROSPECTING', 'QUALIFICATION', '2026-02-09T00:00:00Z')
    .open('F3', { repId: 'r2', valueMinor: 1000 }, '2026-02-10T00:00:00Z')
    .transfer('r2', 'A', 'B', '2026-02-15T00:00:00Z')
    .stage('F1', 'PROPOSAL', 'NEGOTIATION', '2026-02-18T00:00:00Z')
    .lose('F2', 1000, '2026-02-19T00:00:00Z', { fromStage: 'QUALIFICATION' })
    .stage('F3', 'PROSPECTING', 'QUALIFICATION', '2026-02-20T00:00:00Z')
    .open('F5', { repId: 'r1', valueMinor: 1000 }, '2026-02-20T00:00:00Z')
    .win('F1', 1000, '2026-02-28T00:00:00Z')
    .stage('F4', 'QUALIFICATION', 'PROPOSAL', '2026-03-02T00:00:00Z');
}

const ALL: ReadScope = { kind: 'all' };
const FEB = { from: '2026-02-01', to: '2026-02-28' };

async function codeOf(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
  } catch (error) {
    return (error as KamError).code;
  }
  throw new Error('expected an error');
}

for (const backend of availableBackends()) {
  describe(`stage funnel on ${backend.name}`, () => {
    let rdb: ReportDb;
    let queries: FunnelQueries;

    beforeAll(async () => {
      rdb = await backend.open();
      await project(rdb, [funnelProjection], scenario().events);
      queries = new FunnelQueries(rdb.access);
    });
    afterAll(async () => {
      await rdb?.dispose();
    });

    it('team A in February', async () => {
      expect(await queries.stageFunnel(ALL, 'A', FEB)).toEqual([
        // PROSPECTING entered by F1, F2 (twice), F3 (r2 still in A), F5 → 4 deals; F4 entered in
        // January. Advanced: F1, F2 (both stays went on to QUALIFICATION), F3 → 3; conversion 3/4.
        // Ended stays: F1 2 d, F2 4 d and 2 d, F3 10 d → (2 + 4 + 2 + 10) / 4 = 4.5; F5 still there.
        { stage: 'PROSPECTING', entered: 4, advanced: 3, conversion: 0.75, averageDaysInStage: 4.5, stillInStage: 1 },
        // QUALIFICATION entered by F1, F2 (twice), F4 → 3 deals (F3's entry is B's). Advanced: F1,
        // F4 (PROPOSAL on 03-02, after February: "later" has no end); F2 went back, then lost → 2/3.
        // Stays: F1 5 d, F2 1 d and 10 d, F4 26 d → (5 + 1 + 10 + 26) / 4 = 10.5.
        { stage: 'QUALIFICATION', entered: 3, advanced: 2, conversion: 2 / 3, averageDaysInStage: 10.5, stillInStage: 0 },
        // F1 02-08 → 02-18 and 02-18 → WON 02-28: 10 days each.
        { stage: 'PROPOSAL', entered: 1, advanced: 1, conversion: 1, averageDaysInStage: 10, stillInStage: 0 },
        { stage: 'NEGOTIATION', entered: 1, advanced: 1, conversion: 1, averageDaysInStage: 10, stillInStage: 0 },
      ]);
    });

    it('team B in February: WON counts as a later stage; a stay still open has no duration yet', async () => {
      const b = await queries.stageFunnel(ALL, 'B', FEB);
      // F6 PROSPECTING 02-05 → WON 02-06: 1 day. F3's QUALIFICATION (02-20, r2 in B) is still open.
      expect(b[0]).toEqual({ stage: 'PROSPECTING', entered: 1, advanced: 1, conversion: 1, averageDaysInStage: 1, stillInStage: 0 });
      expect(b[1]).toEqual({ stage: 'QUALIFICATION', entered: 1, advanced: 0, conversion: 0, averageDaysInStage: null, stillInStage: 1 });
    });

    it('an empty period: zeros and nulls', async () => {
      const empty = await queries.stageFunnel(ALL, 'A', { from: '2025-01-01', to: '2025-12-31' });
      expect(empty.map((s) => [s.stage, s.entered, s.advanced, s.conversion, s.averageDaysInStage])).toEqual(
        ['PROSPECTING', 'QUALIFICATION', 'PROPOSAL', 'NEGOTIATION'].map((stage) => [stage, 0, 0, null, null]),
      );
    });

    it('is a team report for the scope', async () => {
      expect(await codeOf(queries.stageFunnel({ kind: 'rep', repId: 'r1' }, 'A', FEB))).toBe('NOT_FOUND');
      expect(await codeOf(queries.stageFunnel({ kind: 'teams', teamIds: ['B'], trainerId: 'x' }, 'A', FEB))).toBe('NOT_FOUND');
      expect(await codeOf(queries.stageFunnel(ALL, 'A', { from: '2026-02-28', to: '2026-02-01' }))).toBe('BAD_USER_INPUT');
    });
  });
}
