import { mulberry32, OPEN_DEAL_STAGES, type OpenDealStage } from '@kam/kernel';
import type { ReadScope } from '@kam/graphql';
import { availableBackends, EventLog, fixedClock, project, type ReportDb } from '../kpis/testing/report-test-kit';
import { pipelineProjection } from './pipeline.projection';
import { PipelineQueries } from './pipeline.queries';

/*
 * The step rows against the straightforward reading of the contract: for random histories (deals
 * opened, moved between stages, revised, reassigned, won and lost; reps transferred between
 * teams; business times out of log order across streams and, inside a deal stream, sometimes
 * behind the previous event; several changes at one instant) and random instants (event times,
 * one millisecond either side, day boundaries, arbitrary instants), the open pipeline per rep and
 * per team must equal what a scan of every deal's state intervals gives, whatever the batch size
 * the projection saw the log in.
 */

const DAY = 86_400_000;
const T0 = Date.UTC(2026, 1, 1);
const REPS = ['r1', 'r2', 'r3', 'r4'];
const TEAMS = ['A', 'B'];
const ALL: ReadScope = { kind: 'all' };

interface State {
  repId: string;
  stage: OpenDealStage;
  valueMinor: number;
}

/** One deal's states, each held from `from` until the next one's `from` (null: closed). */
interface Timeline {
  changes: Array<{ from: number; state: State | null }>;
}

interface History {
  log: EventLog;
  deals: Timeline[];
  /** Membership intervals [from, to) per rep. */
  members: Array<{ repId: string; teamId: string; from: number; to: number }>;
  instants: number[];
}

const iso = (ms: number): string => new Date(ms).toISOString();

function randomHistory(seed: number): History {
  const random = mulberry32(seed);
  const int = (n: number): number => Math.floor(random() * n);
  const pick = <T>(items: readonly T[]): T => items[int(items.length)] as T;
  // Business times on a coarse grid (so that changes often share an instant) or anywhere in 20 days.
  const time = (): number => (random() < 0.4 ? T0 + int(80) * (DAY / 4) : T0 + int(20 * DAY));

  const log = new EventLog();
  for (const team of TEAMS) log.team(team, iso(T0 - DAY));
  const members: History['members'] = [];
  for (const repId of REPS) {
    // Each rep: hired in a team, then up to two transfers at increasing business times.
    let teamId = pick(TEAMS);
    let from = T0 - DAY;
    log.hire(repId, teamId, iso(from));
    const moves = [time(), time()].slice(0, int(3)).sort((a, b) => a - b);
    for (const at of moves) {
      if (at <= from) continue;
      const next = teamId === 'A' ? 'B' : 'A';
      members.push({ repId, teamId, from, to: at });
      log.transfer(repId, teamId, next, iso(at));
      teamId = next;
      from = at;
    }
    members.push({ repId, teamId, from, to: Number.MAX_SAFE_INTEGER });
  }

  // Deal streams, each a list of events in stream order; the log interleaves them at random.
  const streams: Array<Array<() => void>> = [];
  const deals: Timeline[] = [];
  const instants: number[] = [];
  for (let d = 0; d < 12; d++) {
    const dealId = `D${d}`;
    const timeline: Timeline = { changes: [] };
    deals.push(timeline);
    const stream: Array<() => void> = [];
    let state: State = { repId: pick(REPS), stage: 'PROSPECTING', valueMinor: 1000 + int(100) * 7 };
    let since = time();
    const record = (at: number, next: State | null): void => {
      // The projection's rule: a deal stream's business time never goes back.
      since = Math.max(since, at);
      timeline.changes.push({ from: since, state: next });
      instants.push(at, since);
    };
    const opened = { ...state };
    const openedAt = since;
    stream.push(() => log.open(dealId, { repId: opened.repId, valueMinor: opened.valueMinor }, iso(openedAt)));
    timeline.changes.push({ from: since, state: { ...state } });
    instants.push(since);
    const steps = int(6);
    for (let s = 0; s <= steps; s++) {
      // Mostly later than the previous event, sometimes earlier (the projection keeps the later).
      const at = random() < 0.15 ? since - int(DAY) : since + int(3 * DAY);
      const kind = s === steps ? pick(['win', 'lose', 'none', 'none']) : pick(['stage', 'revise', 'reassign']);
      const before = { ...state };
      switch (kind) {
        case 'stage': {
          const stage = pick(OPEN_DEAL_STAGES.filter((x) => x !== state.stage));
          state = { ...state, stage };
          stream.push(() => log.stage(dealId, before.stage, stage, iso(at)));
          record(at, { ...state });
          break;
        }
        case 'revise': {
          const valueMinor = 1000 + int(100) * 7;
          state = { ...state, valueMinor };
          stream.push(() => log.revise(dealId, before.valueMinor, valueMinor, iso(at)));
          record(at, { ...state });
          break;
        }
        case 'reassign': {
          const repId = pick(REPS.filter((r) => r !== state.repId));
          state = { ...state, repId };
          stream.push(() => log.reassign(dealId, before.repId, repId, iso(at)));
          record(at, { ...state });
          break;
        }
        case 'win':
          stream.push(() => log.win(dealId, before.valueMinor, iso(at), before.stage));
          record(at, null);
          // An event after the close changes nothing.
          stream.push(() => log.revise(dealId, before.valueMinor, 5, iso(at + DAY)));
          break;
        case 'lose':
          stream.push(() => log.lose(dealId, before.valueMinor, iso(at), { fromStage: before.stage }));
          record(at, null);
          break;
        default:
          break;
      }
    }
    streams.push(stream);
  }
  const cursors = streams.map(() => 0);
  for (;;) {
    const open = streams.map((s, i) => i).filter((i) => (cursors[i] ?? 0) < (streams[i]?.length ?? 0));
    if (open.length === 0) break;
    const i = pick(open);
    streams[i]?.[cursors[i] ?? 0]?.();
    cursors[i] = (cursors[i] ?? 0) + 1;
  }

  const probes = new Set<number>();
  for (const t of instants) for (const x of [t - 1, t, t + 1]) probes.add(x);
  for (let day = -1; day <= 25; day++) probes.add(T0 + day * DAY);
  for (let i = 0; i < 20; i++) probes.add(T0 - DAY + int(30 * DAY));
  for (const m of members) probes.add(m.from);
  // A random sample of them keeps the suite short (each instant costs eight queries).
  const sample = [...probes].filter(() => random() < 0.35);
  return { log, deals, members, instants: sample.sort((a, b) => a - b) };
}

