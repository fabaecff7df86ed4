import { randomUUID } from 'node:crypto';
import { startTestApp, type TestApp } from './support/test-app';
import { mutationOf } from './support/write-side';

/*
 * The reports over HTTP on the real API: a small history imported through the mutations (ADMIN
 * sets occurredAt), read back with atLeastPosition. Money on the wire is a decimal string.
 *
 * Teams North (kam-a) and South (kam-b). Ann (FIELD) hired into North on 01-02, quota for
 * February 2026: 2800.00; transferred to South on 02-15 (mid-February). Bob hired into South.
 *   D1 Ann 1000.00 opened 02-01, → PROPOSAL 02-02, Initech recorded, WON 02-11 for 1200.00 (North; 10 days)
 *   D2 Ann  500.00 opened 02-05, LOST to Initech 02-20 (South)
 *   D3 Ann  800.00 opened 02-10, → NEGOTIATION 02-12, revised to 900.00 on 03-05 (after February)
 *   D4 Ann  300.00 opened 02-16, WON 02-25 (South; 9 days)
 *   Training NEGOTIATION scheduled 02-12T09:00, Ann attended (85), Bob enrolled and absent,
 *   completed 02-12T12:00.
 * Period: February 2026 (28 days). Ann's North days: 02-01..02-14 (14), South days: 02-15..02-28 (14).
 */
