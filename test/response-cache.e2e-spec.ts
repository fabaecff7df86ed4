import { randomUUID } from 'node:crypto';
import { QUERY_CACHE, type QueryCache } from '@kam/reporting';
import { startTestApp, type TestApp } from './support/test-app';
import { AdminWriter, seedTwoTeams, twoTeamIds } from './support/write-side';

jest.setTimeout(30_000);

/*
 * Whole responses kept per read-model version (apps/api/src/graphql/response-cache.ts). A repeated
 * request answered from there does not reach the resolvers (the cache counts no miss for it); it
 * must still be exactly the response the API would give now, to this caller only.
 */
describe('whole responses kept per read-model version', () => {
  let app: TestApp;
  let cache: QueryCache;
  const ids = twoTeamIds();
  const FEB = { from: '2026-02-01', to: '2026-02-28' };

  const TEAM = `query($t: ID!, $p: PeriodInput!) { teamPerformance(teamId: $t, period: $p) { teamId kpis { wonCount wonValue } } }`;
  const DEALS = `{ deals(first: 50) { edges { node { id value repId } } } }`;

  const writer = new AdminWriter(() => app);
  const admin = writer.run.bind(writer);
  const openDeal = writer.openDeal.bind(writer);

  async function caughtUp(): Promise<void> {
    const reply = await app.gql(`query($at: String) { teams(atLeastPosition: $at) { id } }`, { at: writer.position });
    expect(reply.errors).toBeUndefined();
  }

  async function raw(body: unknown, token: string | null): Promise<{ status: number; headers: Headers; text: string }> {
    const response = await fetch(`${app.url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
      body: JSON.stringify(body),
    });
    return { status: response.status, headers: response.headers, text: await response.text() };
  }

  /** Sends the request twice; the second must come from the response cache and equal the first. */
  async function twiceFromMemory(body: unknown, token: string | null) {
    // Responses are also keyed by the clock's second: a pair that straddles one is sent again.
    const step = () => Math.floor(Date.now() / 1000);
    let first, second, misses, hits;
    for (let attempt = 0; ; attempt++) {
      const started = step();
      first = await raw(body, token);
      misses = cache.stats().misses;
      hits = cache.stats().hits;
      second = await raw(body, token);
      if (step() === started || attempt === 3) break;
    }
    expect(cache.stats().misses).toBe(misses);
    expect(cache.stats().hits).toBe(hits + 1);
    expect(second.status).toBe(first.status);
    expect(second.text).toBe(first.text);
    for (const header of ['content-type', 'x-content-type-options', 'content-security-policy', 'strict-transport-security']) {
      expect(second.headers.get(header)).toBe(first.headers.get(header));
    }
    return JSON.parse(second.text) as { data: any; errors?: Array<{ extensions?: { code?: string } }> };
  }

  let adminToken: string;

  beforeAll(async () => {
    app = await startTestApp();
    cache = app.app.get<QueryCache>(QUERY_CACHE);
    adminToken = await app.tokenFor('ADMIN', 'admin');
    await seedTwoTeams(writer, ids);
    await caughtUp();
  });
  afterAll(async () => {
    await app?.close();
  });

  it('answers a repeated report from memory, and anew once a write changed it', async () => {
    const before = await twiceFromMemory({ query: TEAM, variables: { t: ids.north, p: FEB } }, adminToken);
    expect(before.data.teamPerformance.kpis).toEqual({ wonCount: 1, wonValue: '1000.00' });
    const d2 = await openDeal(ids.ann, ids.acme, '500.00', '2026-02-03T00:00:00Z');
    await admin('winDeal', { dealId: d2, wonValue: '500.00' }, '2026-02-12T00:00:00Z');
    await caughtUp();
    const after = await twiceFromMemory({ query: TEAM, variables: { t: ids.north, p: FEB } }, adminToken);
    expect(after.data.teamPerformance.kpis).toEqual({ wonCount: 2, wonValue: '1500.00' });
  });

  it('answers a repeated list from memory, and anew once a write changed it', async () => {
    const before = await twiceFromMemory({ query: DEALS }, adminToken);
    const dealId = await openDeal(ids.bob, ids.beta, '42.00');
    await caughtUp();
    const after = await twiceFromMemory({ query: DEALS }, adminToken);
    expect(after.data.deals.edges).toHaveLength(before.data.deals.edges.length + 1);
    expect(after.data.deals.edges.map((e: { node: { id: string } }) => e.node.id)).toContain(dealId);
  });

  it('keeps each query text apart: another text, even one selecting less, is answered anew', async () => {
    const full = await twiceFromMemory({ query: DEALS }, adminToken);
    const idsOnly = `{ deals(first: 50) { edges { node { id } } } }`;
    const misses = cache.stats().misses;
    const narrow = JSON.parse((await raw({ query: idsOnly }, adminToken)).text);
    expect(cache.stats().misses).toBeGreaterThan(misses);
    expect(narrow.data.deals.edges).toEqual(full.data.deals.edges.map((e: { node: { id: string } }) => ({ node: { id: e.node.id } })));
    const named = await twiceFromMemory({ query: `query Named ${DEALS}`, operationName: 'Named' }, adminToken);
    expect(named.data).toEqual(full.data);
  });

  it("never gives a kept response to another caller, scope, or to a request without a valid token", async () => {
    const supA = await app.tokenFor('SUPERVISOR', 'kam-a');
    const supB = await app.tokenFor('SUPERVISOR', 'kam-b');
    const own = await twiceFromMemory({ query: TEAM, variables: { t: ids.north, p: FEB } }, supA);
    expect(own.data.teamPerformance.teamId).toBe(ids.north);
    const foreign = JSON.parse((await raw({ query: TEAM, variables: { t: ids.north, p: FEB } }, supB)).text);
    expect(foreign.data?.teamPerformance ?? null).toBeNull();
    expect(foreign.errors?.[0]?.extensions?.code).toBe('NOT_FOUND');
    const anonymous = JSON.parse((await raw({ query: TEAM, variables: { t: ids.north, p: FEB } }, null)).text);
    expect(anonymous.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
    const forged = `${supA.slice(0, -4)}AAAA`;
    const bad = JSON.parse((await raw({ query: TEAM, variables: { t: ids.north, p: FEB } }, forged)).text);
    expect(bad.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');

    const ann = await app.tokenFor('REP', ids.ann);
    const bob = await app.tokenFor('REP', ids.bob);
    const annDeals = await twiceFromMemory({ query: DEALS }, ann);
    const bobDeals = await twiceFromMemory({ query: DEALS }, bob);
    expect(annDeals.data.deals.edges.every((e: { node: { repId: string } }) => e.node.repId === ids.ann)).toBe(true);
    expect(bobDeals.data.deals.edges.every((e: { node: { repId: string } }) => e.node.repId === ids.bob)).toBe(true);
    expect(bobDeals.data.deals.edges.length).toBeGreaterThan(0);
  });

  it('leaves alone what it must not keep: errors, mutations, atLeastPosition, the log feed, other operations', async () => {
    const notFound = { query: TEAM, variables: { t: randomUUID(), p: FEB } };
    await raw(notFound, adminToken);
    const misses = cache.stats().misses;
    const again = JSON.parse((await raw(notFound, adminToken)).text);
    expect(again.errors?.[0]?.extensions?.code).toBe('NOT_FOUND');
    expect(cache.stats().misses).toBeGreaterThan(misses);

    // The log feed reads the event store, not the read models: a write shows at once.
    const feed = `{ events(first: 500) { edges { node { position } } } }`;
    const feedBefore = JSON.parse((await raw({ query: feed }, adminToken)).text);
    await openDeal(ids.bob, ids.beta, '1.00');
    const feedAfter = JSON.parse((await raw({ query: feed }, adminToken)).text);
    expect(feedAfter.data.events.edges.length).toBe(feedBefore.data.events.edges.length + 1);
  });
});
