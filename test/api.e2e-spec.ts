import { startTestApp, type TestApp } from './support/test-app';

describe('API over HTTP', () => {
  let app: TestApp;
  beforeAll(async () => {
    app = await startTestApp();
  });
  afterAll(async () => {
    await app?.close();
  });

  it('serves GET /health with the event store state', async () => {
    const response = await fetch(`${app.url}/health`);
    expect(response.status).toBe(200);
    const body = await response.json();
    expect(body).toMatchObject({ status: 'ok', eventStore: { kind: 'sqlite', up: true } });
  });

  it('forms a team over POST /graphql and returns id, revision and position', async () => {
    const data = await app.mutate(
      `mutation($input: FormTeamInput!) { formTeam(input: $input) { id revision position } }`,
      { input: { name: 'Key accounts North', supervisorId: 'kam-1' } },
    );
    expect(data.formTeam.revision).toBe(0);
    expect(data.formTeam.id).toMatch(/^[0-9a-f-]{36}$/);
    const events = await app.store.readStream(`team-${data.formTeam.id}`);
    expect(events.map((e) => e.type)).toEqual(['TeamFormed']);
    expect(events[0]!.position).toBe(data.formTeam.position);
  });

  it('answers a malformed variable with BAD_USER_INPUT naming the field', async () => {
    const reply = await app.gql(`mutation($input: FormTeamInput!) { formTeam(input: $input) { id } }`, {
      input: { name: 'x', supervisorId: 'kam-1', occurredAt: '2026-02-30T10:00:00Z' },
    });
    expect(reply.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    expect(JSON.stringify(reply.errors?.[0]?.extensions?.fields)).toContain('occurredAt');
  });
});

describe('authentication', () => {
  let app: TestApp;
  beforeAll(async () => {
    app = await startTestApp();
  });
  afterAll(async () => {
    await app?.close();
  });

  it('answers a request without a token UNAUTHENTICATED, introspection included', async () => {
    const reply = await app.gql(`{ __schema { queryType { name } } }`, undefined, null);
    expect(reply.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
    expect(reply.data ?? null).toBeNull();
  });

  it('refuses a token signed with another secret', async () => {
    const { mintToken } = await import('@kam/auth');
    const forged = await mintToken({ sub: 'admin', role: 'ADMIN' }, 'some-other-secret-of-at-least-32-bytes!!');
    const reply = await app.gql(`{ me { sub role } }`, undefined, forged);
    expect(reply.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
  });

  it('tells a valid caller who they are', async () => {
    const token = await app.tokenFor('BI_READER', 'bi-1');
    const reply = await app.gql(`{ me { sub role } }`, undefined, token);
    expect(reply.errors).toBeUndefined();
    expect(reply.data.me).toEqual({ sub: 'bi-1', role: 'BI_READER' });
  });

  it('lets only ADMIN set occurredAt', async () => {
    const token = await app.tokenFor('SUPERVISOR', 'kam-9');
    const reply = await app.gql(
      `mutation($input: FormTeamInput!) { formTeam(input: $input) { id } }`,
      { input: { name: 'x', supervisorId: 'kam-9', occurredAt: '2025-01-01T00:00:00Z' } },
      token,
    );
    expect(reply.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
  });
});

describe('limits', () => {
  let app: TestApp;
  beforeAll(async () => {
    app = await startTestApp();
  });
  afterAll(async () => {
    await app?.close();
  });

  it('refuses a too deep query with QUERY_TOO_COMPLEX before executing it', async () => {
    const deep = `{ __schema { types { fields { type { ofType { ofType { ofType { ofType { ofType { ofType { ofType { ofType { name } } } } } } } } } } } } }`;
    const reply = await app.gql(deep);
    expect(reply.errors?.[0]?.extensions?.code).toBe('QUERY_TOO_COMPLEX');
  });

  it('answers 413 to a body over 1 MiB', async () => {
    const response = await fetch(`${app.url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ query: `{ me { sub } }`, variables: { pad: 'x'.repeat(1_100_000) } }),
    });
    expect(response.status).toBe(413);
  });

  it('sends security headers', async () => {
    const response = await fetch(`${app.url}/health`);
    expect(response.headers.get('x-content-type-options')).toBe('nosniff');
  });
});

describe('abuse limits', () => {
  let app: TestApp;
  beforeAll(async () => {
    app = await startTestApp({ env: { KAM_RATE_LIMIT_PER_MINUTE: '5' } });
  });
  afterAll(async () => {
    await app?.close();
  });

  it('answers 429 RATE_LIMITED past the per-token limit, with the time to wait', async () => {
    const token = await app.tokenFor('BI_READER', 'greedy');
    const statuses: number[] = [];
    let last: { errors?: Array<{ extensions?: { code?: string; retryAfterSeconds?: number } }> } = {};
    for (let i = 0; i < 6; i++) {
      const response = await fetch(`${app.url}/graphql`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
        body: JSON.stringify({ query: '{ me { sub } }' }),
      });
      statuses.push(response.status);
      last = (await response.json()) as typeof last;
    }
    expect(statuses).toEqual([200, 200, 200, 200, 200, 429]);
    expect(last.errors?.[0]?.extensions?.code).toBe('RATE_LIMITED');
    expect(last.errors?.[0]?.extensions?.retryAfterSeconds).toBeGreaterThan(0);
    // Another token has its own budget.
    const other = await app.gql(`{ me { sub } }`, undefined, await app.tokenFor('BI_READER', 'patient'));
    expect(other.data.me.sub).toBe('patient');
  });

  it('refuses batched operations', async () => {
    const response = await fetch(`${app.url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${await app.tokenFor('ADMIN', 'batch')}` },
      body: JSON.stringify([{ query: '{ me { sub } }' }, { query: '{ me { role } }' }]),
    });
    expect(response.status).toBe(400);
    const body = (await response.json()) as { data: unknown; errors: Array<{ extensions: { code: string } }> };
    expect(body.data).toBeNull();
    expect(body.errors[0]!.extensions.code).toBe('BAD_REQUEST');
  });
});
