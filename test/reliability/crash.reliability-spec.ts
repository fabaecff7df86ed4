import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { allProjections } from '@kam/api';
import { postGraphql, sleep } from './support/http';
import { auditLog, readRawLog } from './support/log-audit';
import { diffReadModels, dumpReadModels, freshRebuild, readProjectionStates, type ProjectionState } from './support/read-models';
import { BASE_SEED, Rng } from './support/rng';
import { ChildRun, ServiceProcess, freePort, killAllChildren } from './support/service';
import { EXPECTED_REFUSALS, Ledger, World, runClients, type Send } from './support/workload';

/**
 * Crash: the real service (`apps/api/src/main.ts` as a child process, embedded store) under
 * concurrent mutations is SIGKILLed at seeded random points — during bursts, while projections
 * catch up on a backlog, during a rebuild in another process, during the startup rebuild of a
 * projection whose version changed, during startup, while idle — and restarted. After every
 * restart: every acknowledged mutation is in the log where its answer said, nothing is stored
 * twice, unknown outcomes retried with their commandId land exactly once, projections resume from
 * their checkpoints (they apply exactly the events after it), and the read models equal a fresh
 * rebuild of the same log.
 */
type RoundKind = 'burst' | 'backlog' | 'rebuild-process' | 'startup-rebuild' | 'startup' | 'idle';

const SEED = BASE_SEED;
const rng = new Rng(SEED).fork('crash');
/**
 * 10 rounds by default: every kind at least once, bursts most often; the order is drawn from the
 * seed. KAM_RELIABILITY_CRASH_PLAN=burst,idle,... replaces the plan (to replay one kind).
 */
const PLAN: RoundKind[] = process.env.KAM_RELIABILITY_CRASH_PLAN
  ? (process.env.KAM_RELIABILITY_CRASH_PLAN.split(',') as RoundKind[])
  : shuffle(
      ['burst', 'burst', 'burst', 'burst', 'backlog', 'rebuild-process', 'rebuild-process', 'startup-rebuild', 'startup', 'idle'],
      rng.fork('plan'),
    );
const ROUNDS = Number(process.env.KAM_RELIABILITY_CRASH_ROUNDS ?? PLAN.length);

/** Projection tables of a generation that is not the served one (left by a killed rebuild). */
function orphanTables(file: string, states: Map<string, ProjectionState>): string[] {
  const db = new Database(file, { readonly: true, fileMustExist: true });
  try {
    const tables = (db.prepare(`SELECT name FROM sqlite_master WHERE type = 'table'`).all() as Array<{ name: string }>).map((t) => t.name);
    const out: string[] = [];
    for (const projection of allProjections()) {
      const served = states.get(projection.name)?.generation;
      for (const logical of projection.tables) {
        for (const table of tables) {
          const match = new RegExp(`^${logical}_g(\\d+)$`).exec(table);
          if (match && Number(match[1]) !== served) out.push(table);
        }
      }
    }
    return out;
  } finally {
    db.close();
  }
}

function shuffle<T>(items: T[], r: Rng): T[] {
  const out = [...items];
  for (let i = out.length - 1; i > 0; i--) {
    const j = r.int(0, i);
    [out[i], out[j]] = [out[j]!, out[i]!];
  }
  return out;
}

interface RoundReport {
  round: number;
  kind: RoundKind;
  detail: string;
  acks: number;
  unknownRetried: number;
  landedUnanswered: number;
  events: number;
  restartMs: number;
  rebuildCompareMs: number;
  killedMidProjection: boolean;
}

