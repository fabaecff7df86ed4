/**
 * Latency of every report query on a seeded data set: `node -r @swc-node/register
 * bench/report-latency.bench.ts <data-dir> [requests-per-report]`. Starts the API as a child process
 * on a copy of the data directory, then sends the requests one after another (no concurrency:
 * this measures a single report's latency, not throughput) and prints p50/p99 per report.
 */
import { spawn } from 'node:child_process';
import { cpSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { mintToken, resolveJwtSecret } from '@kam/auth';

const source = process.argv[2];
const perReport = Number(process.argv[3] ?? 100);
if (!source) throw new Error('usage: report-latency.bench.ts <data-dir> [requests-per-report]');

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

async function main(): Promise<void> {
  const dataDir = mkdtempSync(join(tmpdir(), 'kam-latency-'));
  cpSync(source!, dataDir, { recursive: true });
  const port = 39000 + Math.floor(Math.random() * 1000);
  const child = spawn(process.execPath, ['-r', '@swc-node/register', 'apps/api/src/main.ts'], {
    env: { ...process.env, KAM_DATA_DIR: dataDir, PORT: String(port), KAM_DEMO: '0', KAM_RATE_LIMIT_PER_MINUTE: '0', LOG_LEVEL: 'error' },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  try {
    await new Promise<void>((resolve, reject) => {
      child.stdout!.on('data', (chunk: Buffer) => chunk.toString().includes('listening') && resolve());
      child.on('exit', (code) => reject(new Error(`API exited with ${code}`)));
    });
    const secret = resolveJwtSecret({ dataDir, production: false });
    const token = await mintToken({ sub: 'latency', role: 'ADMIN' }, secret);
    const url = `http://127.0.0.1:${port}/graphql`;
    const gql = async (query: string, variables: Record<string, unknown> = {}) => {
      const response = await fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
        body: JSON.stringify({ query, variables }),
      });
      const body = (await response.json()) as { data?: Record<string, unknown>; errors?: unknown[] };
      if (body.errors) throw new Error(JSON.stringify(body.errors).slice(0, 500));
      return body.data!;
    };
    // Wait until the read models have caught up with the log.
    for (;;) {
      const health = (await (await fetch(`http://127.0.0.1:${port}/health`)).json()) as { readModels: { lagEvents: number } };
      if (health.readModels.lagEvents === 0) break;
      await new Promise((r) => setTimeout(r, 500));
    }
    const events = (await gql('{ events(first: 1) { edges { cursor } } }')) as unknown;
    void events;
    const teams = (await gql('{ teams { id reps { id } } }')).teams as Array<{ id: string; reps: Array<{ id: string }> }>;
    const team = teams.sort((a, b) => b.reps.length - a.reps.length)[0]!;
    const repId = team.reps[0]!.id;
    const deal = ((await gql('{ deals(first: 1) { edges { node { id } } } }')).deals as { edges: Array<{ node: { id: string } }> }).edges[0]!.node.id;
    const period = { from: '2026-07-01', to: '2026-09-30' };
    const year = { from: '2025-10-01', to: '2026-09-30' };
    const reports: Array<[string, string, Record<string, unknown>]> = [
      ['teamPerformance', 'query($t: ID!, $p: PeriodInput!) { teamPerformance(teamId: $t, period: $p) { kpis { wonValue winRate quota quotaAttainment openPipelineValue } reps { repId kpis { wonValue } } } }', { t: team.id, p: period }],
      ['repPerformance', 'query($r: ID!, $p: PeriodInput!) { repPerformance(repId: $r, period: $p) { kpis { wonValue winRate quota } } }', { r: repId, p: period }],
      ['leaderboard', 'query($t: ID!, $p: PeriodInput!) { leaderboard(teamId: $t, period: $p, metric: WON_VALUE) { repId kpis { wonValue } } }', { t: team.id, p: period }],
      ['pipeline (now)', 'query($t: ID!) { pipeline(teamId: $t) { dealCount openPipelineValue stages { stage value } } }', { t: team.id }],
      ['pipeline (asOf a year ago)', 'query($t: ID!) { pipeline(teamId: $t, asOf: "2025-11-27T00:00:00Z") { dealCount openPipelineValue } }', { t: team.id }],
      ['stageFunnel', 'query($t: ID!, $p: PeriodInput!) { stageFunnel(teamId: $t, period: $p) { stage entered advanced conversion } }', { t: team.id, p: period }],
      ['channelPerformance', 'query($t: ID!, $p: PeriodInput!) { channelPerformance(teamId: $t, period: $p) { channel wonValue share } }', { t: team.id, p: period }],
      ['channelHistory', 'query($r: ID!) { channelHistory(repId: $r) { channel from to } }', { r: repId }],
      ['keyAccounts (year, all)', 'query($p: PeriodInput!) { keyAccounts(period: $p) { totalRevenue hhi accounts { rank tier } } }', { p: year }],
      ['competitorAnalysis (year)', 'query($p: PeriodInput!) { competitorAnalysis(period: $p) { competitor wonAgainst lostTo } }', { p: year }],
      ['repTraining', 'query($r: ID!) { repTraining(repId: $r) { sessionsAttended } }', { r: repId }],
      ['trainingEffectiveness', '{ trainingEffectiveness(days: 90) { skill sessions winRateBefore winRateAfter } }', {}],
      ['deals(first: 50)', '{ deals(first: 50) { edges { node { id title value stage rep { name } } } } }', {}],
      ['deal(asOf)', 'query($d: ID!) { deal(id: $d, asOf: "2026-06-01T00:00:00Z") { stage value } }', { d: deal }],
      ['events(first: 100)', '{ events(first: 100) { edges { node { position type } } } }', {}],
    ];
    const rows: string[] = [];
    for (const [name, query, variables] of reports) {
      let failed: string | undefined;
      for (let i = 0; i < 5; i++) await gql(query, variables).catch((e: Error) => (failed = e.message)); // warm-up
      if (failed) {
        rows.push(`| ${name} | — | — | ${failed.slice(0, 120)} |`);
        continue;
      }
      const times: number[] = [];
      for (let i = 0; i < perReport; i++) {
        const start = performance.now();
        await gql(query, variables);
        times.push(performance.now() - start);
      }
      times.sort((a, b) => a - b);
      rows.push(`| ${name} | ${percentile(times, 50).toFixed(1)} | ${percentile(times, 99).toFixed(1)} | |`);
    }
    const head = await (await fetch(`http://127.0.0.1:${port}/health`)).json() as { eventStore: { headPosition: string } };
    process.stdout.write(`events in the log: ${head.eventStore.headPosition}; team ${team.id} (${team.reps.length} reps); ${perReport} sequential requests per report after 5 warm-up\n`);
    process.stdout.write(`| report | p50 ms | p99 ms | note |\n|---|---|---|---|\n${rows.join('\n')}\n`);
  } finally {
    child.kill('SIGTERM');
    await new Promise((r) => setTimeout(r, 500));
    rmSync(dataDir, { recursive: true, force: true });
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
