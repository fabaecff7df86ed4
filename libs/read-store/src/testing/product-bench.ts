/**
 * Benchmarks of the read side with the REAL projections of the app (`allProjections()`) over a
 * product-shaped log (testing/product-log.ts) in an SQLite event store.
 *
 *   node -r @swc-node/register libs/read-store/src/testing/product-bench.ts rebuild [--events 1000000] [--log FILE] [--page N] [--pg] [--only NAME]
 *     raw baseline (better-sqlite3 scan + JSON.parse of data and metadata), the port's readAll,
 *     then a full rebuild of every projection into a fresh SQLite read store (and PostgreSQL with --pg).
 *   node -r @swc-node/register libs/read-store/src/testing/product-bench.ts live [--events 100000] [--rate 500] [--seconds 60] [--pg]
 *     the engine catches up over the log, then events are appended at a steady rate; latency is
 *     append start → every projection's committed checkpoint at or past the event (waitForPosition).
 *
 * --log FILE keeps the generated log for the next run (regenerated when it holds fewer events).
 * Env: TEST_DATABASE_URL (default postgres://postgres@127.0.0.1:5432/test).
 */
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { sql } from 'kysely';
import { allProjections } from '@kam/api';
import { openSqliteEventStore, type RecordedEvent } from '@kam/event-store';
import { ProjectionEngine } from '../projection-engine';
import { openReadStore, type ReadStore } from '../read-store';
import { rebuildProjections, type RebuildResult } from '../rebuild';
import { ProductSimulation, writeProductLog } from './product-log';
import { TEST_PG_URL, quietLogger } from './read-store-test-kit';

interface Args {
  mode: string;
  events: number;
  log?: string;
  page?: number;
  pg: boolean;
  only?: string;
  rate: number;
  seconds: number;
  /** Extra SQLite pragmas for the read store, `a=1;b=2` (experiments). */
  pragmas: string[];
  transactionMs?: number;
  maxTransactionEvents?: number;
  /** SQLite page size of the fresh read-store file (experiments). */
  pageSize?: number;
}

function parseArgs(argv: string[]): Args {
  const args: Args = { mode: argv[0] ?? 'rebuild', events: 0, pg: false, rate: 500, seconds: 60, pragmas: [] };
  for (let i = 1; i < argv.length; i++) {
    const flag = argv[i]!;
    const value = () => argv[++i]!;
    if (flag === '--events') args.events = Number(value());
    else if (flag === '--log') args.log = value();
    else if (flag === '--page') args.page = Number(value());
    else if (flag === '--pg') args.pg = true;
    else if (flag === '--only') args.only = value();
    else if (flag === '--rate') args.rate = Number(value());
    else if (flag === '--seconds') args.seconds = Number(value());
    else if (flag === '--pragma') args.pragmas.push(...value().split(';').filter(Boolean));
    else if (flag === '--transaction-ms') args.transactionMs = Number(value());
    else if (flag === '--max-tx') args.maxTransactionEvents = Number(value());
    else if (flag === '--page-size') args.pageSize = Number(value());
    else throw new Error(`Unknown flag ${flag}`);
  }
  if (args.events === 0) args.events = args.mode === 'live' ? 100_000 : 1_000_000;
  return args;
}

const SEED = 7;

/** The log file with at least `count` events (generated unless a kept one is big enough). */
function prepareLog(dir: string, count: number, kept: string | undefined): string {
  const file = kept ?? join(dir, 'events.sqlite');
  if (kept && existsSync(kept)) {
    const db = new Database(kept, { readonly: true });
    const n = Number(db.prepare('SELECT count(*) FROM events').pluck().get());
    db.close();
    if (n === count) {
      console.log(`log: reusing ${kept} (${n} events)`);
      return file;
    }
    for (const suffix of ['', '-wal', '-shm']) rmSync(`${kept}${suffix}`, { force: true });
  }
  const t0 = performance.now();
  writeProductLog(file, count, { seed: SEED });
  console.log(`log: ${count} events generated in ${Math.round(performance.now() - t0)} ms → ${file}`);
  return file;
}

function typeMix(file: string): string {
  const db = new Database(file, { readonly: true });
  const rows = db.prepare('SELECT type, count(*) AS n FROM events GROUP BY type ORDER BY n DESC').all() as Array<{ type: string; n: number }>;
  db.close();
  const total = rows.reduce((s, r) => s + r.n, 0);
  return rows.map((r) => `${r.type} ${((100 * r.n) / total).toFixed(1)}%`).join(', ');
}

/** better-sqlite3 pages of 5000 rows + JSON.parse of data and metadata: the floor of any reader. */
function rawReadParse(file: string): { events: number; perSecond: number } {
  const db = new Database(file, { readonly: true });
  const page = db.prepare('SELECT position, id, stream_id, revision, type, data, metadata, recorded_at FROM events WHERE position > ? ORDER BY position LIMIT ?');
  const t0 = performance.now();
  let cursor = 0;
  let events = 0;
  let sink = 0;
  for (;;) {
    const rows = page.all(cursor, 5000) as Array<{ position: number; data: string; metadata: string }>;
    for (const row of rows) {
      const data = JSON.parse(row.data) as Record<string, unknown>;
      const metadata = JSON.parse(row.metadata) as Record<string, unknown>;
      if (data && metadata) sink += 1;
    }
    events += rows.length;
    if (rows.length < 5000) break;
    cursor = rows[rows.length - 1]!.position;
  }
  const seconds = (performance.now() - t0) / 1000;
  db.close();
  if (sink !== events) throw new Error('unexpected rows');
  return { events, perSecond: Math.round(events / seconds) };
}

