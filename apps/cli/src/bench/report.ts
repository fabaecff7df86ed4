import type { BenchResults } from './bench.command';
import type { LagResult } from './write-load';

const START = '<!-- bench:results:start (written by npm run bench; edit outside these markers) -->';
const END = '<!-- bench:results:end -->';

interface Row {
  what: string;
  ours: string;
  baseline: string;
  ratio: string;
  goal: string;
  met: '✓' | '✗' | '—';
}

const fmt = (n: number | null | undefined, unit = ''): string =>
  n === null || n === undefined || Number.isNaN(n)
    ? 'n/a'
    : `${Math.round(n).toLocaleString('en-US')}${unit}`;
const ms = (n: number | null | undefined): string => (n === null || n === undefined ? 'n/a' : `${n} ms`);
const ratio = (a: number | null | undefined, b: number | null | undefined): number | null =>
  a === null || a === undefined || !b ? null : a / b;
const x = (r: number | null): string => (r === null ? 'n/a' : `${r.toFixed(2)}×`);
const check = (ok: boolean | null): '✓' | '✗' | '—' => (ok === null ? '—' : ok ? '✓' : '✗');

/** The goals of the brief, each next to what was measured. */
export function goalRows(r: BenchResults): Row[] {
  const a = r.append;
  const g = r.graphql;
  const rebuildRatio = ratio(r.rebuild.rebuild_per_s, r.rebuild.raw_read_parse_per_s);
  const tp = ratio(g.team_performance_rps, g.baseline_hello_rps);
  const dp = ratio(g.deals_page_rps, g.baseline_hello_rps);
  const pp = ratio(g.pipeline_rps, g.baseline_hello_rps);
  return [
    {
      what: 'append, one event per append (events/s)',
      ours: fmt(a.store_single_per_s),
      baseline: `${fmt(a.raw_single_per_s)} raw better-sqlite3`,
      ratio: x(ratio(a.store_single_per_s, a.raw_single_per_s)),
      goal: '≥ 0.8× raw',
      met: check(a.store_single_per_s >= 0.8 * a.raw_single_per_s),
    },
    {
      what: 'append, 100 events per append (events/s)',
      ours: fmt(a.store_batch100_per_s),
      baseline: `${fmt(a.raw_batch100_per_s)} raw better-sqlite3`,
      ratio: x(ratio(a.store_batch100_per_s, a.raw_batch100_per_s)),
      goal: '≥ 0.8× raw',
      met: check(a.store_batch100_per_s >= 0.8 * a.raw_batch100_per_s),
    },
    {
      what: `rebuild of every read model over ${fmt(r.rebuild.events)} events (events/s)`,
      ours:
        r.rebuild.rebuild_per_s === null
          ? `n/a: ${r.rebuild.reason?.startsWith('the rebuild failed') ? 'failed' : `not done in the ${r.rebuild.run.budget_s} s budget`} (the full rebuild that built the set: ${fmt(r.dataset.fullRebuild.eventsPerSecond)}/s)`
          : fmt(r.rebuild.rebuild_per_s),
      baseline: `${fmt(r.rebuild.raw_read_parse_per_s)} raw read + JSON.parse`,
      ratio: x(rebuildRatio),
      goal: '≥ 50,000/s and ≥ 0.3× raw',
      met:
        r.rebuild.rebuild_per_s === null
          ? '✗'
          : check(r.rebuild.rebuild_per_s >= 50_000 && (rebuildRatio ?? 0) >= 0.3),
    },
    {
      what: `teamPerformance, ${g.team?.reps ?? '?'}-rep team, one quarter (req/s, p99)`,
      ours:
        g.team_performance_rps === null
          ? 'n/a'
          : `${fmt(g.team_performance_rps)}, p99 ${ms(g.team_performance_p99_ms)}`,
      baseline: `${fmt(g.baseline_hello_rps)} hello-world`,
      ratio: x(tp),
      goal: '≥ 0.25× hello, p99 ≤ 10 ms',
      met:
        g.team_performance_rps === null
          ? '✗'
          : check((tp ?? 0) >= 0.25 && (g.team_performance_p99_ms ?? Infinity) <= 10),
    },
    {
      what: 'deals(first: 50) (req/s, p99)',
      ours: g.deals_page_rps === null ? 'n/a' : `${fmt(g.deals_page_rps)}, p99 ${ms(g.deals_page_p99_ms)}`,
      baseline: `${fmt(g.baseline_hello_rps)} hello-world`,
      ratio: x(dp),
      goal: '≥ 0.15× hello',
      met: g.deals_page_rps === null ? '✗' : check((dp ?? 0) >= 0.15),
    },
    {
      what: 'pipeline(teamId) (req/s, p99)',
      ours: g.pipeline_rps === null ? 'n/a' : `${fmt(g.pipeline_rps)}, p99 ${ms(g.pipeline_p99_ms)}`,
      baseline: `${fmt(g.baseline_hello_rps)} hello-world`,
      ratio: x(pp),
      goal: '(none set)',
      met: '—',
    },
    {
      what: 'openDeal end to end over HTTP (mutations/s, p99)',
      ours:
        r.mutations.open_deal_per_s === null
          ? 'n/a'
          : `${fmt(r.mutations.open_deal_per_s)}, p99 ${ms(r.mutations.p99_ms)}`,
      baseline: '—',
      ratio: '—',
      goal: '≥ 2,000/s',
      met: r.mutations.open_deal_per_s === null ? '✗' : check(r.mutations.open_deal_per_s >= 2000),
    },
    {
      what: `command → visible in the read models at ${r.lag.write_rate_per_s} writes/s (p50, p99)`,
      ours:
        r.lag.p99_ms === null
          ? 'n/a'
          : `p50 ${ms(r.lag.p50_ms)}, p99 ${ms(r.lag.p99_ms)}` +
            ('achieved_rate_per_s' in r.lag && r.lag.achieved_rate_per_s < r.lag.write_rate_per_s * 0.95
              ? ` (only ${r.lag.achieved_rate_per_s}/s could be sent)`
              : ''),
      baseline: '—',
      ratio: '—',
      goal: 'p99 ≤ 50 ms',
      met: r.lag.p99_ms === null ? '✗' : check(r.lag.p99_ms <= 50),
    },
    {
      what: 'peak RSS of the API serving the data set',
      ours: fmt(r.memory.peak_rss_mb, ' MB'),
      baseline: '—',
      ratio: '—',
      goal: '≤ 400 MB',
      met: check(r.memory.peak_rss_mb <= 400),
    },
  ];
}

