import type { KamError } from '@kam/kernel';
import type { ReadScope } from '@kam/graphql';
import { availableBackends, EventLog, project, type ReportDb } from '../kpis/testing/report-test-kit';
import { channelProjection } from './channels.projection';
import { ChannelQueries } from './channels.queries';

/*
 * One hand-computed scenario for channelPerformance and channelHistory (money in minor units).
 * Team A: r1 (FIELD, hired 01-01, changes to INSIDE on 02-01 — between his deals C1 and C2) and
 * r2 (PARTNER, hired 01-01, transferred to B on 02-15). r3 in B (ONLINE), offboarded 03-01.
 *   C1 r1 opened 01-05 (FIELD),  WON  01-20 100000                     → A FIELD won
 *   C2 r1 opened 02-03 (INSIDE), WON  02-10  50000                     → A INSIDE won
 *   C3 r1 opened 02-05 (INSIDE), LOST 02-20                            → A INSIDE lost
 *   C4 r2 opened 01-10 (PARTNER), deal channel → TENDER 02-01, WON 02-05 250000 → A TENDER won
 *   C5 r2 opened 02-01 (PARTNER), WON 02-20 75000 (r2 in B by then)    → B PARTNER won
 *   C6 r1 opened 01-06 (FIELD), deal channel → ONLINE 01-25, LOST 01-28 → A ONLINE lost
 *   C7 r1 opened 03-05 (INSIDE), WON 04-02 (after the period)          → not counted
 * Period Q1 = 2026-01-01..2026-03-31. A's won value: 100000 + 50000 + 250000 = 400000.
 */
