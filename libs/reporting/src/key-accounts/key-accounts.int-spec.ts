import type { KamError } from '@kam/kernel';
import type { ReadScope } from '@kam/graphql';
import { availableBackends, EventLog, project, type ReportDb } from '../kpis/testing/report-test-kit';
import { keyAccountProjection } from './key-accounts.projection';
import { KeyAccountQueries } from './key-accounts.queries';

/*
 * One hand-computed scenario for keyAccounts (money in minor units), period Q1 2026.
 * r1 in A; r2 in A until a transfer to B on 02-01; r3 in B.
 *   Alpha:   K1 r1 WON 01-10 300000 (A) + K2 r2 WON 01-20 200000 (A)  = 500000
 *   Beta:    K3 r3 WON 02-10 200000 (B)
 *   Delta:   K4 r1 WON 03-01 100000 (A)
 *   Gamma:   K5 r2 WON 02-15 100000 (B: r2 was transferred on 02-01)
 *   Epsilon: K6 r1 WON 03-31T23:59:59 60000 (A; the last second of the period counts)
 *   Zeta:    K7 r3 WON 01-05 40000 (B)
 *   Omega:   K8 r1 WON 04-01T00:00 (after Q1) and K9 r1 LOST 02-02: no revenue, not listed
 * Total 1000000. Ranked: Alpha .50, Beta .20, then Delta and Gamma tie at .10 (name order:
 * Delta first), Epsilon .06, Zeta .04.
 */
