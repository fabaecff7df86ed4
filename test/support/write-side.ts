import { randomUUID } from 'node:crypto';
import type { EventStore } from '@kam/event-store';
import { allEvents, startTestApp, type GqlReply, type StoreKind, type TestApp } from './test-app';

/** Boots the API on `store`; the harness calls as ADMIN (sub `admin`), which history import needs. */
export function startAdminApp(store: StoreKind): Promise<TestApp> {
  return startTestApp({ store });
}

/** `mutation($input: <Input>!) { <name>(input: $input) { id revision position } }` */
export function mutationOf(name: string): string {
  const input = `${name[0]!.toUpperCase()}${name.slice(1)}Input`;
  return `mutation($input: ${input}!) { ${name}(input: $input) { id revision position } }`;
}

export interface Result {
  id: string;
  revision: number;
  position: string;
}

/** Runs a mutation that must succeed and returns its MutationResult. */
export async function run(app: TestApp, name: string, input: Record<string, unknown>): Promise<Result> {
  const data = await app.mutate<Record<string, Result>>(mutationOf(name), { input });
  return data[name]!;
}

export function send(app: TestApp, name: string, input: Record<string, unknown>): Promise<GqlReply> {
  return app.gql(mutationOf(name), { input });
}

export interface LogSnapshot {
  count: number;
  lastPosition: string | undefined;
}

export async function snapshot(store: EventStore): Promise<LogSnapshot> {
  const events = await allEvents(store);
  return { count: events.length, lastPosition: events[events.length - 1]?.position };
}

export interface Rejection {
  code: string;
  reason?: string;
  /** A field the BAD_USER_INPUT error must name. */
  field?: string;
}

/**
 * Sends a mutation that must be refused with `expected`, and checks the log holds exactly what it
 * held before: a rejected command writes nothing.
 */
export async function expectRejected(
  app: TestApp,
  name: string,
  input: Record<string, unknown>,
  expected: Rejection,
): Promise<GqlReply> {
  const before = await snapshot(app.store);
  const reply = await send(app, name, input);
  const error = reply.errors?.[0];
  expect(error?.extensions?.code).toBe(expected.code);
  if (expected.reason) expect(error?.extensions?.reason).toBe(expected.reason);
  if (expected.field) {
    expect(JSON.stringify(error?.extensions?.fields ?? [])).toContain(expected.field);
  }
  expect(reply.data?.[name] ?? null).toBeNull();
  expect(await snapshot(app.store)).toEqual(before);
  return reply;
}

/** Event types of a stream, oldest first. */
export async function typesOf(store: EventStore, streamId: string): Promise<string[]> {
  return (await store.readStream(streamId)).map((event) => event.type);
}

export function minutesFromNow(minutes: number): string {
  return new Date(Date.now() + minutes * 60_000).toISOString();
}

/**
 * Runs mutations as the harness's ADMIN and remembers the position of the last one, for the
 * `atLeastPosition` of the reads that follow.
 */
export class AdminWriter {
  position = '0';

  constructor(private readonly app: () => TestApp) {}

  async run(name: string, input: Record<string, unknown>, occurredAt?: string): Promise<string> {
    const data = await this.app().mutate<Record<string, Result>>(mutationOf(name), { input: occurredAt ? { ...input, occurredAt } : input });
    this.position = data[name]!.position;
    return this.position;
  }

  /** Opens a deal (title "Deal", closing 2030-06-30) and returns its id. */
  async openDeal(repId: string, accountId: string, value: string, at?: string): Promise<string> {
    const dealId = randomUUID();
    await this.run('openDeal', { dealId, accountId, repId, title: 'Deal', value, expectedCloseDate: '2030-06-30' }, at);
    return dealId;
  }
}

/** Ids of the two-team organisation of `seedTwoTeams`. */
export function twoTeamIds(): Record<'north' | 'south' | 'ann' | 'bob' | 'acme' | 'beta', string> {
  return { north: randomUUID(), south: randomUUID(), ann: randomUUID(), bob: randomUUID(), acme: randomUUID(), beta: randomUUID() };
}

/**
 * North (supervisor kam-a: Ann, FIELD, account Acme) and South (kam-b: Bob, INSIDE, account Beta),
 * formed in January 2026; Ann's deal of 1,000.00 won on 2026-02-10, Bob's of 700.00 open.
 */
export async function seedTwoTeams(writer: AdminWriter, ids: ReturnType<typeof twoTeamIds>): Promise<void> {
  await writer.run('formTeam', { teamId: ids.north, name: 'North', supervisorId: 'kam-a' }, '2026-01-01T00:00:00Z');
  await writer.run('formTeam', { teamId: ids.south, name: 'South', supervisorId: 'kam-b' }, '2026-01-01T00:00:00Z');
  await writer.run('hireRep', { repId: ids.ann, name: 'Ann', email: 'ann@example.com', teamId: ids.north, channel: 'FIELD' }, '2026-01-02T00:00:00Z');
  await writer.run('hireRep', { repId: ids.bob, name: 'Bob', email: 'bob@example.com', teamId: ids.south, channel: 'INSIDE' }, '2026-01-02T00:00:00Z');
  await writer.run('registerAccount', { accountId: ids.acme, name: 'Acme', ownerRepId: ids.ann }, '2026-01-03T00:00:00Z');
  await writer.run('registerAccount', { accountId: ids.beta, name: 'Beta', ownerRepId: ids.bob }, '2026-01-03T00:00:00Z');
  const won = await writer.openDeal(ids.ann, ids.acme, '1000.00', '2026-02-01T00:00:00Z');
  await writer.run('winDeal', { dealId: won, wonValue: '1000.00' }, '2026-02-10T00:00:00Z');
  await writer.openDeal(ids.bob, ids.beta, '700.00', '2026-02-02T00:00:00Z');
}
