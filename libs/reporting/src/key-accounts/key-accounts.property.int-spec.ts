import fc from 'fast-check';
import type { ReadScope } from '@kam/graphql';
import { EventLog, project, sqliteBackend, validDealSteps } from '../kpis/testing/report-test-kit';
import { epochDay, instantMs } from '../kpis/common/time';
import { keyAccountProjection } from './key-accounts.projection';
import { KeyAccountQueries } from './key-accounts.queries';

/*
 * The every-team revenue (pre-summed per account by month and day, what an unrestricted reader's
 * report reads) against the team ledger over every team and against a straightforward sum of
 * the won deals, over random histories: deals opened, reassigned, won or lost at any business
 * time in any append order, reps transferred, accounts registered, renamed or never registered,
 * projected in batches of any size, asked for any period (whole months, partial months, one day).
 */

jest.setTimeout(120_000);

const DAY = 86_400_000;
const T0 = instantMs('2026-01-01T00:00:00Z');
const SPAN_DAYS = 200;
const REPS = ['r1', 'r2', 'r3'];
const ACCOUNTS = ['acc-a', 'acc-b', 'acc-c', 'acc-d', 'acc-e'];
const NAMES = ['Alpha', 'Beta', 'Beta', 'Gamma'];
const DEALS = Array.from({ length: 14 }, (_, i) => `D${i}`);

type Op =
  | { kind: 'register'; account: number; name: number }
  | { kind: 'open'; deal: number; rep: number; account: number }
  | { kind: 'reassign'; deal: number; rep: number }
  | { kind: 'win'; deal: number; value: number }
  | { kind: 'lose'; deal: number }
  | { kind: 'transfer' };

const op: fc.Arbitrary<Op> = fc.oneof(
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('register' as const), account: fc.nat(ACCOUNTS.length - 1), name: fc.nat(NAMES.length - 1) }) },
  { weight: 5, arbitrary: fc.record({ kind: fc.constant('open' as const), deal: fc.nat(DEALS.length - 1), rep: fc.nat(REPS.length - 1), account: fc.nat(ACCOUNTS.length - 1) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('reassign' as const), deal: fc.nat(DEALS.length - 1), rep: fc.nat(REPS.length - 1) }) },
  // Equal values make ties (broken by name, then id).
  { weight: 5, arbitrary: fc.record({ kind: fc.constant('win' as const), deal: fc.nat(DEALS.length - 1), value: fc.constantFrom(0, 1000, 2000, 5000, 123_457) }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('lose' as const), deal: fc.nat(DEALS.length - 1) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('transfer' as const) }) },
);
const at = fc.oneof(
  fc.integer({ min: 0, max: SPAN_DAYS }).map((d) => T0 + d * DAY),
  fc.integer({ min: 0, max: SPAN_DAYS * DAY }).map((ms) => T0 + ms),
);
const day = fc.integer({ min: -5, max: SPAN_DAYS + 5 });

const valid = (steps: ReadonlyArray<[Op, number]>): Array<[Op, number]> => validDealSteps(steps);

function logOf(steps: ReadonlyArray<[Op, number]>): EventLog {
  const log = new EventLog().team('A', '2025-01-01T00:00:00Z').team('B', '2025-01-01T00:00:00Z');
  for (const r of REPS) log.hire(r, 'A', '2025-01-01T00:00:00Z');
  let r1Team = 'A';
  for (const [o, t] of steps) {
    const when = new Date(t).toISOString();
    if (o.kind === 'register') log.account(ACCOUNTS[o.account]!, NAMES[o.name]!, 'r1', when);
    else if (o.kind === 'open') log.open(DEALS[o.deal]!, { repId: REPS[o.rep]!, accountId: ACCOUNTS[o.account]!, valueMinor: 1 }, when);
    else if (o.kind === 'reassign') log.reassign(DEALS[o.deal]!, 'r?', REPS[o.rep]!, when);
    else if (o.kind === 'win') log.win(DEALS[o.deal]!, o.value, when);
    else if (o.kind === 'lose') log.lose(DEALS[o.deal]!, 1, when);
    else {
      const to = r1Team === 'A' ? 'B' : 'A';
      log.transfer('r1', r1Team, to, when);
      r1Team = to;
    }
  }
  return log;
}

/** Won revenue per account in the days [fromDay, toDay], straight from the events. */
function revenueOf(steps: ReadonlyArray<[Op, number]>, fromDay: number, toDay: number): Map<string, number> {
  const accountOf = new Map<number, string>();
  const revenue = new Map<string, number>();
  for (const [o, t] of steps) {
    if (o.kind === 'open') accountOf.set(o.deal, ACCOUNTS[o.account]!);
    else if (o.kind === 'win' && epochDay(t) >= fromDay && epochDay(t) <= toDay && o.value > 0) {
      const account = accountOf.get(o.deal)!;
      revenue.set(account, (revenue.get(account) ?? 0) + o.value);
    }
  }
  return revenue;
}

const isoDay = (d: number) => new Date(T0 + d * DAY).toISOString().slice(0, 10);
const ALL: ReadScope = { kind: 'all' };
const EVERY_TEAM: ReadScope = { kind: 'teams', teamIds: ['A', 'B'], trainerId: 'kam' };

describe('keyAccounts: the every-team pre-sums equal the team ledger and a straightforward sum', () => {
  it('over random histories, batches and periods', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.tuple(op, at), { minLength: 20, maxLength: 90 }),
        fc.integer({ min: 1, max: 12 }),
        fc.array(fc.tuple(day, day), { minLength: 1, maxLength: 4 }),
        async (generated, batchSize, periods) => {
          const steps = valid(generated);
          const rdb = await sqliteBackend.open();
          try {
            await project(rdb, [keyAccountProjection], logOf(steps).events, batchSize);
            const queries = new KeyAccountQueries(rdb.access);
            for (const [a, b] of [...periods, [0, SPAN_DAYS] as [number, number]]) {
              const period = { from: isoDay(Math.min(a, b)), to: isoDay(Math.max(a, b)) };
              const every = await queries.keyAccounts(ALL, period);
              expect(every).toEqual(await queries.keyAccounts(EVERY_TEAM, period));
              const expected = revenueOf(steps, epochDay(T0) + Math.min(a, b), epochDay(T0) + Math.max(a, b));
              expect(new Map(every.accounts.map((x) => [x.accountId, x.revenue]))).toEqual(expected);
            }
          } finally {
            await rdb.dispose();
          }
        },
      ),
      { numRuns: 100 },
    );
  });
});