function scenario(): EventLog {
  const log = new EventLog()
    .team('A', '2025-12-01T00:00:00Z')
    .team('B', '2025-12-01T00:00:00Z')
    .hire('r1', 'A', '2025-12-01T00:00:00Z')
    .hire('r2', 'A', '2025-12-01T00:00:00Z')
    .hire('r3', 'B', '2025-12-01T00:00:00Z');
  const accounts: Array<[string, string]> = [
    ['acc-alpha', 'Alpha'],
    ['acc-beta', 'Beta'],
    ['acc-gamma', 'Gamma'],
    ['acc-delta', 'Delta'],
    ['acc-eps', 'Epsilon'],
    ['acc-zeta', 'Zeta'],
    ['acc-omega', 'Omega'],
  ];
  for (const [id, name] of accounts) log.account(id, name, 'r1', '2025-12-02T00:00:00Z');
  const deal = (id: string, repId: string, accountId: string, value: number, openedAt: string) =>
    log.open(id, { repId, accountId, valueMinor: value }, openedAt);
  deal('K1', 'r1', 'acc-alpha', 300000, '2025-12-10T00:00:00Z').win('K1', 300000, '2026-01-10T00:00:00Z');
  deal('K2', 'r2', 'acc-alpha', 200000, '2025-12-10T00:00:00Z').win('K2', 200000, '2026-01-20T00:00:00Z');
  deal('K7', 'r3', 'acc-zeta', 40000, '2025-12-10T00:00:00Z').win('K7', 40000, '2026-01-05T00:00:00Z');
  log.transfer('r2', 'A', 'B', '2026-02-01T00:00:00Z');
  deal('K9', 'r1', 'acc-omega', 70000, '2025-12-10T00:00:00Z').lose('K9', 70000, '2026-02-02T00:00:00Z');
  deal('K3', 'r3', 'acc-beta', 200000, '2025-12-10T00:00:00Z').win('K3', 200000, '2026-02-10T00:00:00Z');
  deal('K5', 'r2', 'acc-gamma', 100000, '2025-12-10T00:00:00Z').win('K5', 100000, '2026-02-15T00:00:00Z');
  deal('K4', 'r1', 'acc-delta', 100000, '2025-12-10T00:00:00Z').win('K4', 100000, '2026-03-01T00:00:00Z');
  deal('K6', 'r1', 'acc-eps', 60000, '2025-12-10T00:00:00Z').win('K6', 60000, '2026-03-31T23:59:59Z');
  deal('K8', 'r1', 'acc-omega', 999999, '2025-12-10T00:00:00Z').win('K8', 999999, '2026-04-01T00:00:00Z');
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
  describe(`key-account report on ${backend.name}`, () => {
    let rdb: ReportDb;
    let queries: KeyAccountQueries;

    beforeAll(async () => {
      rdb = await backend.open();
      await project(rdb, [keyAccountProjection], scenario().events);
      queries = new KeyAccountQueries(rdb.access);
    });
    afterAll(async () => {
      await rdb?.dispose();
    });

    it('ranks by revenue (ties by name), tiers by the cumulative share before each account', async () => {
      const report = await queries.keyAccounts(ALL, Q1);
      expect(report.totalRevenue).toBe(1000000);
      // Share before each: Alpha 0 → A, Beta .5 → A, Delta .7 → A, Gamma .8 (not < .8) → B,
      // Epsilon .9 → B, Zeta .96 (not < .95) → C.
      expect(report.accounts.map((a) => [a.rank, a.accountId, a.revenue, a.tier])).toEqual([
        [1, 'acc-alpha', 500000, 'A'],
        [2, 'acc-beta', 200000, 'A'],
        [3, 'acc-delta', 100000, 'A'],
        [4, 'acc-gamma', 100000, 'B'],
        [5, 'acc-eps', 60000, 'B'],
        [6, 'acc-zeta', 40000, 'C'],
      ]);
      const shares = [0.5, 0.2, 0.1, 0.1, 0.06, 0.04];
      const cumulative = [0.5, 0.7, 0.8, 0.9, 0.96, 1];
      report.accounts.forEach((a, i) => {
        expect(a.share).toBeCloseTo(shares[i]!, 12);
        expect(a.cumulativeShare).toBeCloseTo(cumulative[i]!, 12);
      });
      // HHI = .25 + .04 + .01 + .01 + .0036 + .0016 = .3152
      expect(report.hhi).toBeCloseTo(0.3152, 12);
    });

    it('takes the threshold: at 0.5 only Alpha is A', async () => {
      const report = await queries.keyAccounts(ALL, Q1, 0.5);
      // Before: 0 → A; .5, .7, .8, .9 → B; .96 → C.
      expect(report.accounts.map((a) => a.tier)).toEqual(['A', 'B', 'B', 'B', 'B', 'C']);
    });

    it('counts a team\'s deals by the owner\'s team at close', async () => {
      // A: Alpha 500000, Delta 100000, Epsilon 60000; total 660000.
      // Before: 0 → A; 500000/660000 = .7576 → A; 600000/660000 = .9091 → B.
      const a = await queries.keyAccounts(ALL, Q1, 0.8, 'A');
      expect(a.totalRevenue).toBe(660000);
      expect(a.accounts.map((r) => [r.accountId, r.revenue, r.tier])).toEqual([
        ['acc-alpha', 500000, 'A'],
        ['acc-delta', 100000, 'A'],
        ['acc-eps', 60000, 'B'],
      ]);
      // HHI = (500000² + 100000² + 60000²) / 660000² = 263600 / 435600
      expect(a.hhi).toBeCloseTo(263600 / 435600, 12);
      // A supervisor of B without teamId: B's accounts only (Beta 200000, Gamma 100000, Zeta 40000).
      const b = await queries.keyAccounts({ kind: 'teams', teamIds: ['B'], trainerId: 'kam-B' }, Q1);
      expect(b.totalRevenue).toBe(340000);
      expect(b.accounts.map((r) => r.accountId)).toEqual(['acc-beta', 'acc-gamma', 'acc-zeta']);
    });

    it('an empty period has no accounts, total 0 and a null HHI', async () => {
      expect(await queries.keyAccounts(ALL, { from: '2025-01-01', to: '2025-01-31' })).toEqual({ totalRevenue: 0, hhi: null, accounts: [] });
    });

    it('checks threshold, period and scope', async () => {
      expect(await codeOf(queries.keyAccounts(ALL, Q1, 0))).toBe('BAD_USER_INPUT');
      expect(await codeOf(queries.keyAccounts(ALL, Q1, 1.5))).toBe('BAD_USER_INPUT');
      expect(await codeOf(queries.keyAccounts(ALL, { from: '2026-02-01', to: '2026-01-01' }))).toBe('BAD_USER_INPUT');
      expect(await codeOf(queries.keyAccounts({ kind: 'rep', repId: 'r1' }, Q1))).toBe('NOT_FOUND');
      expect(await codeOf(queries.keyAccounts({ kind: 'teams', teamIds: ['B'], trainerId: 'x' }, Q1, 0.8, 'A'))).toBe('NOT_FOUND');
    });
  });
}
