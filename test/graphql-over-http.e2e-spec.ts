import { auditServer } from 'graphql-http';
import { startTestApp, type TestApp } from './support/test-app';

describe('GraphQL over HTTP specification (graphql-http audit)', () => {
  let app: TestApp;
  beforeAll(async () => {
    app = await startTestApp();
  });
  afterAll(async () => {
    await app?.close();
  });

  it('passes every MUST of the audit', async () => {
    const token = await app.tokenFor('ADMIN', 'audit');
    const results = await auditServer({
      url: `${app.url}/graphql`,
      fetchFn: (input: string | URL | Request, init?: RequestInit) =>
        fetch(input, { ...init, headers: { ...(init?.headers as Record<string, string>), authorization: `Bearer ${token}` } }),
    });
    const failures = results.filter((r) => r.status === 'error').map((r) => `${r.id} ${r.name}: ${(r as { reason?: string }).reason}`);
    expect(results.length).toBeGreaterThan(20);
    expect(failures).toEqual([]);
  });

  it('answers application/graphql-response+json clients with that type and 400 for a parse error', async () => {
    const response = await fetch(`${app.url}/graphql`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        accept: 'application/graphql-response+json',
        authorization: `Bearer ${await app.tokenFor('ADMIN', 'a')}`,
      },
      body: JSON.stringify({ query: '{ me { sub ' }),
    });
    expect(response.status).toBe(400);
    expect(response.headers.get('content-type')).toContain('application/graphql-response+json');
    const body = (await response.json()) as { data?: unknown; errors: Array<{ extensions: { code: string } }> };
    expect(body.data).toBeUndefined();
    expect(body.errors[0]!.extensions.code).toBe('GRAPHQL_PARSE_FAILED');
  });
});
