import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { EVENT_STORE, type EventStore } from '@kam/event-store';
import { startEsdbDouble } from '@kam/event-store/testing';
import { mintToken } from '@kam/auth';
import type { Role } from '@kam/kernel';
import { createApp } from '../../apps/api/src/bootstrap';
import { loadConfig, type AppConfig } from '../../apps/api/src/config/config';

export const TEST_JWT_SECRET = 'e2e-test-secret-that-is-at-least-32-bytes';

export type StoreKind = 'sqlite' | 'esdb-double';

export interface GqlReply<T = any> {
  status: number;
  data: T;
  errors?: Array<{ message: string; path?: string[]; extensions?: Record<string, any> }>;
}

export interface TestApp {
  url: string;
  config: AppConfig;
  store: EventStore;
  app: NestFastifyApplication;
  /** Sends a GraphQL request; the default token is an ADMIN's, `null` sends none. */
  gql<T = any>(query: string, variables?: Record<string, unknown>, token?: string | null): Promise<GqlReply<T>>;
  /** A valid token for a role and subject, signed with the test secret. */
  tokenFor(role: Role, sub: string): Promise<string>;
  /** Runs a mutation and fails the test with the errors if it did not succeed. */
  mutate<T = any>(query: string, variables?: Record<string, unknown>, token?: string): Promise<T>;
  close(): Promise<void>;
}

/**
 * Boots the real API in-process on a free port with a fresh data directory, on the embedded
 * SQLite store or on the EventStoreDB gRPC double (through the real client).
 */
export async function startTestApp(
  options: { store?: StoreKind; env?: Record<string, string>; token?: string } = {},
): Promise<TestApp> {
  const dataDir = mkdtempSync(join(tmpdir(), 'kam-e2e-'));
  const double = options.store === 'esdb-double' ? await startEsdbDouble() : undefined;
  const config = loadConfig({
    AUTH_JWT_SECRET: TEST_JWT_SECRET,
    KAM_DATA_DIR: dataDir,
    KAM_DEMO: '0',
    LOG_LEVEL: 'error',
    ...(double ? { EVENTSTORE_URL: double.url } : {}),
    ...options.env,
  });
  const app = await createApp(config);
  await app.listen(0, '127.0.0.1');
  const address = app.getHttpServer().address();
  const port = typeof address === 'object' && address ? address.port : 0;
  const url = `http://127.0.0.1:${port}`;
  const store = app.get<EventStore>(EVENT_STORE);
  const adminToken = await mintToken({ sub: 'admin', role: 'ADMIN' }, TEST_JWT_SECRET);

  async function gql<T>(
    query: string,
    variables?: Record<string, unknown>,
    token: string | null = options.token ?? adminToken,
  ): Promise<GqlReply<T>> {
    const response = await fetch(`${url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
      body: JSON.stringify({ query, variables }),
    });
    const body = (await response.json()) as { data: T; errors?: GqlReply['errors'] };
    return { status: response.status, data: body.data, errors: body.errors };
  }

  return {
    url,
    config,
    store,
    app,
    gql,
    tokenFor: (role, sub) => mintToken({ role, sub }, TEST_JWT_SECRET),
    async mutate<T>(query: string, variables?: Record<string, unknown>, token?: string): Promise<T> {
      const reply = await gql<T>(query, variables, token);
      if (reply.errors?.length) throw new Error(`GraphQL errors: ${JSON.stringify(reply.errors)}`);
      return reply.data;
    },
    async close() {
      await app.close();
      await double?.stop();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** Every event currently in the log (for "nothing was written" assertions). */
export async function allEvents(store: EventStore) {
  return store.readAll({ maxCount: 1_000_000 });
}