describe('reports over HTTP', () => {
  let app: TestApp;
  const ids = {
    north: randomUUID(),
    south: randomUUID(),
    ann: randomUUID(),
    bob: randomUUID(),
    acme: randomUUID(),
    d1: randomUUID(),
    d2: randomUUID(),
    d3: randomUUID(),
    d4: randomUUID(),
    session: randomUUID(),
  };
  let position = '0';
  const FEB = { from: '2026-02-01', to: '2026-02-28' };

  async function admin(name: string, input: Record<string, unknown>, occurredAt: string): Promise<void> {
    const data = await app.mutate<Record<string, { position: string }>>(mutationOf(name), { input: { ...input, occurredAt } });
    position = data[name]!.position;
  }

  async function read(query: string, variables: Record<string, unknown> = {}, token?: string) {
    const reply = await app.gql(query, { ...variables, p: FEB, at: position }, token);
    return reply;
  }

  beforeAll(async () => {
    app = await startTestApp();
    await admin('formTeam', { teamId: ids.north, name: 'North', supervisorId: 'kam-a' }, '2026-01-01T00:00:00Z');
    await admin('formTeam', { teamId: ids.south, name: 'South', supervisorId: 'kam-b' }, '2026-01-01T00:00:00Z');
    await admin('hireRep', { repId: ids.ann, name: 'Ann', email: 'ann@example.com', teamId: ids.north, channel: 'FIELD' }, '2026-01-02T00:00:00Z');
    await admin('hireRep', { repId: ids.bob, name: 'Bob', email: 'bob@example.com', teamId: ids.south, channel: 'INSIDE' }, '2026-01-02T00:00:00Z');
    await admin('setRepQuota', { repId: ids.ann, month: '2026-02', amount: '2800.00' }, '2026-01-03T00:00:00Z');
    await admin('registerAccount', { accountId: ids.acme, name: 'Acme', ownerRepId: ids.ann }, '2026-01-03T00:00:00Z');
    const deal = (dealId: string, value: string, at: string) =>
      admin('openDeal', { dealId, accountId: ids.acme, repId: ids.ann, title: 'Deal', value, expectedCloseDate: '2026-06-30' }, at);
    await deal(ids.d1, '1000.00', '2026-02-01T00:00:00Z');
    await admin('advanceDeal', { dealId: ids.d1, stage: 'PROPOSAL' }, '2026-02-02T00:00:00Z');
    await admin('recordCompetitor', { dealId: ids.d1, competitor: 'Initech' }, '2026-02-03T00:00:00Z');
    await admin('scheduleTraining', { sessionId: ids.session, title: 'Closing', skill: 'NEGOTIATION', trainerId: 'kam-a', scheduledAt: '2026-02-12T09:00:00Z', durationMinutes: 120 }, '2026-02-01T00:00:00Z');
    await admin('enrollInTraining', { sessionId: ids.session, repIds: [ids.ann, ids.bob] }, '2026-02-02T00:00:00Z');
    await deal(ids.d2, '500.00', '2026-02-05T00:00:00Z');
    await deal(ids.d3, '800.00', '2026-02-10T00:00:00Z');
    await admin('winDeal', { dealId: ids.d1, wonValue: '1200.00' }, '2026-02-11T00:00:00Z');
    await admin('advanceDeal', { dealId: ids.d3, stage: 'NEGOTIATION' }, '2026-02-12T00:00:00Z');
    await admin('recordAttendance', { sessionId: ids.session, repId: ids.ann, attended: true, score: 85 }, '2026-02-12T10:00:00Z');
    await admin('recordAttendance', { sessionId: ids.session, repId: ids.bob, attended: false }, '2026-02-12T10:00:00Z');
    await admin('completeTraining', { sessionId: ids.session }, '2026-02-12T12:00:00Z');
    await admin('transferRep', { repId: ids.ann, teamId: ids.south }, '2026-02-15T00:00:00Z');
    await deal(ids.d4, '300.00', '2026-02-16T00:00:00Z');
    await admin('loseDeal', { dealId: ids.d2, reason: 'COMPETITOR', competitor: 'Initech' }, '2026-02-20T00:00:00Z');
    await admin('winDeal', { dealId: ids.d4 }, '2026-02-25T00:00:00Z');
    await admin('reviseDealValue', { dealId: ids.d3, value: '900.00' }, '2026-03-05T00:00:00Z');
  });
  afterAll(async () => {
    await app?.close();
  });

  const KPIS = `wonCount wonValue lostCount lostValue winRate averageDealSize averageSalesCycleDays
                openPipelineValue weightedPipelineValue quota quotaAttainment pipelineCoverage`;

  it('teamPerformance counts deals in the team at close and prorates the quota over membership days', async () => {
    const reply = await read(
      `query($t: ID!, $p: PeriodInput!, $at: String) { teamPerformance(teamId: $t, period: $p, atLeastPosition: $at) {
         teamId kpis { ${KPIS} } reps { repId rep { name } kpis { quota } } } }`,
      { t: ids.north },
    );
    expect(reply.errors).toBeUndefined();
    // North: D1 won 1200.00 in 10 days. Ann's quota in North: 2800.00 × 14/28 = 1400.00.
    // At the end of February Ann is in South: no open deal counts for North.
    expect(reply.data.teamPerformance).toEqual({
      teamId: ids.north,
      kpis: {
        wonCount: 1, wonValue: '1200.00', lostCount: 0, lostValue: '0.00', winRate: 1, averageDealSize: '1200.00',
        averageSalesCycleDays: 10, openPipelineValue: '0.00', weightedPipelineValue: '0.00', quota: '1400.00',
        quotaAttainment: 120000 / 140000, pipelineCoverage: 0,
      },
      reps: [{ repId: ids.ann, rep: { name: 'Ann' }, kpis: { quota: '1400.00' } }],
    });

    // South: D2 lost 500.00, D4 won 300.00 (9 days); D3 open at NEGOTIATION with 800.00 at the
    // end of February (the 900.00 revision is dated 03-05) → weighted 600.00. Quota: Ann 1400.00
    // (02-15..02-28), Bob none. Coverage 800.00 / (1400.00 − 300.00).
    const south = await read(`query($t: ID!, $p: PeriodInput!) { teamPerformance(teamId: $t, period: $p) { kpis { ${KPIS} } reps { repId } } }`, {
      t: ids.south,
    });
    expect(south.data.teamPerformance.kpis).toEqual({
      wonCount: 1, wonValue: '300.00', lostCount: 1, lostValue: '500.00', winRate: 0.5, averageDealSize: '300.00',
      averageSalesCycleDays: 9, openPipelineValue: '800.00', weightedPipelineValue: '600.00', quota: '1400.00',
      quotaAttainment: 30000 / 140000, pipelineCoverage: 80000 / 110000,
    });
    expect(south.data.teamPerformance.reps.map((r: { repId: string }) => r.repId).sort()).toEqual([ids.ann, ids.bob].sort());
  });

  it('repPerformance, leaderboard and pipeline', async () => {
    const reply = await read(
      `query($r: ID!, $t: ID!, $p: PeriodInput!) {
         repPerformance(repId: $r, period: $p) { repId kpis { ${KPIS} } }
         leaderboard(teamId: $t, period: $p, metric: WON_VALUE) { repId kpis { wonValue } }
         atEnd: pipeline(teamId: $t, asOf: "2026-03-01T00:00:00Z") { dealCount openPipelineValue weightedPipelineValue stages { stage value } }
         now: pipeline(teamId: $t) { openPipelineValue weightedPipelineValue }
       }`,
      { r: ids.ann, t: ids.south },
    );
    expect(reply.errors).toBeUndefined();
    // Ann, whatever the team: won D1 + D4 = 1500.00, lost 500.00, cycle (10 + 9) / 2 = 9.5 days,
    // quota 2800.00 for the whole of February.
    expect(reply.data.repPerformance.kpis).toEqual({
      wonCount: 2, wonValue: '1500.00', lostCount: 1, lostValue: '500.00', winRate: 2 / 3, averageDealSize: '750.00',
      averageSalesCycleDays: 9.5, openPipelineValue: '800.00', weightedPipelineValue: '600.00', quota: '2800.00',
      quotaAttainment: 150000 / 280000, pipelineCoverage: 80000 / 130000,
    });
    // South by won value: Ann 300.00, Bob 0.00.
    expect(reply.data.leaderboard).toEqual([
      { repId: ids.ann, kpis: { wonValue: '300.00' } },
      { repId: ids.bob, kpis: { wonValue: '0.00' } },
    ]);
    expect(reply.data.atEnd).toEqual({
      dealCount: 1, openPipelineValue: '800.00', weightedPipelineValue: '600.00',
      stages: [
        { stage: 'PROSPECTING', value: '0.00' },
        { stage: 'QUALIFICATION', value: '0.00' },
        { stage: 'PROPOSAL', value: '0.00' },
        { stage: 'NEGOTIATION', value: '800.00' },
      ],
    });
    // Now the revision counts: 900.00 × 0.75 = 675.00.
    expect(reply.data.now).toEqual({ openPipelineValue: '900.00', weightedPipelineValue: '675.00' });
  });

  it('funnel, channels, key accounts, competitors and training', async () => {
    const reply = await read(
      `query($n: ID!, $s: ID!, $ann: ID!, $p: PeriodInput!) {
         stageFunnel(teamId: $n, period: $p) { stage entered advanced conversion averageDaysInStage }
         channelPerformance(teamId: $s, period: $p) { channel wonCount wonValue lostCount winRate share }
         channelHistory(repId: $ann) { channel from to }
         keyAccounts(period: $p) { totalRevenue hhi accounts { rank account { name } revenue share cumulativeShare tier } }
         competitorAnalysis(period: $p) { competitor wonAgainst lostTo valueLostTo winRateAgainst }
         trainingEffectiveness(skill: NEGOTIATION, days: 30) { sessions attendees closedBefore closedAfter winRateBefore winRateAfter wonValueBefore wonValueAfter }
         repTraining(repId: $ann) { sessionsEnrolled sessionsAttended averageScore }
       }`,
      { n: ids.north, s: ids.south, ann: ids.ann },
    );
    expect(reply.errors).toBeUndefined();
    const d = reply.data;
    // North (all three deals opened while Ann was in North): PROSPECTING entered by D1, D2, D3;
    // D1 and D3 moved on; stays 1 (D1), 15 (D2, until lost) and 2 (D3) days → 6.
    // PROPOSAL: D1 02-02 → won 02-11 (9 days). NEGOTIATION: D3, still there (no duration yet).
    expect(d.stageFunnel).toEqual([
      { stage: 'PROSPECTING', entered: 3, advanced: 2, conversion: 2 / 3, averageDaysInStage: 6 },
      { stage: 'QUALIFICATION', entered: 0, advanced: 0, conversion: null, averageDaysInStage: null },
      { stage: 'PROPOSAL', entered: 1, advanced: 1, conversion: 1, averageDaysInStage: 9 },
      { stage: 'NEGOTIATION', entered: 1, advanced: 0, conversion: 0, averageDaysInStage: null },
    ]);
    // South: D4 won 300.00 and D2 lost, both FIELD (the rep's channel when opened).
    expect(d.channelPerformance[0]).toEqual({ channel: 'FIELD', wonCount: 1, wonValue: '300.00', lostCount: 1, winRate: 0.5, share: 1 });
    expect(d.channelPerformance.map((c: { channel: string }) => c.channel)).toEqual(['FIELD', 'INSIDE', 'ONLINE', 'PARTNER', 'TENDER']);
    expect(d.channelHistory).toEqual([{ channel: 'FIELD', from: '2026-01-02T00:00:00.000Z', to: null }]);
    // Acme: D1 1200.00 + D4 300.00.
    expect(d.keyAccounts).toEqual({
      totalRevenue: '1500.00', hhi: 1,
      accounts: [{ rank: 1, account: { name: 'Acme' }, revenue: '1500.00', share: 1, cumulativeShare: 1, tier: 'A' }],
    });
    // Initech was on D1 (won) and D2 (lost to it, 500.00).
    expect(d.competitorAnalysis).toEqual([{ competitor: 'Initech', wonAgainst: 1, lostTo: 1, valueLostTo: '500.00', winRateAgainst: 0.5 }]);
    // Completed 02-12T12:00, Ann only (Bob absent). Before: D1 won 1200.00. After: D2 lost, D4 won 300.00.
    expect(d.trainingEffectiveness).toEqual([
      { sessions: 1, attendees: 1, closedBefore: 1, closedAfter: 2, winRateBefore: 1, winRateAfter: 0.5, wonValueBefore: '1200.00', wonValueAfter: '300.00' },
    ]);
    expect(d.repTraining).toEqual({ sessionsEnrolled: 1, sessionsAttended: 1, averageScore: 85 });
  });

  it('answers each role only within its scope', async () => {
    const supervisorNorth = await app.tokenFor('SUPERVISOR', 'kam-a');
    const supervisorSouth = await app.tokenFor('SUPERVISOR', 'kam-b');
    const ann = await app.tokenFor('REP', ids.ann);
    const teamQuery = `query($t: ID!, $p: PeriodInput!) { teamPerformance(teamId: $t, period: $p) { teamId } }`;
    const repQuery = `query($r: ID!, $p: PeriodInput!) { repPerformance(repId: $r, period: $p) { repId } }`;
    expect((await read(teamQuery, { t: ids.north }, supervisorNorth)).data.teamPerformance.teamId).toBe(ids.north);
    expect((await read(teamQuery, { t: ids.south }, supervisorNorth)).errors?.[0]?.extensions?.code).toBe('NOT_FOUND');
    // Ann is in South now: North's supervisor no longer sees her, South's does.
    expect((await read(repQuery, { r: ids.ann }, supervisorNorth)).errors?.[0]?.extensions?.code).toBe('NOT_FOUND');
    expect((await read(repQuery, { r: ids.ann }, supervisorSouth)).data.repPerformance.repId).toBe(ids.ann);
    // A rep reads their own reports and no team report.
    expect((await read(repQuery, { r: ids.ann }, ann)).data.repPerformance.repId).toBe(ids.ann);
    expect((await read(repQuery, { r: ids.bob }, ann)).errors?.[0]?.extensions?.code).toBe('NOT_FOUND');
    expect((await read(teamQuery, { t: ids.south }, ann)).errors?.[0]?.extensions?.code).toBe('NOT_FOUND');
    // South's supervisor sees South's key accounts only: D4 (300.00) closed in South.
    const accounts = await read(`query($p: PeriodInput!) { keyAccounts(period: $p) { totalRevenue } }`, {}, supervisorSouth);
    expect(accounts.data.keyAccounts.totalRevenue).toBe('300.00');
  });

  it('refuses a period that ends before it starts', async () => {
    const reply = await app.gql(`query($t: ID!) { stageFunnel(teamId: $t, period: { from: "2026-03-01", to: "2026-02-01" }) { stage } }`, { t: ids.north });
    expect(reply.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
  });
});
