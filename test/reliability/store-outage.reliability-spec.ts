import { randomUUID } from 'node:crypto';
import { startEsdbDouble, type EsdbDouble } from '@kam/event-store/testing';
import { startTestApp, type TestApp } from '../support/test-app';
import { httpRequest, sleep } from './support/http';
import { BASE_SEED, Rng } from './support/rng';
import { mutationDocument, type MutationResult } from './support/workload';

/**
 * Store outage: the API on EventStoreDB (the in-process gRPC double through the real client).
 * Stopping the double makes mutations fail fast with SERVICE_UNAVAILABLE and /health say so (503,
 * eventStore.up false) while reads keep answering from the read models; restarting it, the
 * service recovers by itself, subscriptions included: a mutation after the restart is projected
 * and readable with atLeastPosition. A burst cut by the outage, retried with its commandIds,
 * lands exactly once.
 */
const SEED = BASE_SEED + 6;
const ROUNDS = Number(process.env.KAM_RELIABILITY_OUTAGE_ROUNDS ?? 3);
const FAIL_FAST_MS = 5000;

describe(`store outage: EventStoreDB stops and comes back (seed ${SEED})`, () => {
  const rng = new Rng(SEED);
  let double: EsdbDouble;
  let app: TestApp;
  let teamId: string;
  let repId: string;
  let accountId: string;
  const report: Array<Record<string, number | string>> = [];

  async function mutate(mutation: string, input: Record<string, unknown>) {
    return app.gql<Record<string, MutationResult>>(mutationDocument(mutation), { input });
  }

  async function ok(mutation: string, input: Record<string, unknown>): Promise<MutationResult> {
    const reply = await mutate(mutation, input);
    if (reply.errors?.length) throw new Error(`${mutation}: ${JSON.stringify(reply.errors)}`);
    return reply.data[mutation]!;
  }

  async function health(): Promise<{ status: number; body: any }> {
    const response = await httpRequest({ url: `${app.url}/health`, method: 'GET', timeoutMs: 15_000 });
    return { status: response.status, body: JSON.parse(response.text) };
  }

  beforeAll(async () => {
    double = await startEsdbDouble();
    app = await startTestApp({ env: { EVENTSTORE_URL: double.url, KAM_RATE_LIMIT_PER_MINUTE: '0', LOG_LEVEL: 'silent' } });
    expect(app.store.kind).toBe('esdb');
    teamId = (await ok('formTeam', { name: 'Outage team', supervisorId: 'kam-1' })).id;
    repId = (await ok('hireRep', { name: 'Outage rep', email: 'outage@example.com', teamId, channel: 'FIELD' })).id;
    accountId = (await ok('registerAccount', { name: 'Outage account', ownerRepId: repId })).id;
  }, 60_000);

  afterAll(async () => {
    console.log(`store outage: ${JSON.stringify(report)}`);
    await app?.close();
    await double?.stop();
  });

  for (let round = 1; round <= ROUNDS; round++) {
    it(`round ${round}: fails fast while down, says so on /health, recovers by itself after the restart`, async () => {
      const dealId = (await ok('openDeal', { accountId, repId, title: `Outage ${round}`, value: '100.00', expectedCloseDate: '2027-01-31' })).id;
      // The last round is long enough for every back-off (client reconnects, resubscriptions) to grow.
      const down = round === ROUNDS ? rng.int(8000, 10_000) : rng.int(500, 3000);
      await double.stop();

      const failures: number[] = [];
      for (const [mutation, input] of [
        ['advanceDeal', { dealId, stage: 'PROPOSAL' }],
        ['openDeal', { accountId, repId, title: 'During outage', value: '1.00', expectedCloseDate: '2027-01-31' }],
        ['formTeam', { name: 'During outage', supervisorId: 'kam-1' }],
      ] as const) {
        const started = Date.now();
        const reply = await mutate(mutation, { ...input, commandId: randomUUID() });
        failures.push(Date.now() - started);
        expect(reply.status).toBeLessThan(500);
        expect(reply.data?.[mutation] ?? null).toBeNull();
        expect(reply.errors?.[0]?.extensions?.code).toBe('SERVICE_UNAVAILABLE');
        expect(reply.errors?.[0]?.message).toMatch(/unavailable/i);
      }
      expect(Math.max(...failures)).toBeLessThan(FAIL_FAST_MS);

      const sick = await health();
      expect(sick.status).toBe(503);
      expect(sick.body).toMatchObject({ status: 'down', eventStore: { kind: 'esdb', up: false }, readStore: { up: true } });

      // Reads do not need the log: the read models keep answering.
      const read = await app.gql(`query($id: ID!) { deal(id: $id) { id stage } }`, { id: dealId });
      expect(read.errors).toBeUndefined();
      expect(read.data.deal).toEqual({ id: dealId, stage: 'PROSPECTING' });

      await sleep(down);
      await double.restart();
      const restartedAt = Date.now();

      // The service recovers by itself: the first mutations may still see the old channel closing.
      let result: MutationResult | undefined;
      const commandId = randomUUID();
      while (!result && Date.now() - restartedAt < 20_000) {
        const reply = await mutate('advanceDeal', { dealId, stage: 'NEGOTIATION', commandId });
        if (reply.errors?.length) {
          expect(reply.errors[0]!.extensions?.code).toBe('SERVICE_UNAVAILABLE');
          await sleep(100);
        } else result = reply.data.advanceDeal;
      }
      expect(result).toBeDefined();
      const writableMs = Date.now() - restartedAt;

      // Subscriptions resumed: the write is projected and readable with atLeastPosition.
      const seen = await app.gql(`query($id: ID!, $at: String) { deal(id: $id, atLeastPosition: $at) { stage revision } }`, { id: dealId, at: result!.position });
      expect(seen.errors).toBeUndefined();
      expect(seen.data.deal).toEqual({ stage: 'NEGOTIATION', revision: result!.revision });
      const projectedMs = Date.now() - restartedAt;

      const well = await health();
      expect(well.status).toBe(200);
      expect(well.body.eventStore.up).toBe(true);
      // Nothing of the refused commands was written: the deal went PROSPECTING → NEGOTIATION directly.
      const stream = await app.store.readStream(`deal-${dealId}`);
      expect(stream.map((e) => e.type)).toEqual(['DealOpened', 'DealStageChanged']);
      report.push({ round, downMs: down, slowestFailureMs: Math.max(...failures), writableAfterRestartMs: writableMs, projectedAfterRestartMs: projectedMs });
    }, 60_000);
  }

  it('a burst cut by the outage, retried with the same commandIds after the restart, lands exactly once', async () => {
    const commands = Array.from({ length: 30 }, (_, i) => ({
      commandId: randomUUID(),
      input: { accountId, repId, title: `Burst ${i}`, value: `${i + 1}.00`, expectedCloseDate: '2027-01-31' },
    }));
    let answered = 0;
    const replies = commands.map((c) =>
      mutate('openDeal', { ...c.input, commandId: c.commandId }).then((reply) => {
        answered += 1;
        return reply;
      }),
    );
    // Stop the store once the burst is under way: some answered, the rest in flight.
    while (answered === 0) await sleep(1);
    await sleep(rng.int(0, 20));
    await double.stop();
    const first = await Promise.all(replies);
    const codes = first.map((r) => (r.errors?.length ? String(r.errors[0]!.extensions?.code) : 'ok'));
    for (const code of codes) expect(['ok', 'SERVICE_UNAVAILABLE']).toContain(code);
    await sleep(500);
    await double.restart();

    const results = new Map<string, MutationResult>();
    const deadline = Date.now() + 20_000;
    while (results.size < commands.length && Date.now() < deadline) {
      for (const c of commands.filter((x) => !results.has(x.commandId))) {
        const reply = await mutate('openDeal', { ...c.input, commandId: c.commandId });
        if (!reply.errors?.length) results.set(c.commandId, reply.data.openDeal!);
        else expect(reply.errors[0]!.extensions?.code).toBe('SERVICE_UNAVAILABLE');
      }
      if (results.size < commands.length) await sleep(100);
    }
    expect(results.size).toBe(commands.length);
    // A first answer that got through is the answer the retry gets.
    first.forEach((reply, i) => {
      if (!reply.errors?.length) expect(results.get(commands[i]!.commandId)).toEqual(reply.data.openDeal);
    });
    const log = await app.store.readAll({ maxCount: 100_000 });
    for (const c of commands) {
      const written = log.filter((e) => e.metadata.commandId === c.commandId);
      expect(written.map((e) => e.type)).toEqual(['DealOpened']);
      expect(written[0]!.streamId).toBe(`deal-${results.get(c.commandId)!.id}`);
    }
    const last = [...results.values()].map((r) => r.position).sort((a, b) => (a.length - b.length) || a.localeCompare(b)).pop();
    const list = await app.gql(`query($at: String) { deals(first: 500, atLeastPosition: $at) { edges { node { id } } } }`, { at: last });
    expect(list.errors).toBeUndefined();
    const ids = new Set((list.data.deals.edges as Array<{ node: { id: string } }>).map((e) => e.node.id));
    for (const r of results.values()) expect(ids.has(r.id)).toBe(true);
    report.push({ burst: commands.length, answeredBeforeOutage: codes.filter((c) => c === 'ok').length });
  }, 90_000);
});
