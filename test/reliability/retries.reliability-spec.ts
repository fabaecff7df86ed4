import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { postGraphql, sleep } from './support/http';
import { auditLog, readRawLog, waitForCommandInLog, type RawEvent } from './support/log-audit';
import { diffReadModels, dumpReadModels, freshRebuild } from './support/read-models';
import { BASE_SEED, Rng } from './support/rng';
import { ServiceProcess, freePort, killAllChildren } from './support/service';
import { sendCommand, type Command, type MutationResult, type Outcome, type Send } from './support/workload';

/**
 * Retries under faults: a set of commands (single-event, multi-event, multi-stream, new aggregates
 * with server-derived ids) is sent, the service is SIGKILLed a seeded few milliseconds later, the
 * same commands (same commandIds) are sent again while it is down, again after a restart and
 * killed again, and once more after a second restart. Whatever landed when, each command's events
 * are in the log exactly once and every acknowledgement of a commandId is the same answer.
 */
const SEED = BASE_SEED + 10;
const ROUNDS = Number(process.env.KAM_RELIABILITY_RETRY_ROUNDS ?? 2);
const LEAVING_DEALS = 60;

describe(`retries under faults: same commandId across kills and restarts (seed ${SEED})`, () => {
  const rng = new Rng(SEED);
  const dataDir = mkdtempSync(join(tmpdir(), 'kam-rel-retry-'));
  const eventsFile = join(dataDir, 'events.sqlite');
  const scratch: string[] = [];
  const report: Array<Record<string, unknown>> = [];
  const allAcks: Array<Command & { result: MutationResult; answeredAt: number }> = [];
  const totals = { landedAnswerLost: 0, halfDone: 0 };
  let port = 0;
  let service: ServiceProcess;
  let teamId: string;
  let targetRep: string;
  let accountId: string;

  const send: Send = (query, variables) => postGraphql(service.url, service.token, query, variables, 30_000);

  async function ok(mutation: string, input: Record<string, unknown>): Promise<MutationResult> {
    const outcome = await sendCommand(send, { mutation, input: { ...input, commandId: rng.uuid() } });
    if (outcome.kind !== 'ack') throw new Error(`${mutation}: ${JSON.stringify(outcome)}`);
    return outcome.result;
  }

  /**
   * Per command, what the killed process left in the log: a = answered, = = already there before
   * this attempt, L = landed but the answer was lost, p = partly done (an offboarding with some
   * reassignments, no RepOffboarded), - = nothing.
   */
  function landed(commands: Command[], outcomes: Outcome[], before: Set<string>): string {
    const log = readRawLog(eventsFile);
    return commands
      .map((c, i) => {
        if (outcomes[i]!.kind === 'ack') return 'a';
        const own = log.some((e) => e.metadata.commandId === c.input.commandId);
        if (own && before.has(c.input.commandId)) return '=';
        if (own) return 'L';
        return log.some((e) => String(e.metadata.commandId).startsWith(`${c.input.commandId}:`)) ? 'p' : '-';
      })
      .join('');
  }

  async function attempt(commands: Command[]): Promise<Outcome[]> {
    return Promise.all(commands.map((c) => sendCommand(send, c)));
  }

  /**
   * Sends every command at once and SIGKILLs the service `delayMs` after the first answer comes
   * back: the other commands are then being processed, so kills land inside the write path
   * (answered, landed with the answer lost, an offboarding half done, or not yet started).
   */
  async function attemptAndKill(commands: Command[], delayMs: number): Promise<Outcome[]> {
    let answered = false;
    const all = Promise.all(
      commands.map((c) =>
        sendCommand(send, c).then((outcome) => {
          answered = true;
          return outcome;
        }),
      ),
    );
    const deadline = Date.now() + 30_000;
    while (!answered && Date.now() < deadline) await sleep(1);
    await sleep(delayMs);
    await service.kill('SIGKILL');
    return all;
  }

  beforeAll(async () => {
    port = await freePort();
    service = await ServiceProcess.start({ dataDir, port });
    teamId = (await ok('formTeam', { name: 'Retry team', supervisorId: 'kam-1' })).id;
    targetRep = (await ok('hireRep', { repId: rng.uuid(), name: 'Target', email: 'target@example.com', teamId, channel: 'FIELD' })).id;
    accountId = (await ok('registerAccount', { name: 'Retry account', ownerRepId: targetRep })).id;
  }, 120_000);

  afterAll(async () => {
    console.log(`retries: ${JSON.stringify(report)} ${JSON.stringify(totals)}`);
    await service?.kill('SIGKILL');
    await killAllChildren();
    rmSync(dataDir, { recursive: true, force: true });
    for (const dir of scratch) rmSync(dir, { recursive: true, force: true });
  });

  for (let round = 1; round <= ROUNDS; round++) {
    it(`round ${round}: killed after the first send and after the retry; every command lands exactly once`, async () => {
      const r = rng.fork(`round-${round}`);
      // What the commands work on.
      const leaving = (await ok('hireRep', { repId: r.uuid(), name: `Leaving ${round}`, email: `leaving${round}@example.com`, teamId, channel: 'INSIDE' })).id;
      const leavingDeals: string[] = [];
      // Enough deals that the offboarding is still reassigning when the kill lands (1-5 ms after its
      // first reassignment is seen): with 12, a fast write path finished all of them plus
      // RepOffboarded inside that window now and then, and the round had nothing half done.
      for (let i = 0; i < LEAVING_DEALS; i++) leavingDeals.push((await ok('openDeal', { dealId: r.uuid(), accountId, repId: leaving, title: `Leaving deal ${i}`, value: '100.00', expectedCloseDate: '2027-03-31' })).id);
      const toLose = (await ok('openDeal', { dealId: r.uuid(), accountId, repId: targetRep, title: 'To lose', value: '50.00', expectedCloseDate: '2027-03-31' })).id;
      const won = (await ok('openDeal', { dealId: r.uuid(), accountId, repId: targetRep, title: 'Won', value: '900.00', expectedCloseDate: '2027-03-31' })).id;
      await ok('winDeal', { dealId: won });
      const trainees: string[] = [];
      for (let i = 0; i < 3; i++) trainees.push((await ok('hireRep', { repId: r.uuid(), name: `Trainee ${round}.${i}`, email: `trainee${round}${i}@example.com`, teamId, channel: 'ONLINE' })).id);
      const sessionId = (await ok('scheduleTraining', { sessionId: r.uuid(), title: `Retry training ${round}`, skill: 'NEGOTIATION', trainerId: 'kam-1', scheduledAt: new Date(Date.now() - 3_600_000).toISOString(), durationMinutes: 60 })).id;
      await service.waitCaughtUp(); // offboardRep reads the deals read model

      const commands: Command[] = [
        // New aggregate without a client id: the id derives from the commandId, so a retry cannot open a second deal.
        { mutation: 'openDeal', input: { commandId: r.uuid(), accountId, repId: targetRep, title: `Derived ${round}`, value: '10.00', expectedCloseDate: '2027-04-30' } },
        { mutation: 'loseDeal', input: { commandId: r.uuid(), dealId: toLose, reason: 'COMPETITOR', competitor: `Rival ${round}` } },
        { mutation: 'enrollInTraining', input: { commandId: r.uuid(), sessionId, repIds: trainees } },
        { mutation: 'offboardRep', input: { commandId: r.uuid(), repId: leaving, reassignOpenDealsTo: targetRep } },
        { mutation: 'recordFulfilment', input: { commandId: r.uuid(), dealId: won, amount: '123.45' } },
        { mutation: 'hireRep', input: { commandId: r.uuid(), repId: r.uuid(), name: `New ${round}`, email: `new${round}@example.com`, teamId, channel: 'TENDER' } },
      ];
      const outcomes: Outcome[][] = [];
      // First kill: the moment the offboarding's first reassignment is committed (+ a seeded 0-3 ms),
      // so it is left half done; the other commands are wherever they are then.
      const kill1 = r.int(0, 3);
      const offboardId = commands[3]!.input.commandId;
      const firstSend = attempt(commands);
      const reached = await waitForCommandInLog(eventsFile, `${offboardId}:reassign:`, 30_000);
      await sleep(kill1);
      await service.kill('SIGKILL');
      outcomes.push(await firstSend);
      expect(reached).toBe(true);
      const afterKill1 = landed(commands, outcomes[0]!, new Set());
      const landedBefore = new Set(readRawLog(eventsFile).map((e) => String(e.metadata.commandId).split(':')[0]!));
      outcomes.push(await attempt(commands)); // while down: refused connections
      service = await ServiceProcess.start({ dataDir, port });
      await service.waitCaughtUp();
      // Second kill: a seeded few milliseconds after the retry's first answer.
      const kill2 = r.int(0, 30);
      outcomes.push(await attemptAndKill(commands, kill2));
      const afterKill2 = landed(commands, outcomes[2]!, landedBefore);
      service = await ServiceProcess.start({ dataDir, port });
      await service.waitCaughtUp();
      const last = await attempt(commands);
      outcomes.push(last);

      // The last attempt answers every command, and every answer to a commandId is the same.
      commands.forEach((command, i) => {
        const final = last[i]!;
        expect(final.kind === 'ack' ? 'ack' : `${command.mutation}: ${JSON.stringify(final)}`).toBe('ack');
        const result = (final as { result: MutationResult }).result;
        for (const earlier of outcomes.map((o) => o[i]!)) {
          if (earlier.kind === 'ack') expect(earlier.result).toEqual(result);
          else if (earlier.kind === 'rejected') throw new Error(`${command.mutation} refused on a retry: ${JSON.stringify(earlier)}`);
        }
        allAcks.push({ ...command, result, answeredAt: Date.now() });
      });

      const log = readRawLog(eventsFile);
      expect(auditLog(log, allAcks).problems).toEqual([]);
      const of = (commandId: string): RawEvent[] => log.filter((e) => e.metadata.commandId === commandId);
      const [open, lose, enroll, offboard, fulfil, hire] = commands.map((c) => c.input.commandId);
      expect(of(open!).map((e) => e.type)).toEqual(['DealOpened']);
      expect(of(lose!).map((e) => e.type)).toEqual(['CompetitorRecorded', 'DealLost']);
      expect(of(enroll!).map((e) => e.type)).toEqual(['RepEnrolled', 'RepEnrolled', 'RepEnrolled']);
      expect(of(offboard!).map((e) => e.type)).toEqual(['RepOffboarded']);
      expect(of(fulfil!).map((e) => e.type)).toEqual(['FulfilmentRecorded']);
      expect(of(hire!).map((e) => e.type)).toEqual(['RepHired']);
      // The offboarding's reassignments: each of the rep's deals moved exactly once, to the target.
      for (const dealId of leavingDeals) {
        const moves = log.filter((e) => e.streamId === `deal-${dealId}` && e.type === 'DealReassigned');
        expect(moves.map((e) => e.data.repId)).toEqual([targetRep]);
      }
      expect(log.filter((e) => e.type === 'DealOpened' && e.data.title === `Derived ${round}`)).toHaveLength(1);

      const kinds = outcomes.map((o) => o.map((x) => x.kind[0]).join(''));
      totals.landedAnswerLost += (afterKill1 + afterKill2).split('').filter((x) => x === 'L').length;
      totals.halfDone += (afterKill1 + afterKill2).split('').filter((x) => x === 'p').length;
      report.push({ round, killAfterFirstReassignmentMs: kill1, killAfterRetryFirstAnswerMs: kill2, outcomesPerAttempt: kinds, afterKill1, afterKill2, events: log.length });
    }, 180_000);
  }

  it('the kills left offboardings half done (some deals reassigned, no RepOffboarded) that the retries completed', () => {
    expect(report).toHaveLength(ROUNDS);
    expect(totals.halfDone).toBeGreaterThanOrEqual(ROUNDS);
  });

  it('the read models after all of it equal a fresh rebuild', async () => {
    await service.waitCaughtUp();
    const fresh = await freshRebuild(eventsFile);
    scratch.push(fresh.dataDir);
    expect(diffReadModels(dumpReadModels(join(dataDir, 'read-models.sqlite')).dump, fresh.dump)).toEqual([]);
  }, 60_000);
});