/** The contract read straight off the intervals: open deals at t per rep and stage. */
function scan(h: History, at: number): Map<string, Map<OpenDealStage, { count: number; value: number }>> {
  const out = new Map<string, Map<OpenDealStage, { count: number; value: number }>>();
  for (const deal of h.deals) {
    // The state in force at t: the last change at or before t (later changes at one instant win).
    let current: State | null = null;
    for (const c of deal.changes) if (c.from <= at) current = c.state;
    if (!current) continue;
    const byStage = out.get(current.repId) ?? new Map();
    const s = byStage.get(current.stage) ?? { count: 0, value: 0 };
    byStage.set(current.stage, { count: s.count + 1, value: s.value + current.valueMinor });
    out.set(current.repId, byStage);
  }
  return out;
}

function teamOf(h: History, repId: string, at: number): string | null {
  return h.members.find((m) => m.repId === repId && m.from <= at && at < m.to)?.teamId ?? null;
}

const SEEDS = Array.from({ length: 8 }, (_, i) => 1000 + i * 7919);

for (const backend of availableBackends()) {
  describe(`pipeline step rows vs an interval scan on ${backend.name}`, () => {
    it.each(SEEDS)('random history %i: every instant, per rep and per team', async (seed) => {
      const h = randomHistory(seed);
      const rdb: ReportDb = await backend.open();
      try {
        // Batches of 1..16 events: changes merged across batches and within one.
        await project(rdb, [pipelineProjection], h.log.events, 1 + (seed % 16));
        const queries = new PipelineQueries(rdb.access, fixedClock('2026-12-31T00:00:00Z'));
        let nonEmpty = 0;
        for (const at of h.instants) {
          const expected = scan(h, at);
          const byRep = await queries.openByRep({ teamId: 'A' }, at);
          const byRepB = await queries.openByRep({ teamId: 'B' }, at);
          for (const repId of REPS) {
            const stages = expected.get(repId);
            let count = 0;
            let value = 0;
            let weighted = 0;
            for (const [stage, s] of stages ?? []) {
              count += s.count;
              value += s.value;
              weighted += s.value * { PROSPECTING: 10, QUALIFICATION: 25, PROPOSAL: 50, NEGOTIATION: 75 }[stage];
            }
            if (count > 0) nonEmpty++;
            const got = await queries.openByRep({ repId }, at);
            const mine = got.get(repId) ?? { dealCount: 0, valueMinor: 0, weightedMinor: 0 };
            expect({ at: iso(at), repId, count: mine.dealCount, value: mine.valueMinor }).toEqual({ at: iso(at), repId, count, value });
            expect(mine.weightedMinor).toBeCloseTo(weighted / 100, 6);
            // Through the team the rep was in at t (and absent from the other team's answer).
            const team = teamOf(h, repId, at);
            const inA = byRep.get(repId) ?? { dealCount: 0, valueMinor: 0 };
            const inB = byRepB.get(repId) ?? { dealCount: 0, valueMinor: 0 };
            expect([inA.dealCount, inA.valueMinor]).toEqual(team === 'A' ? [count, value] : [0, 0]);
            expect([inB.dealCount, inB.valueMinor]).toEqual(team === 'B' ? [count, value] : [0, 0]);
          }
          for (const teamId of TEAMS) {
            const pipeline = await queries.pipeline(ALL, teamId, iso(at));
            const want = OPEN_DEAL_STAGES.map((stage) => {
              let dealCount = 0;
              let value = 0;
              for (const [repId, stages] of expected) {
                if (teamOf(h, repId, at) !== teamId) continue;
                dealCount += stages.get(stage)?.count ?? 0;
                value += stages.get(stage)?.value ?? 0;
              }
              return { stage, dealCount, value };
            });
            expect({ at: iso(at), teamId, stages: pipeline.stages.map(({ stage, dealCount, value }) => ({ stage, dealCount, value })) }).toEqual({
              at: iso(at),
              teamId,
              stages: want,
            });
          }
        }
        // The history did have open deals to compare (the generator is not degenerate).
        expect(nonEmpty).toBeGreaterThan(0);
      } finally {
        await rdb.dispose();
      }
    }, 120_000);
  });
}