const LAG_METHOD =
  'openDeal mutations sent at a fixed rate (paced by the clock, at most 256 in flight); for each, the time from sending ' +
  'the mutation until `deal(id, atLeastPosition: <position the mutation returned>)` answers with the deal: the write, the ' +
  'wait until every read model has projected that position, and one query round trip';

function lagLine(lag: { reason?: string } | LagResult, label: string): string {
  if ('p99_ms' in lag && lag.p99_ms !== null && 'achieved_rate_per_s' in lag) {
    return (
      ` ${label} (${lag.write_rate_per_s}/s asked, ${lag.achieved_rate_per_s}/s sent): p50 ${lag.p50_ms} ms, ` +
      `p99 ${lag.p99_ms} ms, max ${lag.max_ms} ms over ${lag.samples} deals (the openDeal round trip p50 ` +
      `${lag.write_p50_ms} ms, p99 ${lag.write_p99_ms} ms; then visible in the read models p50 ${lag.visible_p50_ms} ms, ` +
      `p99 ${lag.visible_p99_ms} ms).`
    );
  }
  return ` ${label}: not measured: ${'reason' in lag ? lag.reason : 'unknown'}.`;
}

/** The generated section of docs/benchmarks.md; hand-written text outside the markers is kept. */
export function renderBenchmarks(r: BenchResults, previous: string | undefined): string {
  const rows = goalRows(r);
  const d = r.dataset;
  const lines = [
    START,
    '',
    `Measured ${r.date.slice(0, 16).replace('T', ' ')} UTC by \`npm run bench\` in ${r.elapsed_s} s on ${r.machine.cpus}, ` +
      `${r.machine.memory_gb} GB RAM, Node ${r.machine.node} (${r.machine.platform}); load average at the end ` +
      `${r.machine.load_average.join(' / ')} (the box is shared: other work ran alongside).`,
    '',
    '| what | ours | baseline | ratio | goal | |',
    '|---|---|---|---|---|---|',
    ...rows.map(
      (row) => `| ${row.what} | ${row.ours} | ${row.baseline} | ${row.ratio} | ${row.goal} | ${row.met} |`,
    ),
    '',
    '### How each figure was taken',
    '',
    `- **append**: \`bench/append.bench.ts\` (\`benchAppend\`, ${r.append.events_per_run.toLocaleString('en-US')} events per run, best of 3, ` +
      `synchronous=${r.append.synchronous}): raw better-sqlite3 inserts of the same rows vs \`SqliteEventStore.append\`.`,
    `- **rebuild**: raw = better-sqlite3 paging the log 1,000 rows at a time plus \`JSON.parse\` of data and metadata ` +
      `(${fmt(r.rebuild.raw_read_parse_per_s)} events/s). Ours = \`rebuildProjections\` with the API's \`allProjections()\` ` +
      `(${r.rebuild.run.projections.length} read models) into a fresh read-model file` +
      (r.rebuild.run.worker_projections.length > 0
        ? `, on two threads: a worker thread builds ${r.rebuild.run.worker_projections.join(', ')} into a file of its own ` +
          '(reading the log itself), the calling thread the others, then the worker\'s tables are copied in and all are swapped together.'
        : '.') +
      (r.rebuild.rebuild_per_s === null
        ? ` **Not complete in this run**: ${r.rebuild.reason}.`
        : ` Took ${r.rebuild.run.elapsed_s} s.`) +
      (r.rebuild.run.thread_cpu_s
        ? ` CPU meanwhile (from /proc/self/task): the calling thread ${r.rebuild.run.thread_cpu_s.calling} s, ` +
          `the busiest other thread${r.rebuild.run.worker_projections.length > 0 ? ' (the worker)' : ''} ${r.rebuild.run.thread_cpu_s.busiest_other} s, all the other threads ` +
          `(V8's garbage-collector helpers, SQLite's checkpointer, libuv) ${r.rebuild.run.thread_cpu_s.all_others} s.`
        : ''),
    `  The full rebuild that built the cached read models (${Math.round(d.fullRebuild.elapsedMs / 1000)} s, ` +
      `${fmt(d.fullRebuild.eventsPerSecond)} events/s over ${fmt(d.events)} events, measured ${d.fullRebuild.measuredAt.slice(0, 16).replace('T', ' ')} UTC on this machine) ` +
      "is a complete figure, from the run that built the data set. Time in each read model's write transactions there: " +
      [...d.fullRebuild.projections]
        .sort((p, q) => (q.applyMs ?? 0) - (p.applyMs ?? 0))
        .map((p) => `${p.name} ${p.applyMs === undefined ? 'n/a' : `${Math.round(p.applyMs / 1000)} s`}`)
        .join(', ') +
      '.',
    '',
    ...(r.rebuild.run.complete
      ? [
          '  | read model | events read | s until swap | s in its write transactions |',
          '  |---|---|---|---|',
          ...r.rebuild.run.projections.map(
            (p) =>
              `  | ${p.name} | ${fmt(p.processed)} | ${p.seconds ?? 'n/a'} | ${p.apply_seconds ?? 'n/a'} |`,
          ),
        ]
      : [
          `  When it stopped, the read models had gone through ${r.rebuild.run.projections
            .map((p) => p.processed)
            .filter((n, i, all) => all.indexOf(n) === i)
            .map((n) => fmt(n))
            .join(' / ')} events of the log in ${r.rebuild.run.elapsed_s} s.`,
        ]),
    '',
    `- **graphql**: autocannon (programmatic API), ${r.graphql.connections} connections, ${r.graphql.warmup_s} s warm-up then ` +
      `${r.graphql.duration_s} s measured per query; a run with any non-2xx, socket error or GraphQL \`errors\` in a body counts as failed. ` +
      'Both servers are child processes of the bench (the load generator has its own event loop): the baseline is a bare ' +
      'Fastify + Mercurius `{ hello }`; ours is the API as `npm start` runs it (compiled by `scripts/build.mjs`) on a copy of the data set with `KAM_RATE_LIMIT_PER_MINUTE=0`, ' +
      'every request with an ADMIN bearer token.' +
      (r.graphql.team
        ? ` teamPerformance asks for team "${r.graphql.team.name}" (${r.graphql.team.reps} reps) over ${r.graphql.team.period.from} … ${r.graphql.team.period.to}; pipeline for the same team, now.`
        : ''),
    ...Object.entries(r.graphql.reasons).map(([name, reason]) => `  - ${name} not measured: ${reason}`),
    `- **mutations**: \`openDeal\` over HTTP with the same autocannon settings, each request a new deal for one of ` +
      'the active reps (server-made ids).' +
      (r.mutations.reason ? ` Not measured: ${r.mutations.reason}` : ''),
    `- **lag**: ${LAG_METHOD}.` +
      lagLine(r.lag, 'At 500 writes/s') +
      lagLine(r.lag.at_sustainable_rate, 'At a rate the server sustains') +
      (r.lag.catch_up_before_ms
        ? ` Each lag phase starts once the read models have reached the log's head: after the openDeal phase (written as fast as the server takes it) that took ${fmt(r.lag.catch_up_before_ms.after_mutations, ' ms')}, after the 500/s phase ${fmt(r.lag.catch_up_before_ms.after_lag_500, ' ms')}.`
        : ''),
    `- **memory**: ${r.memory.how}; ${fmt(r.memory.startup_rss_mb, ' MB')} once it answered on the data set, before any load; ` +
      `the highest RSS sampled every 500 ms was ${fmt(r.memory.max_sampled_rss_mb, ' MB')}` +
      (r.memory.rss_after_phase_mb
        ? `; RSS after each phase: ${Object.entries(r.memory.rss_after_phase_mb).map(([phase, mb]) => `${phase} ${fmt(mb, ' MB')}`).join(', ')}`
        : '') +
      (r.memory.heap_used_mb !== undefined
        ? `; at the end the V8 heap held ${fmt(r.memory.heap_used_mb, ' MB')} used of ${fmt(r.memory.heap_total_mb, ' MB')}, external ${fmt(r.memory.external_mb, ' MB')} (the rest of the RSS is native: SQLite page caches, code, buffers).`
        : '.'),
    '',
    '### The data set',
    '',
    `${fmt(d.events)} events: ${d.organisation.teams} teams, ${d.organisation.reps} reps, ${fmt(d.organisation.accounts)} accounts, ` +
      `${d.organisation.months} months to ${d.end}, seed ${d.organisation.seed}, ${d.organisation.dealsPerRepPerMonth} deals per rep per month. ` +
      `Generated once into the cache directory (reused while its marker matches) in ${Math.round(d.generation.elapsedMs / 1000)} s ` +
      `(${fmt(d.generation.eventsPerSecond)} events/s) by **${d.generation.method}**: the same simulation and the same command ` +
      'handlers, deciders and event JSON as `npm run seed`, but the handlers load and append against an in-memory EventStore, and the ' +
      'log is then bulk-loaded into the SQLite file in the same order (positions 1..n). It skips the per-command SQLite round trip ' +
      '(and the store notifications) that the normal path pays; it is not a "real-time" import.',
    '',
    '```',
    d.generation.summary,
    '```',
    '',
    END,
  ];
  const generated = lines.join('\n');
  if (previous && previous.includes(START) && previous.includes(END)) {
    return (
      previous.slice(0, previous.indexOf(START)) +
      generated +
      previous.slice(previous.indexOf(END) + END.length)
    );
  }
  return `# Benchmarks\n\nRerun: \`npm run bench\` (add \`-- --json out/bench.json\` for the figures as JSON).\n\n${generated}\n`;
}