async function portReadAll(file: string): Promise<{ events: number; perSecond: number }> {
  const store = await openSqliteEventStore({ file });
  const t0 = performance.now();
  let from: string | undefined;
  let events = 0;
  for (;;) {
    const page: RecordedEvent[] = await store.readAll({ fromPosition: from, maxCount: 5000 });
    events += page.length;
    if (page.length < 5000) break;
    from = page[page.length - 1]!.position;
  }
  const seconds = (performance.now() - t0) / 1000;
  await store.close();
  return { events, perSecond: Math.round(events / seconds) };
}

async function openBenchReadStore(kind: 'sqlite' | 'postgres', dir: string, pageSize?: number): Promise<{ readStore: ReadStore; dispose(): Promise<void> }> {
  if (kind === 'sqlite') {
    const sqliteFile = join(dir, `read-${Date.now()}.sqlite`);
    if (pageSize) {
      const init = new Database(sqliteFile);
      init.pragma(`page_size = ${pageSize}`);
      init.exec('CREATE TABLE page_size_probe (x); DROP TABLE page_size_probe;');
      init.close();
    }
    const readStore = await openReadStore({ sqliteFile });
    return { readStore, dispose: () => readStore.close() };
  }
  const pgSchema = `bench_${Date.now().toString(36)}_${process.pid}`;
  const readStore = await openReadStore({ databaseUrl: TEST_PG_URL, pgSchema, poolSize: 4 });
  return {
    readStore,
    async dispose() {
      await readStore.close();
      const { Client } = await import('pg');
      const client = new Client({ connectionString: TEST_PG_URL });
      await client.connect();
      await client.query(`drop schema if exists "${pgSchema}" cascade`);
      await client.end();
    },
  };
}

async function rebuildBench(args: Args, dir: string): Promise<void> {
  const file = prepareLog(dir, args.events, args.log);
  console.log(`mix: ${typeMix(file)}`);
  const raw = rawReadParse(file);
  console.log(`raw read+parse: ${raw.events} events, ${raw.perSecond} events/s`);
  const port = await portReadAll(file);
  console.log(`port readAll: ${port.events} events, ${port.perSecond} events/s`);

  const projections = allProjections();
  for (const kind of args.pg ? (['sqlite', 'postgres'] as const) : (['sqlite'] as const)) {
    const store = await openSqliteEventStore({ file });
    const db = await openBenchReadStore(kind, dir, args.pageSize);
    if (kind === 'sqlite') for (const p of args.pragmas) await sql.raw(`pragma ${p}`).execute(db.readStore.db);
    try {
      const t0 = performance.now();
      const cpu0 = process.cpuUsage();
      const written0 = bytesWritten();
      const results: RebuildResult[] = await rebuildProjections({
        store,
        readStore: db.readStore,
        projections,
        only: args.only,
        dropOldAfterMs: 0,
        ...(args.transactionMs ? { transactionMs: args.transactionMs } : {}),
        ...(args.maxTransactionEvents ? { maxTransactionEvents: args.maxTransactionEvents } : {}),
        progressIntervalMs: 15_000,
        onOverallProgress: (p) => {
          if (!p.done) console.log(`  … ${p.processed}/${p.total} events, ${p.eventsPerSecond} events/s`);
        },
        ...(args.page ? { batchSize: args.page } : {}),
      });
      const seconds = (performance.now() - t0) / 1000;
      const cpu = process.cpuUsage(cpu0);
      const written = bytesWritten() - written0;
      const parked = await db.readStore.parkedCounts();
      for (const r of results) {
        console.log(
          `  ${r.projection.padEnd(20)} ${String(r.applied).padStart(8)} applied  ${String(r.applyMs ?? '-').padStart(7)} ms writing (${String(r.applyCpuMs).padStart(7)} ms CPU)  ${String(r.durationMs).padStart(7)} ms total  parked ${parked.get(r.projection) ?? 0}`,
        );
      }
      const perSecond = Math.round(raw.events / seconds);
      console.log(
        `${kind} rebuild of ${results.length} projections: ${raw.events} events in ${seconds.toFixed(1)} s = ${perSecond} events/s ` +
          `(${(perSecond / raw.perSecond).toFixed(2)}x raw read+parse); process CPU ${((cpu.user + cpu.system) / 1e6).toFixed(1)} s (${Math.round((cpu.user + cpu.system) / 1e4 / seconds)}% of a core), ` +
          `${(written / 2 ** 30).toFixed(1)} GiB written, load average ${loadavg()[0]!.toFixed(1)}`,
      );
    } finally {
      await db.dispose();
      await store.close();
    }
  }
}

