import { randomUUID } from 'node:crypto';
import { startTestApp, type StoreKind, type TestApp } from './support/test-app';
import { mutationOf } from './support/write-side';

/**
 * The read side over HTTP, and who sees what (product.md §5): a small organisation written through
 * the mutations, then read back per role, with `atLeastPosition` for read-your-writes.
 */
describe.each<StoreKind>(['sqlite', 'esdb-double'])('read side and access on %s', (storeKind) => {
  let app: TestApp;
  const ids = {
    teamA: randomUUID(),
    teamB: randomUUID(),
    repA: randomUUID(),
    repB: randomUUID(),
    accountA: randomUUID(),
    accountB: randomUUID(),
    dealA: randomUUID(),
    dealB: randomUUID(),
  };
  let lastPosition = '0';
  let tokens: Record<'supervisorA' | 'repA' | 'bi', string>;

  async function admin(name: string, input: Record<string, unknown>): Promise<void> {
    const data = await app.mutate<Record<string, { position: string }>>(mutationOf(name), { input });
    lastPosition = data[name]!.position;
  }

  beforeAll(async () => {
    app = await startTestApp({ store: storeKind });
    await admin('formTeam', { teamId: ids.teamA, name: 'North', supervisorId: 'kam-a' });
    await admin('formTeam', { teamId: ids.teamB, name: 'South', supervisorId: 'kam-b' });
    await admin('hireRep', { repId: ids.repA, name: 'Ann', email: 'ann@example.com', teamId: ids.teamA, channel: 'FIELD' });
    await admin('hireRep', { repId: ids.repB, name: 'Bob', email: 'bob@example.com', teamId: ids.teamB, channel: 'INSIDE' });
    await admin('registerAccount', { accountId: ids.accountA, name: 'Acme', ownerRepId: ids.repA });
    await admin('registerAccount', { accountId: ids.accountB, name: 'Globex', ownerRepId: ids.repB });
    await admin('openDeal', { dealId: ids.dealA, accountId: ids.accountA, repId: ids.repA, title: 'Fleet', value: '1000.00', expectedCloseDate: '2026-12-31' });
    await admin('openDeal', { dealId: ids.dealB, accountId: ids.accountB, repId: ids.repB, title: 'Plant', value: '2500.50', expectedCloseDate: '2026-12-31' });
    await admin('winDeal', { dealId: ids.dealA });
    tokens = {
      supervisorA: await app.tokenFor('SUPERVISOR', 'kam-a'),
      repA: await app.tokenFor('REP', ids.repA),
      bi: await app.tokenFor('BI_READER', 'bi'),
    };
  });
  afterAll(async () => {
    await app?.close();
  });

  it('reads its own write with atLeastPosition', async () => {
    const reply = await app.gql(`query($id: ID!, $p: String) { deal(id: $id, atLeastPosition: $p) { stage value wonValue teamId rep { name } } }`, {
      id: ids.dealA,
      p: lastPosition,
    });
    expect(reply.errors).toBeUndefined();
    expect(reply.data.deal).toEqual({ stage: 'WON', value: '1000.00', wonValue: '1000.00', teamId: ids.teamA, rep: { name: 'Ann' } });
  });

  it('refuses a malformed atLeastPosition as BAD_USER_INPUT', async () => {
    const reply = await app.gql(`query($p: String) { teams(atLeastPosition: $p) { id } }`, { p: 'not-a-position' });
    expect(reply.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
  });

  it('gives a supervisor their team and nothing else', async () => {
    const teams = await app.gql(`query($p: String) { teams(atLeastPosition: $p) { id name } }`, { p: lastPosition }, tokens.supervisorA);
    expect(teams.data.teams).toEqual([{ id: ids.teamA, name: 'North' }]);
    const other = await app.gql(`query($id: ID!) { deal(id: $id) { id } }`, { id: ids.dealB }, tokens.supervisorA);
    expect(other.errors?.[0]?.extensions?.code).toBe('NOT_FOUND');
    const deals = await app.gql(`{ deals(first: 10) { edges { node { id } } } }`, undefined, tokens.supervisorA);
    expect(deals.data.deals.edges.map((e: { node: { id: string } }) => e.node.id)).toEqual([ids.dealA]);
    const report = await app.gql(
      `query($t: ID!) { teamPerformance(teamId: $t, period: { from: "2026-01-01", to: "2026-12-31" }) { teamId } }`,
      { t: ids.teamB },
      tokens.supervisorA,
    );
    expect(report.errors?.[0]?.extensions?.code).toBe('NOT_FOUND');
  });

  it("lets a supervisor work their team's deals and refuses the others' as NOT_FOUND", async () => {
    const own = await app.gql(mutationOf('recordFulfilment'), { input: { dealId: ids.dealA, amount: '100.00' } }, tokens.supervisorA);
    expect(own.errors).toBeUndefined();
    const other = await app.gql(mutationOf('advanceDeal'), { input: { dealId: ids.dealB, stage: 'PROPOSAL' } }, tokens.supervisorA);
    expect(other.errors?.[0]?.extensions?.code).toBe('NOT_FOUND');
    const admin = await app.gql(mutationOf('hireRep'), {
      input: { name: 'Eve', email: 'eve@example.com', teamId: ids.teamA, channel: 'FIELD' },
    }, tokens.supervisorA);
    expect(admin.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
  });

  it('lets a rep read and work only their own deals', async () => {
    const own = await app.gql(`query($id: ID!) { deal(id: $id) { title } }`, { id: ids.dealA }, tokens.repA);
    expect(own.data.deal).toEqual({ title: 'Fleet' });
    const other = await app.gql(`query($id: ID!) { deal(id: $id) { title } }`, { id: ids.dealB }, tokens.repA);
    expect(other.errors?.[0]?.extensions?.code).toBe('NOT_FOUND');
    const write = await app.gql(mutationOf('recordCompetitor'), { input: { dealId: ids.dealB, competitor: 'Initech' } }, tokens.repA);
    expect(write.errors?.[0]?.extensions?.code).toBe('NOT_FOUND');
    const reassign = await app.gql(mutationOf('reassignDeal'), { input: { dealId: ids.dealA, repId: ids.repB } }, tokens.repA);
    expect(reassign.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
  });

  it('lets a BI reader read everything and write nothing', async () => {
    const deals = await app.gql(`{ deals(first: 10) { edges { node { id } } } }`, undefined, tokens.bi);
    expect(deals.data.deals.edges).toHaveLength(2);
    const write = await app.gql(mutationOf('advanceDeal'), { input: { dealId: ids.dealB, stage: 'PROPOSAL' } }, tokens.bi);
    expect(write.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
  });

  it('pages the change feed exactly once and in order', async () => {
    const seen: string[] = [];
    let after: string | null = null;
    for (let page = 0; page < 50; page++) {
      const reply: { data: { events: { edges: Array<{ node: { position: string } }>; pageInfo: { hasNextPage: boolean; endCursor: string } } } } =
        await app.gql(`query($after: String) { events(first: 3, after: $after) { edges { node { position type } } pageInfo { hasNextPage endCursor } } }`, { after }, tokens.bi);
      seen.push(...reply.data.events.edges.map((e) => e.node.position));
      if (!reply.data.events.pageInfo.hasNextPage) break;
      after = reply.data.events.pageInfo.endCursor;
    }
    const log = (await app.store.readAll({ maxCount: 10_000 })).map((e) => e.position);
    expect(seen).toEqual(log);
  });

  it('reports projection lag on /health and /metrics', async () => {
    const health = (await (await fetch(`${app.url}/health`)).json()) as { readModels: { projecting: boolean; projections: unknown[] } };
    expect(health.readModels.projecting).toBe(true);
    expect(health.readModels.projections.length).toBeGreaterThan(5);
    const metrics = await (await fetch(`${app.url}/metrics`)).text();
    expect(metrics).toContain('kam_projection_lag_events{projection="deals"}');
    expect(metrics).toContain('kam_projection_lag_ms');
  });
});
