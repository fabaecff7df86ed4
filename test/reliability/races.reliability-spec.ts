import { randomUUID } from 'node:crypto';
import fc from 'fast-check';
import { allEvents, startTestApp, type GqlReply, type TestApp } from '../support/test-app';
import { BASE_SEED } from './support/rng';
import { mutationDocument, type MutationResult } from './support/workload';

/**
 * Races: many clients on the same deal and on the same rep at once, with and without
 * expectedRevision (in-process API on the embedded store). Seeded fast-check scenarios; after each,
 * the stream is folded and every rule checked: no lost update (every acknowledged write is in the
 * stream, every change starts from the state the previous one left), stage changes serialize,
 * a closed deal takes no change, fulfilment never exceeds the won value, and of N clients holding
 * the same expectedRevision at most one writes.
 */
const SEED = BASE_SEED + 2;
const DEAL_RUNS = Number(process.env.KAM_RELIABILITY_RACE_RUNS ?? 20);
const REP_RUNS = Math.max(4, Math.round(DEAL_RUNS / 2));

const OPEN_STAGES = ['PROSPECTING', 'QUALIFICATION', 'PROPOSAL', 'NEGOTIATION'] as const;
const CHANNELS = ['FIELD', 'INSIDE', 'ONLINE', 'PARTNER', 'TENDER'] as const;

function money(minor: number): string {
  return `${Math.floor(minor / 100)}.${String(minor % 100).padStart(2, '0')}`;
}

interface Sent {
  mutation: string;
  input: Record<string, any>;
  reply: GqlReply;
}

type Event = { type: string; revision: number; position: string; data: any; metadata: any };