/** Bytes this process has written so far (Linux: /proc/self/io wchar), 0 elsewhere. */
function bytesWritten(): number {
  try {
    return Number(/wchar: (\d+)/.exec(readFileSync('/proc/self/io', 'utf8'))?.[1] ?? 0);
  } catch {
    return 0;
  }
}

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

async function liveBench(args: Args, dir: string): Promise<void> {
  const file = join(dir, 'events.sqlite');
  const t0 = performance.now();
  // Keep the simulation: live appends continue the same history, so nothing is parked.
  const simulation: ProductSimulation = writeProductLog(file, args.events, { seed: SEED, plannedEvents: args.events + args.rate * args.seconds });
  console.log(`log: ${args.events} events generated in ${Math.round(performance.now() - t0)} ms`);
  const store = await openSqliteEventStore({ file });
  const db = await openBenchReadStore(args.pg ? 'postgres' : 'sqlite', dir);
  if (!args.pg) for (const p of args.pragmas) await sql.raw(`pragma ${p}`).execute(db.readStore.db);
  const engine = new ProjectionEngine({ store, readStore: db.readStore, projections: allProjections(), metricsRegistry: null, logger: quietLogger });
  try {
    const t1 = performance.now();
    await engine.start();
    await engine.waitForPosition((await store.headPosition())!, 600_000);
    const catchUp = (performance.now() - t1) / 1000;
    console.log(`catch-up from 0 (engine): ${args.events} events in ${catchUp.toFixed(1)} s = ${Math.round(args.events / catchUp)} events/s`);

    const latencies: number[] = [];
    /** How long store.append itself took (synchronous SQLite: it blocks the engine too). */
    const appendMs: number[] = [];
    const warmupMs = 3000;
    const intervalMs = 1000 / args.rate;
    const started = performance.now();
    const cpu0 = process.cpuUsage();
    const until = started + args.seconds * 1000;
    let sent = 0;
    let failed = 0;
    const inFlight = new Set<Promise<void>>();
    const send = (): void => {
      const e = simulation.next();
      const at = performance.now();
      const appended = store.append(e.streamId, [{ id: e.id, type: e.type, data: e.data, metadata: e.metadata }], e.revision - 1 < 0 ? 'no_stream' : e.revision - 1);
      if (at - started >= warmupMs) appendMs.push(performance.now() - at);
      const p = appended
        .then((r) => engine.waitForPosition(r.position, 10_000))
        .then(
          () => {
            if (at - started >= warmupMs) latencies.push(performance.now() - at);
          },
          () => {
            failed += 1;
          },
        )
        .finally(() => inFlight.delete(p));
      inFlight.add(p);
      sent += 1;
    };
    // A steady rate: every timer tick sends what is due by now (timers fire late under load).
    await new Promise<void>((resolve) => {
      const tick = (): void => {
        const now = performance.now();
        const due = Math.min(Math.floor((now - started) / intervalMs) + 1, Math.floor((until - started) / intervalMs));
        while (sent < due) send();
        if (now >= until) return resolve();
        setTimeout(tick, Math.max(0, started + sent * intervalMs - performance.now()));
      };
      tick();
    });
    await Promise.all([...inFlight]);
    const elapsed = (performance.now() - started) / 1000;
    const cpu = process.cpuUsage(cpu0);
    latencies.sort((a, b) => a - b);
    appendMs.sort((a, b) => a - b);
    const f = (x: number) => x.toFixed(1);
    console.log(
      `live ${args.pg ? 'postgres' : 'sqlite'}: ${sent} appends in ${elapsed.toFixed(1)} s (${Math.round(sent / elapsed)}/s), ${latencies.length} measured, ${failed} timed out; ` +
        `append → all ${allProjections().length} checkpoints: p50 ${f(percentile(latencies, 50))} ms, p90 ${f(percentile(latencies, 90))} ms, ` +
        `p99 ${f(percentile(latencies, 99))} ms, max ${f(latencies[latencies.length - 1] ?? NaN)} ms; ` +
        `process CPU ${Math.round((cpu.user + cpu.system) / 1e4 / elapsed)}% of a core (${Math.round((cpu.user + cpu.system) / sent)} µs per append), load average ${loadavg()[0]!.toFixed(1)}`,
    );
    console.log(
      `  of which store.append (event store, synchronous): p50 ${f(percentile(appendMs, 50))} ms, p99 ${f(percentile(appendMs, 99))} ms, ` +
        `max ${f(appendMs[appendMs.length - 1] ?? NaN)} ms, ${appendMs.filter((x) => x > 10).length} appends over 10 ms`,
    );
    const parked = [...(await db.readStore.parkedCounts()).values()].reduce((s, n) => s + n, 0);
    console.log(`parked events: ${parked}`);
  } finally {
    await engine.stop();
    await db.dispose();
    await store.close();
  }
}

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  const dir = mkdtempSync(join(tmpdir(), 'kam-product-bench-'));
  try {
    if (args.mode === 'rebuild') await rebuildBench(args, dir);
    else if (args.mode === 'live') await liveBench(args, dir);
    else throw new Error(`Unknown mode ${args.mode} (rebuild | live)`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);
