import { QUERY_CACHE, type QueryCache } from '@kam/reporting';
import { startTestApp, type TestApp } from './support/test-app';
import { AdminWriter, seedTwoTeams, twoTeamIds } from './support/write-side';

/*
 * The read cache (libs/reporting/src/common/query-cache.ts) on the real API: an answer kept for a
 * read-model version must never be served after a write moved the read models, nor to a caller
 * of another scope. Each test first shows that the answer was indeed served from memory (the
 * cache's hit count), so a cache that kept answers too long or across scopes would fail here.
 */
jest.setTimeout(30_000);

describe('read answers kept per read-model version', () => {
  let app: TestApp;
  let cache: QueryCache;
  const ids = twoTeamIds();
  const FEB = { from: '2026-02-01', to: '2026-02-28' };

  const writer = new AdminWriter(() => app);
  const admin = writer.run.bind(writer);
  const openDeal = writer.openDeal.bind(writer);

  const TEAM_PERFORMANCE = `query($t: ID!, $p: PeriodInput!, $at: String) {
    teamPerformance(teamId: $t, period: $p, atLeastPosition: $at) { teamId kpis { wonCount wonValue openPipelineValue } } }`;
  const DEALS = `query($at: String) { deals(first: 50, atLeastPosition: $at) { edges { node { id value } } } }`;
  const PIPELINE_NOW = `query($t: ID!, $at: String) { pipeline(teamId: $t, atLeastPosition: $at) { asOf dealCount openPipelineValue } }`;

  function hits(): number {
    return cache.stats().hits;
  }

  /** Waits (through a query with atLeastPosition) until the read models hold `at`. */
  async function caughtUp(at: string): Promise<void> {
    const reply = await app.gql(`query($at: String) { teams(atLeastPosition: $at) { id } }`, { at });
    expect(reply.errors).toBeUndefined();
  }

  beforeAll(async () => {
    app = await startTestApp();
    cache = app.app.get<QueryCache>(QUERY_CACHE);
    await seedTwoTeams(writer, ids);
    await caughtUp(writer.position);
  });
  afterAll(async () => {
    await app?.close();
  });

  it('a report of a past period is answered from memory until a write changes it, then anew', async () => {
    const first = await app.gql(TEAM_PERFORMANCE, { t: ids.north, p: FEB });
    expect(first.errors).toBeUndefined();
    expect(first.data.teamPerformance.kpis).toEqual({ wonCount: 1, wonValue: '1000.00', openPipelineValue: '0.00' });
    const before = hits();
    const again = await app.gql(TEAM_PERFORMANCE, { t: ids.north, p: FEB });
    expect(again.data).toEqual(first.data);
    expect(hits()).toBe(before + 1);

    // A deal won in February, written now: the same question must see it.
    const d2 = await openDeal(ids.ann, ids.acme, '500.00', '2026-02-03T00:00:00Z');
    const at = await admin('winDeal', { dealId: d2, wonValue: '500.00' }, '2026-02-12T00:00:00Z');
    const withPosition = await app.gql(TEAM_PERFORMANCE, { t: ids.north, p: FEB, at });
    expect(withPosition.errors).toBeUndefined();
    expect(withPosition.data.teamPerformance.kpis).toEqual({ wonCount: 2, wonValue: '1500.00', openPipelineValue: '0.00' });
    // …and so must the same query without atLeastPosition, now that the read models hold it.
    const without = await app.gql(TEAM_PERFORMANCE, { t: ids.north, p: FEB });
    expect(without.data.teamPerformance.kpis).toEqual({ wonCount: 2, wonValue: '1500.00', openPipelineValue: '0.00' });
  });

  it('a list is answered from memory until a write changes it (read-your-writes with atLeastPosition)', async () => {
    const first = await app.gql(DEALS, {});
    expect(first.errors).toBeUndefined();
    const before = hits();
    expect((await app.gql(DEALS, {})).data).toEqual(first.data);
    expect(hits()).toBe(before + 1);

    const dealId = await openDeal(ids.bob, ids.beta, '42.00');
    const after = await app.gql(DEALS, { at: writer.position });
    expect(after.errors).toBeUndefined();
    const idsAfter = after.data.deals.edges.map((e: { node: { id: string } }) => e.node.id);
    expect(idsAfter).toContain(dealId);
    expect(idsAfter).toHaveLength(first.data.deals.edges.length + 1);
    // A revision of the value shows at once too.
    await admin('reviseDealValue', { dealId, value: '43.00' });
    const revised = await app.gql(DEALS, { at: writer.position });
    expect(revised.data.deals.edges.find((e: { node: { id: string } }) => e.node.id === dealId).node.value).toBe('43.00');
  });

  it("never gives one scope's answer to another", async () => {
    const supA = await app.tokenFor('SUPERVISOR', 'kam-a');
    const supB = await app.tokenFor('SUPERVISOR', 'kam-b');
    const own = await app.gql(TEAM_PERFORMANCE, { t: ids.north, p: FEB }, supA);
    expect(own.errors).toBeUndefined();
    expect(own.data.teamPerformance.teamId).toBe(ids.north);
    const before = hits();
    expect((await app.gql(TEAM_PERFORMANCE, { t: ids.north, p: FEB }, supA)).data).toEqual(own.data);
    expect(hits()).toBe(before + 1);
    // kam-b does not supervise North: refused exactly as without a cache, whatever was kept for kam-a or ADMIN.
    const foreign = await app.gql(TEAM_PERFORMANCE, { t: ids.north, p: FEB }, supB);
    expect(foreign.data?.teamPerformance ?? null).toBeNull();
    expect(foreign.errors?.[0]?.extensions?.code).toMatch(/FORBIDDEN|NOT_FOUND/);

    // REP tokens: each rep's deal list holds their own deals only, even right after the other asked.
    const ann = await app.tokenFor('REP', ids.ann);
    const bob = await app.tokenFor('REP', ids.bob);
    const admins = await app.gql(DEALS, {});
    const annDeals = await app.gql(DEALS, {}, ann);
    const bobDeals = await app.gql(DEALS, {}, bob);
    const idsOf = (r: { data: { deals: { edges: Array<{ node: { id: string } }> } } }) => r.data.deals.edges.map((e) => e.node.id);
    expect(idsOf(annDeals).length).toBeGreaterThan(0);
    expect(idsOf(bobDeals).length).toBeGreaterThan(0);
    expect(idsOf(annDeals).filter((id) => idsOf(bobDeals).includes(id))).toEqual([]);
    expect(idsOf(annDeals).length + idsOf(bobDeals).length).toBe(idsOf(admins).length);
    expect(idsOf(await app.gql(DEALS, {}, bob))).toEqual(idsOf(bobDeals));
  });

  it('a supervisor whose teams change gets the answer of the new scope', async () => {
    const supC = await app.tokenFor('SUPERVISOR', 'kam-c');
    const none = await app.gql(DEALS, {}, supC);
    expect(none.errors).toBeUndefined();
    expect(none.data.deals.edges).toEqual([]);
    // kam-c takes over South (a new supervisor): Bob's deals become readable.
    await admin('changeTeamSupervisor', { teamId: ids.south, supervisorId: 'kam-c' });
    await caughtUp(writer.position);
    const some = await app.gql(DEALS, {}, supC);
    expect(some.errors).toBeUndefined();
    expect(some.data.deals.edges.length).toBeGreaterThan(0);
  });

  it('the pipeline "now" follows writes and states the instant it is for', async () => {
    const first = await app.gql(PIPELINE_NOW, { t: ids.south });
    expect(first.errors).toBeUndefined();
    const asOf = Date.parse(first.data.pipeline.asOf);
    expect(Math.abs(Date.now() - asOf)).toBeLessThan(5000);
    await openDeal(ids.bob, ids.beta, '100.00');
    const after = await app.gql(PIPELINE_NOW, { t: ids.south, at: writer.position });
    expect(after.data.pipeline.dealCount).toBe(first.data.pipeline.dealCount + 1);
  });
});
