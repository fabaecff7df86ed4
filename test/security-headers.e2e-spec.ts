import helmet from '@fastify/helmet';
import Fastify from 'fastify';
import { startTestApp, type TestApp } from './support/test-app';

jest.setTimeout(30_000);

/** What @fastify/helmet itself sets with these options (the API computes them once, bootstrap.ts). */
async function pluginHeaders(options: Parameters<typeof helmet>[1]): Promise<Record<string, unknown>> {
  const probe = Fastify({ logger: false });
  await probe.register(helmet, options);
  probe.get('/', async () => 'x');
  const response = await probe.inject({ method: 'GET', url: '/' });
  await probe.close();
  const { 'content-type': _t, 'content-length': _l, date: _d, connection: _c, 'keep-alive': _k, ...rest } = response.headers;
  return rest;
}

describe.each([
  ['development', {}, { contentSecurityPolicy: false }],
  ['production', { NODE_ENV: 'production' }, {}],
])('security headers (%s)', (_name, env, options) => {
  let app: TestApp;
  beforeAll(async () => {
    app = await startTestApp({ env });
  });
  afterAll(async () => {
    await app?.close();
  });

  it("are @fastify/helmet's on every response, GraphQL and others", async () => {
    const expected = await pluginHeaders(options);
    expect(Object.keys(expected).length).toBeGreaterThan(8);
    const responses = [
      await fetch(`${app.url}/health`),
      await fetch(`${app.url}/graphql`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${await app.tokenFor('ADMIN', 'a')}` },
        body: JSON.stringify({ query: '{ teams { id } }' }),
      }),
      await fetch(`${app.url}/graphql`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"query":' }),
    ];
    for (const response of responses) {
      for (const [name, value] of Object.entries(expected)) expect([name, response.headers.get(name)]).toEqual([name, value]);
      expect(response.headers.has('content-security-policy')).toBe('content-security-policy' in expected);
    }
  });
});
