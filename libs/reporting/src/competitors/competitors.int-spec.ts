import type { KamError } from '@kam/kernel';
import type { ReadScope } from '@kam/graphql';
import { availableBackends, EventLog, project, type ReportDb } from '../kpis/testing/report-test-kit';
import { competitorProjection } from './competitors.projection';
import { CompetitorQueries } from './competitors.queries';

/*
 * One hand-computed scenario for competitorAnalysis (money in minor units), period Q1 2026.
 * Team A: r1, r2. Team B: r3.
 *   M1 r1 on Acme + Globex, LOST to Acme 02-01, value 100000
 *   M2 r1 on "ACME" (same competitor, other spelling), WON 02-05
 *   M3 r2 on Globex, LOST to Initech 02-10, value 50000 (Initech recorded at the loss)
 *   M4 r2 on Globex, WON 02-12
 *   M5 r1 on Acme, LOST for PRICE 02-15 (no competitor named), value 30000
 *   M6 r3 (B) on Acme, LOST to Acme 02-20, value 70000
 *   M7 r1 on Acme, still open; M8 r1 on Acme, WON 04-05 (after Q1); M9 r1 WON 02-20 with no
 *   competitor: none of them counts.
 */
function scenario(): EventLog {
  const log = new EventLog()
    .team('A', '2025-12-01T00:00:00Z')
    .team('B', '2025-12-01T00:00:00Z')
    .hire('r1', 'A', '2025-12-01T00:00:00Z')
    .hire('r2', 'A', '2025-12-01T00:00:00Z')
    .hire('r3', 'B', '2025-12-01T00:00:00Z');
  const open = (id: string, repId: string) => log.open(id, { repId, valueMinor: 1000 }, '2026-01-05T00:00:00Z');
  open('M1', 'r1').competitor('M1', 'Acme', '2026-01-06T00:00:00Z').competitor('M1', 'Globex', '2026-01-07T00:00:00Z');
  log.lose('M1', 100000, '2026-02-01T00:00:00Z', { competitor: 'Acme' });
  open('M2', 'r1').competitor('M2', 'ACME', '2026-01-06T00:00:00Z').win('M2', 80000, '2026-02-05T00:00:00Z');
  open('M3', 'r2').competitor('M3', 'Globex', '2026-01-06T00:00:00Z');
  log.competitor('M3', 'Initech', '2026-02-10T00:00:00Z').lose('M3', 50000, '2026-02-10T00:00:00Z', { competitor: 'Initech' });
  open('M4', 'r2').competitor('M4', 'Globex', '2026-01-06T00:00:00Z').win('M4', 20000, '2026-02-12T00:00:00Z');
  open('M5', 'r1').competitor('M5', 'Acme', '2026-01-06T00:00:00Z').lose('M5', 30000, '2026-02-15T00:00:00Z', { reason: 'PRICE' });
  open('M6', 'r3').competitor('M6', 'Acme', '2026-01-06T00:00:00Z').lose('M6', 70000, '2026-02-20T00:00:00Z', { competitor: 'Acme' });
  open('M7', 'r1').competitor('M7', 'Acme', '2026-01-06T00:00:00Z');
  open('M8', 'r1').competitor('M8', 'Acme', '2026-01-06T00:00:00Z').win('M8', 10000, '2026-04-05T00:00:00Z');
  open('M9', 'r1').win('M9', 10000, '2026-02-20T00:00:00Z');
  return log;
}

const ALL: ReadScope = { kind: 'all' };
const Q1 = { from: '2026-01-01', to: '2026-03-31' };

async function codeOf(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
  } catch (error) {
    return (error as KamError).code;
  }
  throw new Error('expected an error');
}

for (const backend of availableBackends()) {
  describe(`competitor report on ${backend.name}`, () => {
    let rdb: ReportDb;
    let queries: CompetitorQueries;

    beforeAll(async () => {
      rdb = await backend.open();
      await project(rdb, [competitorProjection], scenario().events);
      queries = new CompetitorQueries(rdb.access);
    });
    afterAll(async () => {
      await rdb?.dispose();
    });

    it("team A: won against, lost to, and the lost deals it was on", async () => {
      // Acme on M1 (lost to it, 100000), M2 (won), M5 (lost, not to it): won 1, lostTo 1,
      //   valueLostTo 100000, lost while on 2 → winRateAgainst 1 / (1 + 2).
      // Globex on M1 (lost to Acme), M3 (lost to Initech), M4 (won): 1 / (1 + 2), lostTo 0.
      // Initech on M3 (lost to it, 50000): 0 / (0 + 1) = 0.
      // Acme and Globex faced 3 deals each (name order), Initech 1.
      expect(await queries.competitorAnalysis(ALL, Q1, 'A')).toEqual([
        { competitor: 'Acme', wonAgainst: 1, lostTo: 1, valueLostTo: 100000, lostAgainst: 2, winRateAgainst: 1 / 3 },
        { competitor: 'Globex', wonAgainst: 1, lostTo: 0, valueLostTo: 0, lostAgainst: 2, winRateAgainst: 1 / 3 },
        { competitor: 'Initech', wonAgainst: 0, lostTo: 1, valueLostTo: 50000, lostAgainst: 1, winRateAgainst: 0 },
      ]);
    });

    it('the whole organisation adds B\'s M6 lost to Acme', async () => {
      // Acme: won 1, lostTo 2 (M1, M6), valueLostTo 100000 + 70000 = 170000, lost while on 3 → 1/4.
      const all = await queries.competitorAnalysis(ALL, Q1);
      expect(all[0]).toEqual({ competitor: 'Acme', wonAgainst: 1, lostTo: 2, valueLostTo: 170000, lostAgainst: 3, winRateAgainst: 0.25 });
      expect(all.map((c) => c.competitor)).toEqual(['Acme', 'Globex', 'Initech']);
      // A supervisor of B without teamId sees B only: Acme on M6.
      expect(await queries.competitorAnalysis({ kind: 'teams', teamIds: ['B'], trainerId: 'kam-B' }, Q1)).toEqual([
        { competitor: 'Acme', wonAgainst: 0, lostTo: 1, valueLostTo: 70000, lostAgainst: 1, winRateAgainst: 0 },
      ]);
    });

    it('an empty period has no competitor', async () => {
      expect(await queries.competitorAnalysis(ALL, { from: '2026-03-01', to: '2026-03-31' })).toEqual([]);
    });

    it('checks period and scope', async () => {
      expect(await codeOf(queries.competitorAnalysis({ kind: 'rep', repId: 'r1' }, Q1))).toBe('NOT_FOUND');
      expect(await codeOf(queries.competitorAnalysis({ kind: 'teams', teamIds: ['B'], trainerId: 'x' }, Q1, 'A'))).toBe('NOT_FOUND');
      expect(await codeOf(queries.competitorAnalysis(ALL, { from: '2026-04-01', to: '2026-03-01' }))).toBe('BAD_USER_INPUT');
    });
  });
}