function scenario(): EventLog {
  return new EventLog()
    .team('A', '2025-12-01T00:00:00Z')
    .team('B', '2025-12-01T00:00:00Z')
    .hire('r1', 'A', '2026-01-01T00:00:00Z', 'FIELD')
    .hire('r2', 'A', '2026-01-01T00:00:00Z', 'PARTNER')
    .hire('r3', 'B', '2026-01-01T00:00:00Z', 'ONLINE')
    .open('C1', { repId: 'r1', valueMinor: 100000, channel: 'FIELD' }, '2026-01-05T00:00:00Z')
    .open('C6', { repId: 'r1', valueMinor: 10000, channel: 'FIELD' }, '2026-01-06T00:00:00Z')
    .open('C4', { repId: 'r2', valueMinor: 250000, channel: 'PARTNER' }, '2026-01-10T00:00:00Z')
    .win('C1', 100000, '2026-01-20T00:00:00Z')
    .dealChannel('C6', 'FIELD', 'ONLINE', '2026-01-25T00:00:00Z')
    .lose('C6', 10000, '2026-01-28T00:00:00Z')
    .repChannel('r1', 'FIELD', 'INSIDE', '2026-02-01T00:00:00Z')
    .dealChannel('C4', 'PARTNER', 'TENDER', '2026-02-01T00:00:00Z')
    .open('C5', { repId: 'r2', valueMinor: 75000, channel: 'PARTNER' }, '2026-02-01T00:00:00Z')
    .open('C2', { repId: 'r1', valueMinor: 50000, channel: 'INSIDE' }, '2026-02-03T00:00:00Z')
    .win('C4', 250000, '2026-02-05T00:00:00Z')
    .open('C3', { repId: 'r1', valueMinor: 30000, channel: 'INSIDE' }, '2026-02-05T00:00:00Z')
    .win('C2', 50000, '2026-02-10T00:00:00Z')
    .transfer('r2', 'A', 'B', '2026-02-15T00:00:00Z')
    .lose('C3', 30000, '2026-02-20T00:00:00Z')
    .win('C5', 75000, '2026-02-20T00:00:00Z')
    .offboard('r3', '2026-03-01T00:00:00Z')
    .open('C7', { repId: 'r1', valueMinor: 5000, channel: 'INSIDE' }, '2026-03-05T00:00:00Z')
    .win('C7', 5000, '2026-04-02T00:00:00Z');
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
  describe(`channel reports on ${backend.name}`, () => {
    let rdb: ReportDb;
    let queries: ChannelQueries;

    beforeAll(async () => {
      rdb = await backend.open();
      await project(rdb, [channelProjection], scenario().events);
      queries = new ChannelQueries(rdb.access);
    });
    afterAll(async () => {
      await rdb?.dispose();
    });

    it('channelPerformance: every channel, deals in their channel and team at close', async () => {
      // FIELD 1 won 100000, 0 lost: rate 1, share 100000/400000 = 0.25
      // INSIDE 1 won 50000, 1 lost: rate 0.5, share 50000/400000 = 0.125
      // ONLINE 0 won, 1 lost (C6 changed channel before it was lost): rate 0, share 0
      // PARTNER nothing for A (C5 closed in B): rate null, share 0
      // TENDER 1 won 250000 (C4's channel at close): rate 1, share 0.625
      expect(await queries.channelPerformance(ALL, 'A', Q1)).toEqual([
        { channel: 'FIELD', wonCount: 1, wonValue: 100000, lostCount: 0, winRate: 1, share: 0.25 },
        { channel: 'INSIDE', wonCount: 1, wonValue: 50000, lostCount: 1, winRate: 0.5, share: 0.125 },
        { channel: 'ONLINE', wonCount: 0, wonValue: 0, lostCount: 1, winRate: 0, share: 0 },
        { channel: 'PARTNER', wonCount: 0, wonValue: 0, lostCount: 0, winRate: null, share: 0 },
        { channel: 'TENDER', wonCount: 1, wonValue: 250000, lostCount: 0, winRate: 1, share: 0.625 },
      ]);
      // B: only C5 (PARTNER 75000): share 1.
      const b = await queries.channelPerformance(ALL, 'B', Q1);
      expect(b.find((c) => c.channel === 'PARTNER')).toEqual({ channel: 'PARTNER', wonCount: 1, wonValue: 75000, lostCount: 0, winRate: 1, share: 1 });
    });

    it('channelPerformance of an empty period: zeros, null rates and shares', async () => {
      const empty = await queries.channelPerformance(ALL, 'A', { from: '2026-03-01', to: '2026-03-31' });
      expect(empty.map((c) => [c.channel, c.wonCount, c.lostCount, c.winRate, c.share])).toEqual(
        ['FIELD', 'INSIDE', 'ONLINE', 'PARTNER', 'TENDER'].map((ch) => [ch, 0, 0, null, null]),
      );
    });

    it('channelHistory: the rep\'s own channel spans; offboarding ends the last one', async () => {
      expect(await queries.channelHistory(ALL, 'r1')).toEqual([
        { channel: 'FIELD', from: '2026-01-01T00:00:00.000Z', to: '2026-02-01T00:00:00.000Z' },
        { channel: 'INSIDE', from: '2026-02-01T00:00:00.000Z', to: null },
      ]);
      // A transfer does not change the channel.
      expect(await queries.channelHistory(ALL, 'r2')).toEqual([{ channel: 'PARTNER', from: '2026-01-01T00:00:00.000Z', to: null }]);
      expect(await queries.channelHistory(ALL, 'r3')).toEqual([
        { channel: 'ONLINE', from: '2026-01-01T00:00:00.000Z', to: '2026-03-01T00:00:00.000Z' },
      ]);
    });

    it('scope: a rep reads only their own history; supervisors only their teams', async () => {
      const r1: ReadScope = { kind: 'rep', repId: 'r1' };
      expect((await queries.channelHistory(r1, 'r1')).length).toBe(2);
      expect(await codeOf(queries.channelHistory(r1, 'r2'))).toBe('NOT_FOUND');
      expect(await codeOf(queries.channelPerformance(r1, 'A', Q1))).toBe('NOT_FOUND');
      const supA: ReadScope = { kind: 'teams', teamIds: ['A'], trainerId: 'kam-A' };
      expect(await codeOf(queries.channelHistory(supA, 'r2'))).toBe('NOT_FOUND'); // r2 is in B now
      expect(await codeOf(queries.channelPerformance(supA, 'B', Q1))).toBe('NOT_FOUND');
      expect(await codeOf(queries.channelHistory(ALL, 'ghost'))).toBe('NOT_FOUND');
      expect(await codeOf(queries.channelPerformance(ALL, 'A', { from: '2026-02-01', to: '2026-01-01' }))).toBe('BAD_USER_INPUT');
    });
  });
}
