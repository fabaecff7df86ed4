import {
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { cpus, freemem, loadavg, totalmem, tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { allProjections } from '@kam/api';
import { mintToken } from '@kam/auth';
import { parseSqliteSynchronous } from '@kam/event-store';
import { benchAppend, type AppendBenchResult } from '../../../../bench/append.bench';
import { parseArgs } from '../args';
import { formatDuration } from '../progress';
import { startApiChild, startHelloChild, type ChildServer } from './children';
import { SMOKE_ORGANISATION, ensureDataset, type DatasetMarker } from './dataset';
import { gql, loadTest, type LoadResult } from './http-load';
import { measureRebuild, rawReadParse, rebuildOffload, type RebuildMeasurement } from './rebuild';
import { renderBenchmarks } from './report';
import { benchOpenDeal, measureLag, type DealTarget, type LagResult } from './write-load';

export const BENCH_USAGE =
  'npm run bench -- [--json FILE] [--data-dir data/bench-1m] [--rebuild-budget 240 (s, 0 = no limit)] ' +
  '[--duration 10] [--warmup 3] [--connections 32] [--profile DIR] [--docs docs/benchmarks.md] [--smoke]';

const BENCH_SECRET = 'kam-bench-secret-that-is-at-least-32-bytes-long';

export interface QueryFigures {
  rps: number | null;
  p99_ms: number | null;
  reason?: string;
  detail?: LoadResult;
}

export interface BenchResults {
  append: AppendBenchResult & { events_per_run: number; synchronous: string };
  rebuild: {
    events: number;
    raw_read_parse_per_s: number;
    rebuild_per_s: number | null;
    reason?: string;
    run: RebuildMeasurement;
    dataset_build_full_rebuild: DatasetMarker['fullRebuild'];
  };
  graphql: {
    baseline_hello_rps: number;
    team_performance_rps: number | null;
    team_performance_p99_ms: number | null;
    deals_page_rps: number | null;
    deals_page_p99_ms: number | null;
    pipeline_rps: number | null;
    pipeline_p99_ms: number | null;
    reasons: Record<string, string>;
    connections: number;
    duration_s: number;
    warmup_s: number;
    team: { id: string; name: string; reps: number; period: { from: string; to: string } } | null;
    details: Record<string, LoadResult | undefined>;
  };
  mutations: { open_deal_per_s: number | null; p99_ms: number | null; reason?: string; detail?: LoadResult };
  lag: (
    | (LagResult & { reason?: undefined })
    | { write_rate_per_s: number; p50_ms: null; p99_ms: null; reason: string }
  ) & {
    at_sustainable_rate: LagResult | { reason: string };
    /** How long the read models took to reach the log's head before each lag phase (ms). */
    catch_up_before_ms: Record<string, number>;
  };
  memory: {
    peak_rss_mb: number;
    max_sampled_rss_mb: number;
    how: string;
    /** RSS once the API answered on the data set, before any load. */
    startup_rss_mb: number;
    /** VmRSS after each phase (startup, queries, mutations, lag_500, lag_sustainable). */
    rss_after_phase_mb?: Record<string, number>;
    /** From the API's /metrics at the end (prom-client defaults), when it answers. */
    heap_used_mb?: number;
    heap_total_mb?: number;
    external_mb?: number;
  };
  dataset: DatasetMarker;
  machine: {
    cpus: string;
    cores: number;
    memory_gb: number;
    free_memory_gb: number;
    node: string;
    platform: string;
    load_average: number[];
  };
  date: string;
  elapsed_s: number;
}

/** `npm run bench`: every figure next to its baseline, measured in one run on this machine. */
export async function benchCommand(argv: string[]): Promise<void> {
  const args = parseArgs(argv, {
    json: 'string',
    'data-dir': 'string',
    'rebuild-budget': 'string',
    duration: 'string',
    warmup: 'string',
    connections: 'string',
    profile: 'string',
    docs: 'string',
    smoke: 'boolean',
    help: 'boolean',
  });
  if (args.help) {
    process.stdout.write(`${BENCH_USAGE}\n`);
    return;
  }
  const started = performance.now();
  const num = (name: string, fallback: number): number => {
    const raw = args[name];
    if (raw === undefined) return fallback;
    const value = Number(raw);
    if (!Number.isFinite(value) || value < 0) throw new Error(`--${name} must be a non-negative number`);
    return value;
  };
  // --smoke: a small data set to try the whole bench quickly; its figures are not the benchmark,
  // so it never writes docs/benchmarks.md.
  const smoke = Boolean(args.smoke);
  const cacheDir = resolve(String(args['data-dir'] ?? (smoke ? 'data/bench-smoke' : 'data/bench-1m')));
  const budget = num('rebuild-budget', 240);
  const durationS = num('duration', 10);
  const warmupS = num('warmup', 3);
  const connections = num('connections', 32);
  const profileDir = args.profile ? resolve(String(args.profile)) : undefined;
  const log = (line: string): void =>
    void process.stderr.write(`[bench ${formatDuration((performance.now() - started) / 1000)}] ${line}\n`);
  const projections = allProjections();

  log('append: raw better-sqlite3 vs the SQLite event store (bench/append.bench.ts)');
  const synchronous = parseSqliteSynchronous(process.env.KAM_SQLITE_SYNCHRONOUS);
  const appendEvents = 20_000;
  const append = {
    ...(await benchAppend({ events: appendEvents, synchronous })),
    events_per_run: appendEvents,
    synchronous,
  };

  const dataset = smoke
    ? await ensureDataset(cacheDir, projections, log, SMOKE_ORGANISATION, 0)
    : await ensureDataset(cacheDir, projections, log);
  log(`data set: ${dataset.events.toLocaleString('en-US')} events (history to ${dataset.end})`);

  log('rebuild: raw read + JSON.parse of the log');
  const raw = rawReadParse(join(cacheDir, 'events.sqlite'));
  log(`rebuild: every read model from the log (budget ${budget ? `${budget} s` : 'none'})`);
  const scratch = mkdtempSync(join(tmpdir(), 'kam-bench-'));
  let api: ChildServer | undefined;
  let hello: ChildServer | undefined;
  try {
    const run = await measureRebuild(
      join(cacheDir, 'events.sqlite'),
      join(scratch, 'rebuild-read-models.sqlite'),
      projections,
      budget || null,
      rebuildOffload(join(cacheDir, 'events.sqlite'), join(scratch, 'rebuild-side.sqlite')),
    );

    // The server runs on a copy, so the writes of the mutation and lag phases never reach the cache.
    log('copying the data set for the server');
    const work = join(scratch, 'data');
    mkdirSync(work);
    for (const file of [
      'events.sqlite',
      'events.sqlite-wal',
      'read-models.sqlite',
      'read-models.sqlite-wal',
    ]) {
      if (existsSync(join(cacheDir, file))) copyFileSync(join(cacheDir, file), join(work, file));
    }

    log('graphql: bare Fastify + Mercurius hello-world (child process)');
    hello = await startHelloChild();
    const helloResult = await loadTest({
      url: hello.url,
      headers: {},
      body: JSON.stringify({ query: '{ hello }' }),
      connections,
      durationS,
      warmupS,
    });
    await hello.stop();
    hello = undefined;

    log('graphql: the API on the data set (child process)');
    api = await startApiChild({
      dataDir: work,
      // Production mode, as deployed (graphql-js drops its development checks; no GraphiQL).
      env: { NODE_ENV: 'production', AUTH_JWT_SECRET: BENCH_SECRET, KAM_RATE_LIMIT_PER_MINUTE: '0' },
      nodeArgs: profileDir ? ['--cpu-prof', `--cpu-prof-dir=${profileDir}`] : [],
      onOutput: (line) => log(`api: ${line}`),
    });
    const server = api;
    let maxRss = 0;
    const sampler = setInterval(() => (maxRss = Math.max(maxRss, server.memory()?.rssMb ?? 0)), 500);
    try {
      const token = await mintToken({ sub: 'bench-admin', role: 'ADMIN' }, BENCH_SECRET, 3600);
      await waitForReadModels(server.url, token, String(dataset.events));
      const startupRss = Math.round(server.memory()?.rssMb ?? NaN);
      // RSS after each phase: where the peak comes from.
      const rssAfter: Record<string, number> = { startup: startupRss };
      const noteRss = (phase: string): void => {
        rssAfter[phase] = Math.round(server.memory()?.rssMb ?? NaN);
      };
      const graphql = await benchQueries(
        server.url,
        token,
        dataset,
        { connections, durationS, warmupS },
        helloResult,
        log,
      );
      noteRss('queries');
      const targets = await dealTargets(server.url, token);
      log('mutations: openDeal over HTTP');
      const mutations = await settle(() =>
        benchOpenDeal(server.url, token, targets, { connections, durationS, warmupS }),
      );
      noteRss('mutations');
      // The lag phases measure a steady rate from caught-up read models, not the backlog the
      // mutation phase (written as fast as the server takes it) left to the projections.
      const catchUpMs: Record<string, number> = {};
      catchUpMs.after_mutations = await catchUp(server.url, token);
      log(`lag: read models caught up with the log ${catchUpMs.after_mutations} ms after the mutation phase`);
      log('lag: openDeal at 500/s, each awaited in the read models');
      const lag = await settle(() => measureLag(server.url, token, targets, { rate: 500, durationS }));
      noteRss('lag_500');
      // The projection lag proper, at a rate the server sustains (500/s may be above what it writes).
      const sustainable = mutations.ok
        ? Math.max(10, Math.min(500, Math.floor((mutations.value.rps * 0.4) / 10) * 10))
        : 50;
      catchUpMs.after_lag_500 = await catchUp(server.url, token);
      log(`lag: again at ${sustainable}/s (40% of the measured openDeal rate)`);
      const lagSustainable = await settle(() =>
        measureLag(server.url, token, targets, { rate: sustainable, durationS }),
      );
      noteRss('lag_sustainable');
      const heap = await heapFigures(server.url);
      const memory = server.memory();
      clearInterval(sampler);
      const results: BenchResults = {
        append,
        rebuild: {
          events: raw.events,
          raw_read_parse_per_s: raw.per_s,
          rebuild_per_s: run.rebuild_per_s,
          ...(run.reason ? { reason: run.reason } : {}),
          run,
          dataset_build_full_rebuild: dataset.fullRebuild,
        },
        graphql,
        mutations: mutations.ok
          ? { open_deal_per_s: mutations.value.rps, p99_ms: mutations.value.p99_ms, detail: mutations.value }
          : { open_deal_per_s: null, p99_ms: null, reason: mutations.reason },
        lag: {
          ...(lag.ok ? lag.value : { write_rate_per_s: 500, p50_ms: null, p99_ms: null, reason: lag.reason }),
          at_sustainable_rate: lagSustainable.ok ? lagSustainable.value : { reason: lagSustainable.reason },
          catch_up_before_ms: catchUpMs,
        },
        memory: {
          peak_rss_mb: Math.round(memory?.hwmMb ?? NaN),
          max_sampled_rss_mb: Math.round(Math.max(maxRss, memory?.rssMb ?? 0)),
          startup_rss_mb: startupRss,
          rss_after_phase_mb: rssAfter,
          ...heap,
          how: 'VmHWM of the API child from /proc/<pid>/status after every phase (start on the data set, queries, mutations, lag)',
        },
        dataset,
        machine: machine(),
        date: new Date().toISOString(),
        elapsed_s: Math.round((performance.now() - started) / 1000),
      };
      await server.stop();
      api = undefined;
      if (!smoke || args.docs) {
        const docs = resolve(String(args.docs ?? 'docs/benchmarks.md'));
        writeFileSync(
          docs,
          renderBenchmarks(results, existsSync(docs) ? readFileSync(docs, 'utf8') : undefined),
        );
        log(`wrote ${docs}`);
      }
      if (args.json) {
        const file = resolve(String(args.json));
        mkdirSync(dirname(file), { recursive: true });
        writeFileSync(file, `${JSON.stringify(results, null, 2)}\n`);
        log(`wrote ${file}`);
      }
      process.stdout.write(`${JSON.stringify(headline(results), null, 2)}\n`);
    } finally {
      clearInterval(sampler);
    }
  } finally {
    await api?.stop();
    await hello?.stop();
    rmSync(scratch, { recursive: true, force: true });
  }
}

/** The brief's keys only, for the terminal. */
function headline(r: BenchResults): Record<string, unknown> {
  const { append, rebuild, graphql, mutations, lag, memory } = r;
  return {
    append: {
      raw_single_per_s: append.raw_single_per_s,
      raw_batch100_per_s: append.raw_batch100_per_s,
      store_single_per_s: append.store_single_per_s,
      store_batch100_per_s: append.store_batch100_per_s,
    },
    rebuild: {
      events: rebuild.events,
      raw_read_parse_per_s: rebuild.raw_read_parse_per_s,
      rebuild_per_s: rebuild.rebuild_per_s,
    },
    graphql: {
      baseline_hello_rps: graphql.baseline_hello_rps,
      team_performance_rps: graphql.team_performance_rps,
      team_performance_p99_ms: graphql.team_performance_p99_ms,
      deals_page_rps: graphql.deals_page_rps,
      deals_page_p99_ms: graphql.deals_page_p99_ms,
      pipeline_rps: graphql.pipeline_rps,
      pipeline_p99_ms: graphql.pipeline_p99_ms,
    },
    mutations: { open_deal_per_s: mutations.open_deal_per_s, p99_ms: mutations.p99_ms },
    lag: { write_rate_per_s: lag.write_rate_per_s, p50_ms: lag.p50_ms, p99_ms: lag.p99_ms },
    memory: { peak_rss_mb: memory.peak_rss_mb },
  };
}

async function settle<T>(
  fn: () => Promise<T>,
): Promise<{ ok: true; value: T } | { ok: false; reason: string }> {
  try {
    return { ok: true, value: await fn() };
  } catch (error) {
    return { ok: false, reason: error instanceof Error ? error.message : String(error) };
  }
}

/** Waits until every read model has projected the log's head as /health reports it; the time it took, ms. */
async function catchUp(url: string, token: string): Promise<number> {
  const started = performance.now();
  const response = await fetch(new URL('/health', url));
  const health = (await response.json()) as { eventStore?: { headPosition?: string | null } };
  const head = health.eventStore?.headPosition;
  if (head) await waitForReadModels(url, token, head);
  return Math.round(performance.now() - started);
}

/** The cached read models are at the head already; this makes sure the engine says so too. */
async function waitForReadModels(url: string, token: string, head: string): Promise<void> {
  const deadline = Date.now() + 600_000;
  for (;;) {
    try {
      await gql(url, token, 'query($at: String) { teams(atLeastPosition: $at) { id } }', { at: head });
      return;
    } catch (error) {
      if (Date.now() > deadline || !String(error).includes('STALE_READ_MODEL')) throw error;
    }
  }
}

/** The last full calendar quarter before the end of the history. */
export function lastFullQuarter(end: string): { from: string; to: string } {
  const d = new Date(`${end}T00:00:00Z`);
  const quarterStart = Date.UTC(d.getUTCFullYear(), Math.floor(d.getUTCMonth() / 3) * 3, 1);
  const from = new Date(quarterStart);
  from.setUTCMonth(from.getUTCMonth() - 3);
  const to = new Date(quarterStart - 86_400_000);
  return { from: from.toISOString().slice(0, 10), to: to.toISOString().slice(0, 10) };
}

const TEAM_PERFORMANCE =
  'query($teamId: ID!, $from: Date!, $to: Date!) { teamPerformance(teamId: $teamId, period: { from: $from, to: $to }) { ' +
  'teamId kpis { wonCount wonValue lostCount lostValue winRate averageDealSize averageSalesCycleDays openPipelineValue ' +
  'weightedPipelineValue quota quotaAttainment pipelineCoverage } reps { repId kpis { wonCount wonValue winRate quotaAttainment } } } }';
const DEALS_PAGE =
  '{ deals(first: 50) { edges { cursor node { id title stage value channel repId accountId expectedCloseDate } } pageInfo { hasNextPage endCursor } } }';
const PIPELINE =
  'query($teamId: ID!) { pipeline(teamId: $teamId) { asOf dealCount openPipelineValue weightedPipelineValue stages { stage dealCount value weightedValue } } }';

async function benchQueries(
  url: string,
  token: string,
  dataset: DatasetMarker,
  load: { connections: number; durationS: number; warmupS: number },
  hello: LoadResult,
  log: (line: string) => void,
): Promise<BenchResults['graphql']> {
  const reasons: Record<string, string> = {};
  const details: Record<string, LoadResult | undefined> = { hello };
  let team: BenchResults['graphql']['team'] = null;
  try {
    const { teams } = await gql<{ teams: Array<{ id: string; name: string; reps: Array<{ id: string }> }> }>(
      url,
      token,
      '{ teams { id name reps { id } } }',
    );
    // The brief's "10-rep team": the team whose headcount is closest to ten.
    const chosen = [...teams].sort(
      (a, b) => Math.abs(a.reps.length - 10) - Math.abs(b.reps.length - 10) || a.name.localeCompare(b.name),
    )[0];
    if (chosen) {
      team = {
        id: chosen.id,
        name: chosen.name,
        reps: chosen.reps.length,
        period: lastFullQuarter(dataset.end),
      };
    }
  } catch (error) {
    reasons.teams = error instanceof Error ? error.message : String(error);
  }
  const measure = async (
    name: string,
    query: string,
    variables: Record<string, unknown> | undefined,
  ): Promise<QueryFigures> => {
    try {
      await gql(url, token, query, variables); // exists, answers without errors, and is warm
      log(`graphql: ${name}`);
      const result = await loadTest({
        url,
        headers: { authorization: `Bearer ${token}` },
        body: JSON.stringify({ query, variables }),
        ...load,
      });
      details[name] = result;
      return { rps: result.rps, p99_ms: result.p99_ms, detail: result };
    } catch (error) {
      const reason = error instanceof Error ? error.message : String(error);
      reasons[name] = reason;
      log(`graphql: ${name} not measured: ${reason.slice(0, 200)}`);
      return { rps: null, p99_ms: null, reason };
    }
  };
  const teamVars = team ? { teamId: team.id, from: team.period.from, to: team.period.to } : undefined;
  const teamPerformance = team
    ? await measure('team_performance', TEAM_PERFORMANCE, teamVars)
    : { rps: null, p99_ms: null };
  const dealsPage = await measure('deals_page', DEALS_PAGE, undefined);
  const pipeline = team
    ? await measure('pipeline', PIPELINE, { teamId: team.id })
    : { rps: null, p99_ms: null };
  return {
    baseline_hello_rps: hello.rps,
    team_performance_rps: teamPerformance.rps,
    team_performance_p99_ms: teamPerformance.p99_ms,
    deals_page_rps: dealsPage.rps,
    deals_page_p99_ms: dealsPage.p99_ms,
    pipeline_rps: pipeline.rps,
    pipeline_p99_ms: pipeline.p99_ms,
    reasons,
    connections: load.connections,
    duration_s: load.durationS,
    warmup_s: load.warmupS,
    team,
    details,
  };
}

/** Active reps of the data set with an account each, for the write phases. */
async function dealTargets(url: string, token: string): Promise<DealTarget[]> {
  const { reps } = await gql<{ reps: { edges: Array<{ node: { id: string; active: boolean } }> } }>(
    url,
    token,
    '{ reps(first: 200) { edges { node { id active } } } }',
  );
  const { accounts } = await gql<{ accounts: { edges: Array<{ node: { id: string } }> } }>(
    url,
    token,
    '{ accounts(first: 200) { edges { node { id } } } }',
  );
  const active = reps.edges.map((e) => e.node).filter((r) => r.active);
  const accountIds = accounts.edges.map((e) => e.node.id);
  if (active.length === 0 || accountIds.length === 0)
    throw new Error('the data set has no active rep or no account');
  return active.map((rep, i) => ({ repId: rep.id, accountId: accountIds[i % accountIds.length]! }));
}

/** Heap figures from the API's Prometheus endpoint (prom-client's default metrics). */
async function heapFigures(
  url: string,
): Promise<{ heap_used_mb?: number; heap_total_mb?: number; external_mb?: number }> {
  try {
    const response = await fetch(`${url}/metrics`);
    if (response.status !== 200) return {};
    const text = await response.text();
    const mb = (name: string): number | undefined => {
      const match = new RegExp(`^${name}(?:\\{[^}]*\\})? ([0-9.e+]+)$`, 'm').exec(text);
      return match ? Math.round(Number(match[1]) / 2 ** 20) : undefined;
    };
    return {
      heap_used_mb: mb('nodejs_heap_size_used_bytes'),
      heap_total_mb: mb('nodejs_heap_size_total_bytes'),
      external_mb: mb('nodejs_external_memory_bytes'),
    };
  } catch {
    return {};
  }
}

function machine(): BenchResults['machine'] {
  const list = cpus();
  return {
    cpus: `${list.length} × ${list[0]?.model ?? 'unknown'}`,
    cores: list.length,
    memory_gb: Math.round((totalmem() / 2 ** 30) * 10) / 10,
    free_memory_gb: Math.round((freemem() / 2 ** 30) * 10) / 10,
    node: process.version,
    platform: `${process.platform} ${process.arch}`,
    load_average: loadavg().map((n) => Math.round(n * 100) / 100),
  };
}
