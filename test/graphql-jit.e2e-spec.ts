import { randomUUID } from 'node:crypto';
import { startTestApp, type TestApp } from './support/test-app';

/*
 * Mercurius runs a query text it has seen before as code compiled by graphql-jit (`jit: 1` in
 * app.module.ts). The answer must not depend on which executor ran it: the same request sent
 * several times (the first by graphql-js, the next ones compiled) gets the same status and body,
 * errors included (variables that do not coerce, resolver errors, limits, authentication).
 */
jest.setTimeout(30_000);

describe('compiled queries answer exactly like interpreted ones', () => {
  let app: TestApp;

  beforeAll(async () => {
    app = await startTestApp();
  });
  afterAll(async () => {
    await app?.close();
  });

  async function raw(body: unknown, token: string | null): Promise<{ status: number; body: unknown }> {
    const response = await fetch(`${app.url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
      body: JSON.stringify(body),
    });
    return { status: response.status, body: await response.json() };
  }

  async function sameEveryTime(body: unknown, token: string | null = null): Promise<{ status: number; body: unknown }> {
    const first = await raw(body, token);
    for (let i = 0; i < 3; i++) expect(await raw(body, token)).toEqual(first);
    return first;
  }

  it('for variables that do not coerce, in a query and in a mutation', async () => {
    const admin = await app.tokenFor('ADMIN', 'admin');
    const period = await sameEveryTime(
      {
        query: 'query($t: ID!, $p: PeriodInput!) { teamPerformance(teamId: $t, period: $p) { teamId } }',
        variables: { t: randomUUID(), p: { from: '2026-02-30', to: 1 } },
      },
      admin,
    );
    expect(JSON.stringify(period.body)).toContain('BAD_USER_INPUT');
    expect(JSON.stringify(period.body)).toContain('p.from');
    const mutation = await sameEveryTime(
      {
        query: 'mutation($input: RescheduleDealInput!) { rescheduleDeal(input: $input) { id } }',
        variables: { input: { dealId: randomUUID(), expectedCloseDate: '2027-02-29' } },
      },
      admin,
    );
    expect(JSON.stringify(mutation.body)).toContain('input.expectedCloseDate');
    const missing = await sameEveryTime({ query: 'query($t: ID!) { team(id: $t) { id } }', variables: {} }, admin);
    expect(JSON.stringify(missing.body)).toContain('$t');
  });

  it('for resolver errors, limits, authentication and a plain answer', async () => {
    const admin = await app.tokenFor('ADMIN', 'admin');
    const notFound = await sameEveryTime({ query: `{ deal(id: "${randomUUID()}") { id } }` }, admin);
    expect(JSON.stringify(notFound.body)).toContain('NOT_FOUND');
    const deep = `{ __schema { types { fields { type { ofType { ofType { ofType { ofType { ofType { ofType { ofType { ofType { name } } } } } } } } } } } } }`;
    const tooDeep = await sameEveryTime({ query: deep }, admin);
    expect(JSON.stringify(tooDeep.body)).toContain('QUERY_TOO_COMPLEX');
    const anonymous = await sameEveryTime({ query: '{ teams { id } }' }, null);
    expect(JSON.stringify(anonymous.body)).toContain('UNAUTHENTICATED');
    const ok = await sameEveryTime({ query: '{ teams { id name reps { id } } me { sub role } }' }, admin);
    expect(ok.status).toBe(200);
    expect(ok.body).toEqual({ data: { teams: [], me: { sub: 'admin', role: 'ADMIN' } } });
  });
});