describe(`crash: SIGKILL of the real service under load, restart, nothing lost (seed ${SEED})`, () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'kam-rel-crash-'));
  const eventsFile = join(dataDir, 'events.sqlite');
  const readFile = join(dataDir, 'read-models.sqlite');
  const world = new World();
  const ledger = new Ledger();
  const reports: RoundReport[] = [];
  const scratch: string[] = [];
  let port = 0;
  let service: ServiceProcess | undefined;

  const sendTo =
    (target: ServiceProcess): Send =>
    (query, variables) =>
      postGraphql(target.url, target.token, query, variables, 20_000);

  async function startService(env: Record<string, string> = {}): Promise<ServiceProcess> {
    service = await ServiceProcess.start({ dataDir, port, env }, 90_000);
    return service;
  }

  async function kill(): Promise<void> {
    await service?.kill('SIGKILL');
    service = undefined;
  }

  /** Clients against the current service until `ms` elapsed, then SIGKILL (the clients end on the broken connections). */
  async function burstThenKill(clients: number, ms: number, r: Rng): Promise<void> {
    const target = service!;
    const running = runClients({ clients, rng: r, send: sendTo(target), world, ledger, stop: () => false });
    await sleep(ms);
    await kill();
    await running;
  }

  beforeAll(async () => {
    port = await freePort();
  });

  afterAll(async () => {
    await service?.kill('SIGKILL');
    await killAllChildren();
    const total = {
      seed: SEED,
      rounds: reports.length,
      acks: ledger.acks.length,
      refusals: ledger.codes(),
      unknownRetriedAcked: ledger.retriedAcks,
      unknownThatHadLanded: reports.reduce((sum, r) => sum + r.landedUnanswered, 0),
      unknownRetriedRefused: ledger.retriedRejections,
    };
    console.log(`crash rounds:\n${reports.map((r) => JSON.stringify(r)).join('\n')}\ntotal: ${JSON.stringify(total)}`);
    rmSync(dataDir, { recursive: true, force: true });
    for (const dir of scratch) rmSync(dir, { recursive: true, force: true });
  });

  for (let round = 1; round <= ROUNDS; round++) {
    const kind = PLAN[(round - 1) % PLAN.length]!;
    it(`round ${round}: ${kind}`, async () => {
      const r = rng.fork(`round-${round}`);
      const acksBefore = ledger.acks.length;
      let detail = '';
      let killedMidProjection = false;
      let tampered = new Set<string>();
      if (!service) await startService();

      switch (kind) {
        case 'burst': {
          const clients = r.int(4, 12);
          const ms = r.int(300, 2000);
          await burstThenKill(clients, ms, r);
          const head = readRawLog(eventsFile).length;
          const behind = [...readProjectionStates(readFile).values()].filter((s) => Number(s.checkpoint ?? 0) < head).length;
          killedMidProjection = behind > 0;
          detail = `${clients} clients, SIGKILL after ${ms} ms; ${behind} projections behind the log at kill`;
          break;
        }
        case 'backlog': {
          // Write a backlog with projections off, then kill the service while it projects it.
          await kill();
          await startService({ KAM_RUN_PROJECTIONS: '0' });
          const target = service!;
          let stop = false;
          // No offboardRep here: it waits for the deals read model, which is not projected in this phase.
          const running = runClients({ clients: 8, rng: r, send: sendTo(target), world, ledger, stop: () => stop, exclude: ['offboardRep'] });
          await sleep(r.int(1200, 2000));
          stop = true;
          await running;
          await kill();
          const before = readProjectionStates(readFile);
          const head = readRawLog(eventsFile).length;
          const next = await ServiceProcess.spawn({ dataDir, port });
          service = next;
          // Kill as soon as some projection committed a batch of the backlog, plus a seeded delay.
          const waitMs = r.int(0, 120);
          const deadline = Date.now() + 60_000;
          while (Date.now() < deadline && next.running) {
            const now = readProjectionStates(readFile);
            if ([...now.values()].some((s) => s.checkpoint !== before.get(s.name)?.checkpoint)) break;
            await sleep(5);
          }
          await sleep(waitMs);
          await kill();
          const after = readProjectionStates(readFile);
          const behind = [...after.values()].filter((s) => Number(s.checkpoint ?? 0) < head).length;
          killedMidProjection = behind > 0;
          detail = `backlog to ${head} events, SIGKILL ${waitMs} ms after the first batch; ${behind}/${after.size} projections behind at kill`;
          break;
        }
        case 'rebuild-process': {
          // A rebuild in another process (what `npm run rebuild` runs), SIGKILLed mid-way while the API takes writes.
          let stop = false;
          const target = service!;
          const running = runClients({ clients: 2, rng: r, send: sendTo(target), world, ledger, stop: () => stop, pauseMs: 20 });
          const rebuild = new ChildRun('test/reliability/support/rebuild-child.ts', [], {
            KAM_DATA_DIR: dataDir,
            AUTH_JWT_SECRET: 'reliability-suite-secret-at-least-32-bytes-long',
            KAM_DEMO: '0',
            LOG_LEVEL: 'error',
            REBUILD_BATCH_SIZE: '50',
          });
          // Kill while the rebuild holds a claim (it is building a generation), a seeded moment later.
          const waitMs = r.int(0, 100);
          const started = await rebuild
            .waitForLine(/^progress /, 60_000)
            .then(() => true)
            .catch(() => false);
          const deadline = Date.now() + 30_000;
          let claimedAtKill = false;
          while (started && rebuild.running && !claimedAtKill && Date.now() < deadline) {
            claimedAtKill = [...readProjectionStates(readFile).values()].some((s) => s.rebuild_owner !== null);
            if (!claimedAtKill) await sleep(2);
          }
          await sleep(waitMs);
          const midway = rebuild.running;
          const exit = await rebuild.kill('SIGKILL');
          const also = r.chance(0.5);
          if (also) await kill();
          stop = true;
          await running;
          const states = readProjectionStates(readFile);
          const claimed = [...states.values()].filter((s) => s.rebuild_owner !== null).length;
          const orphans = orphanTables(readFile, states);
          killedMidProjection = midway && claimedAtKill;
          detail = started
            ? `rebuild SIGKILLed ${waitMs} ms after it claimed a projection (${midway ? 'mid-rebuild' : `already ${JSON.stringify(exit)}`}); ` +
              `${claimed} projections left claimed, ${orphans.length} tables of unserved generations left; API ${also ? 'SIGKILLed too' : 'kept running'}`
            : `rebuild did not start: ${rebuild.output().split('\n').find((l) => l.startsWith('rebuild failed')) ?? rebuild.output().slice(-200)}; API ${also ? 'SIGKILLed' : 'kept running'}`;
          break;
        }
        case 'startup-rebuild': {
          // As after a deploy that bumped projection versions: the API rebuilds them at startup; kill it there.
          await burstThenKill(6, r.int(300, 800), r);
          const names = shuffle(allProjections().map((p) => p.name), r).slice(0, r.int(2, 4));
          tampered = new Set(names);
          const db = new Database(readFile);
          db.prepare(`UPDATE projection_state SET version = version - 1 WHERE name IN (${names.map(() => '?').join(',')})`).run(...names);
          db.close();
          const next = await ServiceProcess.spawn({ dataDir, port });
          service = next;
          const deadline = Date.now() + 60_000;
          let sawRebuilding = false;
          while (Date.now() < deadline && next.running && !sawRebuilding) {
            sawRebuilding = [...readProjectionStates(readFile).values()].some((s) => s.status === 'rebuilding');
            if (!sawRebuilding) await sleep(5);
          }
          const waitMs = r.int(0, 150);
          await sleep(waitMs);
          await kill();
          killedMidProjection = sawRebuilding;
          detail = `versions of ${names.join(', ')} lowered; SIGKILL ${waitMs} ms into the startup rebuild (seen: ${sawRebuilding})`;
          break;
        }
        case 'startup': {
          await burstThenKill(6, r.int(200, 600), r);
          const next = await ServiceProcess.spawn({ dataDir, port });
          service = next;
          const waitMs = r.int(100, 2500);
          await sleep(waitMs);
          await kill();
          detail = `SIGKILL ${waitMs} ms after spawn`;
          break;
        }
        case 'idle': {
          let stop = false;
          const target = service!;
          const running = runClients({ clients: 4, rng: r, send: sendTo(target), world, ledger, stop: () => stop });
          await sleep(r.int(300, 800));
          stop = true;
          await running;
          await target.waitCaughtUp();
          await kill();
          detail = 'SIGKILL while idle and caught up';
          break;
        }
      }

      // What the killed process left committed: where each projection must resume.
      const atKill: Map<string, ProjectionState> | undefined = service ? undefined : readProjectionStates(readFile);

      let restartMs = 0;
      if (!service) {
        const t0 = Date.now();
        await startService();
        restartMs = Date.now() - t0;
      }
      const live = service!;
      await live.waitCaughtUp(60_000);

      if (atKill) {
        // Resumed from the checkpoint: this process applied exactly the handled events after it.
        const log = readRawLog(eventsFile);
        const applied = await live.appliedByProjection();
        const states = readProjectionStates(readFile);
        const mismatches: string[] = [];
        for (const projection of allProjections()) {
          if (tampered.has(projection.name)) continue; // rebuilt at startup, not resumed
          const before = atKill.get(projection.name);
          const from = Number(before?.checkpoint ?? 0);
          const handles = new Set<string>(projection.eventTypes);
          const expected = log.filter((e) => e.position > from && handles.has(e.type)).length;
          const got = applied.get(projection.name) ?? 0;
          if (got !== expected) mismatches.push(`${projection.name}: applied ${got} after restart, ${expected} events after its checkpoint ${from}`);
          if (before && states.get(projection.name)?.generation !== before.generation) {
            mismatches.push(`${projection.name}: generation ${before.generation} at kill, ${states.get(projection.name)?.generation} after restart`);
          }
        }
        expect(mismatches).toEqual([]);
      }

      // Unknown outcomes that had landed anyway (the answer was lost with the process).
      const inLog = new Set(readRawLog(eventsFile).map((e) => e.metadata.commandId as string));
      const landedUnanswered = [...ledger.unknown.keys()].filter((id) => inLog.has(id)).length;
      const unknownRetried = await ledger.retryUnknown(sendTo(live), world);
      await live.waitCaughtUp(60_000);

      const log = readRawLog(eventsFile);
      const audit = auditLog(log, ledger.acks, ledger.rejections);
      expect(audit.problems).toEqual([]);
      const unexpected = ledger.rejections.filter((x) => !EXPECTED_REFUSALS.has(x.code));
      expect(unexpected.map((x) => `${x.mutation}: ${x.code} ${x.message}`)).toEqual([]);

      const health = await live.health();
      expect(health.status).toBe(200);
      expect(health.body.readModels.parkedEvents).toBe(0);

      const fresh = await freshRebuild(eventsFile);
      scratch.push(fresh.dataDir);
      const served = dumpReadModels(readFile);
      expect(diffReadModels(served.dump, fresh.dump)).toEqual([]);

      reports.push({
        round,
        kind,
        detail,
        acks: ledger.acks.length - acksBefore,
        unknownRetried,
        landedUnanswered,
        events: log.length,
        restartMs,
        rebuildCompareMs: fresh.ms,
        killedMidProjection,
      });
    }, 180_000);
  }

  it('covered kills inside projection work (a backlog being projected or a startup rebuild)', () => {
    const inside = reports.filter((r) => r.killedMidProjection).length;
    expect(reports.length).toBe(ROUNDS);
    expect(inside).toBeGreaterThanOrEqual(1);
    expect(ledger.acks.length).toBeGreaterThan(100);
  });
});