for (const backend of availableBackends()) {
  describe(`pipeline step rows, by hand, on ${backend.name}`, () => {
    it('corrects the later rows when a change dated before them is projected after them (history import)', async () => {
      // Log order: D1 opened 03-10 12:00 (100000), moved to PROPOSAL 03-10 18:30:15.250; then,
      // imported later, D2 opened 03-01 (50000) and won 03-05, and D3 opened 03-10 18:30:15.250
      // (7000) for r1 and reassigned to r2 on 03-20.
      const log = new EventLog()
        .team('A', '2026-01-01T00:00:00Z')
        .hire('r1', 'A', '2026-01-01T00:00:00Z')
        .hire('r2', 'A', '2026-01-01T00:00:00Z')
        .open('D1', { repId: 'r1', valueMinor: 100000 }, '2026-03-10T12:00:00.000Z')
        .stage('D1', 'PROSPECTING', 'PROPOSAL', '2026-03-10T18:30:15.250Z')
        .open('D2', { repId: 'r1', valueMinor: 50000 }, '2026-03-01T00:00:00.000Z')
        .win('D2', 50000, '2026-03-05T00:00:00.000Z', 'PROSPECTING')
        .open('D3', { repId: 'r1', valueMinor: 7000 }, '2026-03-10T18:30:15.250Z')
        .reassign('D3', 'r1', 'r2', '2026-03-20T00:00:00.000Z');
      const rdb = await backend.open();
      try {
        await project(rdb, [pipelineProjection], log.events, 2);
        const queries = new PipelineQueries(rdb.access, fixedClock('2026-12-31T00:00:00Z'));
        const r1 = async (at: string) => {
          const p = (await queries.openByRep({ repId: 'r1' }, Date.parse(at))).get('r1');
          return [p?.dealCount ?? 0, p?.valueMinor ?? 0];
        };
        expect(await r1('2026-02-28T23:59:59.999Z')).toEqual([0, 0]);
        expect(await r1('2026-03-03T00:00:00.000Z')).toEqual([1, 50000]);
        expect(await r1('2026-03-05T00:00:00.000Z')).toEqual([0, 0]);
        expect(await r1('2026-03-10T11:59:59.999Z')).toEqual([0, 0]);
        expect(await r1('2026-03-10T12:00:00.000Z')).toEqual([1, 100000]);
        expect(await r1('2026-03-10T18:30:15.249Z')).toEqual([1, 100000]);
        expect(await r1('2026-03-10T18:30:15.250Z')).toEqual([2, 107000]);
        expect(await r1('2026-03-20T00:00:00.000Z')).toEqual([1, 100000]);
        // By stage, inside the day of the stage change: PROSPECTING before it, PROPOSAL from it.
        const before = await queries.pipeline(ALL, 'A', '2026-03-10T18:30:15.249Z');
        const after = await queries.pipeline(ALL, 'A', '2026-03-10T18:30:15.250Z');
        expect(before.stages.map((s) => [s.stage, s.dealCount, s.value])).toEqual([
          ['PROSPECTING', 1, 100000],
          ['QUALIFICATION', 0, 0],
          ['PROPOSAL', 0, 0],
          ['NEGOTIATION', 0, 0],
        ]);
        expect(after.stages.map((s) => [s.stage, s.dealCount, s.value])).toEqual([
          ['PROSPECTING', 1, 7000],
          ['QUALIFICATION', 0, 0],
          ['PROPOSAL', 1, 100000],
          ['NEGOTIATION', 0, 0],
        ]);
        // The team total does not change with the reassignment inside the team.
        expect((await queries.pipeline(ALL, 'A', '2026-03-25T00:00:00Z')).openPipelineValue).toBe(107000);
      } finally {
        await rdb.dispose();
      }
    });
  });
}