describe(`races: concurrent clients on one deal and one rep (seed ${SEED})`, () => {
  let app: TestApp;
  let teams: string[];
  let reps: string[];
  let accountId: string;
  const stats = { dealRuns: 0, repRuns: 0, requests: 0, acks: 0, conflicts: 0, conflictsWithoutExpectedRevision: 0, violations: {} as Record<string, number> };

  async function ok(mutation: string, input: Record<string, unknown>): Promise<MutationResult> {
    const reply = await app.gql(mutationDocument(mutation), { input });
    if (reply.errors?.length) throw new Error(`${mutation}: ${JSON.stringify(reply.errors)}`);
    return reply.data[mutation] as MutationResult;
  }

  /** Fires every command at once (each its own HTTP request) and waits for all answers. */
  async function concurrently(commands: Array<{ mutation: string; input: Record<string, any> }>): Promise<Sent[]> {
    const replies = await Promise.all(commands.map((c) => app.gql(mutationDocument(c.mutation), { input: c.input })));
    return commands.map((c, i) => ({ ...c, reply: replies[i]! }));
  }

  async function streamOf(streamId: string): Promise<Event[]> {
    return (await app.store.readStream(streamId)) as Event[];
  }

  /** Common to both aggregates: answers are clean, acks are in the stream, expectedRevision holders write at most once. */
  function checkAnswers(sent: Sent[], stream: Event[], startRevision: number, allowed: Set<string>): void {
    const byCommand = new Map<string, Event[]>();
    for (const e of stream) byCommand.set(e.metadata.commandId, [...(byCommand.get(e.metadata.commandId) ?? []), e]);
    let expectedWriters = 0;
    for (const s of sent) {
      stats.requests += 1;
      const error = s.reply.errors?.[0];
      const written = byCommand.get(s.input.commandId);
      if (error) {
        const code = error.extensions?.code as string;
        const key = error.extensions?.reason ? `${code}/${error.extensions.reason}` : code;
        stats.violations[key] = (stats.violations[key] ?? 0) + 1;
        expect(s.reply.status).toBeLessThan(500);
        expect(allowed.has(code) ? code : `${code}: ${error.message}`).toBe(code);
        expect(written).toBeUndefined(); // a refused command wrote nothing
        if (code === 'CONFLICT') {
          stats.conflicts += 1;
          expect(typeof error.extensions?.actualRevision).toBe('number');
          if (s.input.expectedRevision !== undefined) expect(error.extensions?.actualRevision).not.toBe(s.input.expectedRevision);
          // Without expectedRevision the executor re-decides on fresh state up to 5 times, then gives up.
          else stats.conflictsWithoutExpectedRevision += 1;
        }
        continue;
      }
      stats.acks += 1;
      const result = s.reply.data[s.mutation] as MutationResult;
      if (written) {
        // Acknowledged and stored exactly where the answer says.
        expect(result.revision).toBe(written[written.length - 1]!.revision);
        expect(result.position).toBe(written[written.length - 1]!.position);
        if (s.input.expectedRevision !== undefined) {
          expect(written[0]!.revision).toBe(s.input.expectedRevision + 1);
          expectedWriters += 1;
        }
      } else {
        // A no-op (the change already held): it answers a revision that exists.
        expect(result.revision).toBeLessThanOrEqual(stream[stream.length - 1]!.revision);
      }
    }
    // All holders of the same expectedRevision raced: at most one of them may write.
    expect(expectedWriters).toBeLessThanOrEqual(1);
    const sentIds = new Set(sent.map((s) => s.input.commandId));
    const strangers = stream.filter((e) => e.revision > startRevision && !sentIds.has(e.metadata.commandId));
    expect(strangers).toEqual([]);
  }

  beforeAll(async () => {
    app = await startTestApp({ env: { KAM_RATE_LIMIT_PER_MINUTE: '0' } });
    teams = [(await ok('formTeam', { name: 'Race A', supervisorId: 'kam-1' })).id, (await ok('formTeam', { name: 'Race B', supervisorId: 'kam-2' })).id];
    reps = [];
    for (let i = 0; i < 3; i++) {
      reps.push((await ok('hireRep', { name: `Racer ${i}`, email: `racer${i}@example.com`, teamId: teams[0], channel: CHANNELS[i] })).id);
    }
    accountId = (await ok('registerAccount', { name: 'Race Account', ownerRepId: reps[0] })).id;
  }, 60_000);

  afterAll(async () => {
    console.log(`races: ${JSON.stringify(stats)}`);
    await app?.close();
  });

  const dealCommand = fc.record({
    kind: fc.constantFrom('advance', 'advance', 'revise', 'reschedule', 'channel', 'competitor', 'reassign', 'win', 'lose', 'fulfil', 'fulfil'),
    withExpected: fc.boolean(),
    stage: fc.constantFrom(...OPEN_STAGES),
    valueMinor: fc.integer({ min: 1, max: 5_000_000 }),
    day: fc.integer({ min: 1, max: 28 }),
    channel: fc.constantFrom(...CHANNELS),
    competitor: fc.constantFrom('Globex', 'Initech', ' globex  '),
    rep: fc.nat(2),
    amountMinor: fc.integer({ min: 1, max: 600_000 }),
    reason: fc.constantFrom('PRICE', 'COMPETITOR', 'TIMING'),
  });

  it(`${DEAL_RUNS} seeded races of 8-30 clients on one deal keep every deal rule`, async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.record({ startWon: fc.boolean(), valueMinor: fc.integer({ min: 100_000, max: 2_000_000 }), commands: fc.array(dealCommand, { minLength: 8, maxLength: 30 }) }),
        async (scenario) => {
          stats.dealRuns += 1;
          const dealId = (await ok('openDeal', { accountId, repId: reps[0], title: 'Race deal', value: money(scenario.valueMinor), expectedCloseDate: '2027-06-30', channel: 'FIELD' })).id;
          let start = 0;
          if (scenario.startWon) start = (await ok('winDeal', { dealId })).revision;
          const commands = scenario.commands.map((c) => {
            const base = { dealId, commandId: randomUUID(), ...(c.withExpected ? { expectedRevision: start } : {}) };
            switch (c.kind) {
              case 'advance':
                return { mutation: 'advanceDeal', input: { ...base, stage: c.stage } };
              case 'revise':
                return { mutation: 'reviseDealValue', input: { ...base, value: money(c.valueMinor) } };
              case 'reschedule':
                return { mutation: 'rescheduleDeal', input: { ...base, expectedCloseDate: `2027-07-${String(c.day).padStart(2, '0')}` } };
              case 'channel':
                return { mutation: 'changeDealChannel', input: { ...base, channel: c.channel } };
              case 'competitor':
                return { mutation: 'recordCompetitor', input: { ...base, competitor: c.competitor } };
              case 'reassign':
                return { mutation: 'reassignDeal', input: { ...base, repId: reps[c.rep] } };
              case 'win':
                return { mutation: 'winDeal', input: base };
              case 'lose':
                return { mutation: 'loseDeal', input: { ...base, reason: c.reason } };
              default:
                return { mutation: 'recordFulfilment', input: { ...base, amount: money(c.amountMinor) } };
            }
          });
          const sent = await concurrently(commands);
          const stream = await streamOf(`deal-${dealId}`);
          checkAnswers(sent, stream, start, new Set(['CONFLICT', 'DOMAIN_RULE_VIOLATED']));

          // Fold the stream: every change starts where the previous one left the deal.
          const opened = stream[0]!.data;
          const deal = { stage: 'PROSPECTING', value: opened.valueMinor, channel: opened.channel, repId: opened.repId, close: opened.expectedCloseDate, won: null as number | null, fulfilled: 0, closed: false, competitors: 0 };
          for (const e of stream.slice(1)) {
            if (deal.closed) expect(e.type === 'FulfilmentRecorded' && deal.won !== null ? 'fulfilment of a won deal' : `${e.type} on a closed deal`).toBe('fulfilment of a won deal');
            switch (e.type) {
              case 'DealStageChanged':
                expect(e.data.fromStage).toBe(deal.stage);
                expect(e.data.stage).not.toBe(deal.stage);
                deal.stage = e.data.stage;
                break;
              case 'DealValueRevised':
                expect(e.data.fromValueMinor).toBe(deal.value);
                deal.value = e.data.valueMinor;
                break;
              case 'DealRescheduled':
                expect(e.data.fromExpectedCloseDate).toBe(deal.close);
                deal.close = e.data.expectedCloseDate;
                break;
              case 'DealChannelChanged':
                expect(e.data.fromChannel).toBe(deal.channel);
                deal.channel = e.data.channel;
                break;
              case 'DealReassigned':
                expect(e.data.fromRepId).toBe(deal.repId);
                deal.repId = e.data.repId;
                break;
              case 'CompetitorRecorded':
                deal.competitors += 1;
                break;
              case 'DealWon':
                expect(e.data.fromStage).toBe(deal.stage);
                deal.closed = true;
                deal.stage = 'WON';
                deal.won = e.data.wonValueMinor;
                break;
              case 'DealLost':
                expect(e.data.fromStage).toBe(deal.stage);
                expect(e.data.valueMinor).toBe(deal.value);
                deal.closed = true;
                deal.stage = 'LOST';
                break;
              case 'FulfilmentRecorded':
                expect(e.data.cumulativeMinor).toBe(deal.fulfilled + e.data.amountMinor);
                deal.fulfilled = e.data.cumulativeMinor;
                expect(deal.fulfilled).toBeLessThanOrEqual(deal.won!);
                break;
              default:
                throw new Error(`unexpected ${e.type}`);
            }
          }
          expect(stream.filter((e) => e.type === 'DealWon' || e.type === 'DealLost').length).toBeLessThanOrEqual(1);
          // Every acknowledged fulfilment is counted: their sum is the cumulative total.
          const fulfilledAcks = sent.filter((s) => s.mutation === 'recordFulfilment' && !s.reply.errors);
          expect(fulfilledAcks.reduce((sum, s) => sum + Math.round(Number(s.input.amount) * 100), 0)).toBe(deal.fulfilled);

          // The read model agrees with the folded stream.
          const last = stream[stream.length - 1]!;
          const read = await app.gql(`query($id: ID!, $at: String) { deal(id: $id, atLeastPosition: $at) { stage value channel repId fulfilledValue revision } }`, { id: dealId, at: last.position });
          expect(read.errors).toBeUndefined();
          expect(read.data.deal).toEqual({
            stage: deal.stage,
            value: money(deal.value),
            channel: deal.channel,
            repId: deal.repId,
            fulfilledValue: money(deal.fulfilled),
            revision: last.revision,
          });
        },
      ),
      { seed: SEED, numRuns: DEAL_RUNS, endOnFailure: true },
    );
  }, 240_000);

  it('40 clients fulfilling the same won deal at once never exceed the won value, and every ack counts', async () => {
    const dealId = (await ok('openDeal', { accountId, repId: reps[1], title: 'Fulfil race', value: '1000.00', expectedCloseDate: '2027-06-30' })).id;
    await ok('winDeal', { dealId });
    const sent = await concurrently(Array.from({ length: 40 }, (_, i) => ({ mutation: 'recordFulfilment', input: { dealId, commandId: randomUUID(), amount: money(3_000 + i * 100) } })));
    const stream = await streamOf(`deal-${dealId}`);
    checkAnswers(sent, stream, 1, new Set(['CONFLICT', 'DOMAIN_RULE_VIOLATED']));
    const fulfilments = stream.filter((e) => e.type === 'FulfilmentRecorded');
    const total = fulfilments.reduce((sum, e) => sum + (e.data.amountMinor as number), 0);
    expect(total).toBeLessThanOrEqual(100_000);
    expect(fulfilments[fulfilments.length - 1]!.data.cumulativeMinor).toBe(total);
    const acked = sent.filter((s) => !s.reply.errors);
    expect(acked.length).toBe(fulfilments.length);
    expect(acked.length).toBeGreaterThan(3);
    // What was refused was refused for the rule or a lost race, never for anything else.
    for (const s of sent.filter((x) => x.reply.errors)) {
      expect(['FULFILMENT_EXCEEDS_WON_VALUE', undefined]).toContain(s.reply.errors![0]!.extensions?.reason);
    }
  }, 60_000);

  it('20 clients advancing one deal with the same expectedRevision: exactly one wins, 19 get CONFLICT with the actual revision', async () => {
    const dealId = (await ok('openDeal', { accountId, repId: reps[0], title: 'Stage race', value: '10.00', expectedCloseDate: '2027-06-30' })).id;
    const sent = await concurrently(
      Array.from({ length: 20 }, (_, i) => ({ mutation: 'advanceDeal', input: { dealId, commandId: randomUUID(), expectedRevision: 0, stage: OPEN_STAGES[1 + (i % 3)] } })),
    );
    const stream = await streamOf(`deal-${dealId}`);
    checkAnswers(sent, stream, 0, new Set(['CONFLICT']));
    expect(stream).toHaveLength(2);
    expect(sent.filter((s) => !s.reply.errors)).toHaveLength(1);
    const conflicts = sent.filter((s) => s.reply.errors?.[0]?.extensions?.code === 'CONFLICT');
    expect(conflicts).toHaveLength(19);
    for (const c of conflicts) expect(c.reply.errors![0]!.extensions).toMatchObject({ expectedRevision: '0', actualRevision: 1 });
  }, 60_000);

  const repCommand = fc.record({
    kind: fc.constantFrom('channel', 'channel', 'quota', 'quota', 'transfer', 'transfer', 'offboard'),
    withExpected: fc.boolean(),
    channel: fc.constantFrom(...CHANNELS),
    month: fc.constantFrom('2026-10', '2026-11'),
    amountMinor: fc.integer({ min: 0, max: 10_000_000 }),
    team: fc.nat(1),
  });

  it(`${REP_RUNS} seeded races of 8-24 clients on one rep keep every rep rule`, async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(repCommand, { minLength: 8, maxLength: 24 }), async (scenario) => {
        stats.repRuns += 1;
        const repId = (await ok('hireRep', { name: 'Contested', email: `contested-${randomUUID().slice(0, 8)}@example.com`, teamId: teams[0], channel: 'FIELD' })).id;
        const commands = scenario.map((c) => {
          const base = { repId, commandId: randomUUID(), ...(c.withExpected ? { expectedRevision: 0 } : {}) };
          switch (c.kind) {
            case 'channel':
              return { mutation: 'changeRepChannel', input: { ...base, channel: c.channel } };
            case 'quota':
              return { mutation: 'setRepQuota', input: { ...base, month: c.month, amount: money(c.amountMinor) } };
            case 'transfer':
              return { mutation: 'transferRep', input: { ...base, teamId: teams[c.team] } };
            default:
              return { mutation: 'offboardRep', input: base };
          }
        });
        const sent = await concurrently(commands);
        const stream = await streamOf(`rep-${repId}`);
        checkAnswers(sent, stream, 0, new Set(['CONFLICT', 'DOMAIN_RULE_VIOLATED', 'STALE_READ_MODEL']));
        const rep = { channel: stream[0]!.data.channel, teamId: stream[0]!.data.teamId, active: true, quotas: new Map<string, number>() };
        for (const e of stream.slice(1)) {
          expect(rep.active ? e.type : `${e.type} after RepOffboarded`).toBe(e.type); // an offboarded rep takes no change
          switch (e.type) {
            case 'RepChannelChanged':
              expect(e.data.fromChannel).toBe(rep.channel);
              rep.channel = e.data.channel;
              break;
            case 'RepTransferred':
              expect(e.data.fromTeamId).toBe(rep.teamId);
              rep.teamId = e.data.teamId;
              break;
            case 'RepQuotaSet':
              rep.quotas.set(e.data.month, e.data.amountMinor);
              break;
            case 'RepOffboarded':
              rep.active = false;
              break;
            default:
              throw new Error(`unexpected ${e.type}`);
          }
        }
        const last = stream[stream.length - 1]!;
        const read = await app.gql(`query($id: ID!, $at: String) { rep(id: $id, atLeastPosition: $at) { channel teamId active revision } }`, { id: repId, at: last.position });
        expect(read.errors).toBeUndefined();
        expect(read.data.rep).toEqual({ channel: rep.channel, teamId: rep.teamId, active: rep.active, revision: last.revision });
      }),
      { seed: SEED + 1, numRuns: REP_RUNS, endOnFailure: true },
    );
  }, 240_000);

  it('the log as a whole stays well-formed after all races (unique ids, contiguous revisions)', async () => {
    const events = await allEvents(app.store);
    expect(new Set(events.map((e) => e.id)).size).toBe(events.length);
    const next = new Map<string, number>();
    for (const e of events) {
      expect(e.revision).toBe(next.get(e.streamId) ?? 0);
      next.set(e.streamId, e.revision + 1);
    }
    expect(stats.dealRuns).toBeGreaterThanOrEqual(DEAL_RUNS);
  });
});
