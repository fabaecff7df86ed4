import { randomUUID } from 'node:crypto';
import { createClient, type Client } from 'graphql-ws';
import WebSocket from 'ws';
import { startTestApp, type TestApp } from './support/test-app';
import { mutationOf } from './support/write-side';

interface Received {
  type: string;
  streamId: string;
}

/** Collects salesEvents for a client until `count` arrived or the deadline passed. */
function collect(client: Client, variables: Record<string, unknown>, count: number, ms = 4000): Promise<{ events: Received[]; error?: unknown }> {
  return new Promise((resolve) => {
    const events: Received[] = [];
    let dispose: () => void = () => undefined;
    const timer = setTimeout(() => {
      dispose();
      resolve({ events });
    }, ms);
    dispose = client.subscribe<{ salesEvents: Received }>(
      { query: 'subscription($teamId: ID) { salesEvents(teamId: $teamId) { type streamId } }', variables },
      {
        next: (message) => {
          if (message.data) events.push(message.data.salesEvents);
          if (message.errors) {
            clearTimeout(timer);
            resolve({ events, error: message.errors });
          }
          if (events.length >= count) {
            clearTimeout(timer);
            dispose();
            resolve({ events });
          }
        },
        error: (error) => {
          clearTimeout(timer);
          resolve({ events, error });
        },
        complete: () => undefined,
      },
    );
  });
}

describe('salesEvents subscription over graphql-ws', () => {
  let app: TestApp;
  const clients: Client[] = [];
  const teamA = randomUUID();
  const teamB = randomUUID();

  function connect(token?: string): Client {
    const client = createClient({
      url: `${app.url.replace('http', 'ws')}/graphql`,
      webSocketImpl: WebSocket,
      connectionParams: token ? { authorization: `Bearer ${token}` } : {},
      retryAttempts: 0,
      lazy: true,
    });
    clients.push(client);
    return client;
  }

  beforeAll(async () => {
    app = await startTestApp();
    await app.mutate(mutationOf('formTeam'), { input: { teamId: teamA, name: 'North', supervisorId: 'kam-a' } });
    await app.mutate(mutationOf('formTeam'), { input: { teamId: teamB, name: 'South', supervisorId: 'kam-b' } });
  });
  afterAll(async () => {
    await Promise.all(clients.map((c) => c.dispose()));
    await app?.close();
  });

  it("delivers live events of the caller's team only", async () => {
    const supervisor = connect(await app.tokenFor('SUPERVISOR', 'kam-a'));
    const received = collect(supervisor, { teamId: null }, 1);
    await new Promise((r) => setTimeout(r, 300)); // let the subscription start
    await app.mutate(mutationOf('renameTeam'), { input: { teamId: teamB, name: 'South 2' } });
    await app.mutate(mutationOf('renameTeam'), { input: { teamId: teamA, name: 'North 2' } });
    const { events, error } = await received;
    expect(error).toBeUndefined();
    expect(events).toEqual([{ type: 'TeamRenamed', streamId: `team-${teamA}` }]);
  });

  it('filters by team for an admin', async () => {
    const admin = connect(await app.tokenFor('ADMIN', 'root'));
    const received = collect(admin, { teamId: teamB }, 1);
    await new Promise((r) => setTimeout(r, 300));
    await app.mutate(mutationOf('renameTeam'), { input: { teamId: teamA, name: 'North 3' } });
    await app.mutate(mutationOf('renameTeam'), { input: { teamId: teamB, name: 'South 3' } });
    const { events } = await received;
    expect(events).toEqual([{ type: 'TeamRenamed', streamId: `team-${teamB}` }]);
  });

  it("answers NOT_FOUND for another supervisor's team", async () => {
    const supervisor = connect(await app.tokenFor('SUPERVISOR', 'kam-a'));
    const { events, error } = await collect(supervisor, { teamId: teamB }, 1, 2000);
    expect(events).toEqual([]);
    expect(JSON.stringify(error)).toContain('NOT_FOUND');
  });

  it('refuses a connection without a valid token', async () => {
    const anonymous = connect();
    const { events, error } = await collect(anonymous, { teamId: null }, 1, 2000);
    expect(events).toEqual([]);
    expect(error).toBeDefined();
  });
});
