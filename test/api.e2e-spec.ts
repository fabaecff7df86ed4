import { startTestApp, type TestApp } from './support/test-app';

describe('API over HTTP', () => {
  let app: TestApp;
  beforeAll(async () => {
    app = await startTestApp();
  });
  afterAll(async () => {
    await app.close();
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
