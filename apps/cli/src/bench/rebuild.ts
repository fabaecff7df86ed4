import { readdirSync, readFileSync } from 'node:fs';
import Database from 'better-sqlite3';
import { openSqliteEventStore } from '@kam/event-store';
import { openReadStore, rebuildProjections, removeSqliteFile, type Projection, type RebuildOffload, type RebuildResult } from '@kam/read-store';
import { workerRebuildOffload } from '@kam/api';
import { ProgressBar } from '../progress';

/**
 * The floor for a rebuild: raw better-sqlite3 paging through the log the way the store does
 * (`position > ? ORDER BY position LIMIT 1000`) and JSON.parse of data and metadata, nothing else.
 */
export function rawReadParse(eventsFile: string): { events: number; per_s: number } {
  const db = new Database(eventsFile, { readonly: true });
  try {
    const page = db.prepare(
      'SELECT position, id, stream_id, revision, type, data, metadata, recorded_at FROM events WHERE position > ? ORDER BY position ASC LIMIT ?',
    );
    const started = performance.now();
    let after = 0;
    let events = 0;
    let checksum = 0;
    for (;;) {
      const rows = page.all(after, 1000) as Array<{ position: number; data: string; metadata: string }>;
      if (rows.length === 0) break;
      for (const row of rows) {
        const data = JSON.parse(row.data) as unknown;
        const metadata = JSON.parse(row.metadata) as { occurredAt: string };
        // Touch the results so the parse cannot be optimised away.
        checksum += metadata.occurredAt.length + (data === null ? 0 : 1);
      }
      events += rows.length;
      after = rows[rows.length - 1]!.position;
    }
    const seconds = (performance.now() - started) / 1000;
    if (checksum === 0) throw new Error('empty log');
    return { events, per_s: Math.round(events / seconds) };
  } finally {
    db.close();
  }
}

export interface RebuildMeasurement {
  events: number;
  /** Every read model rebuilt from the whole log, in this run; null when the budget ran out first. */
  rebuild_per_s: number | null;
  complete: boolean;
  elapsed_s: number;
  budget_s: number | null;
  /** Read models built on a worker thread (RebuildOptions.offload); the rest on the calling thread. */
  worker_projections: string[];
  reason?: string;
  /**
   * CPU seconds (user + system) of the process's threads during the rebuild, from
   * /proc/self/task (Linux; absent elsewhere): the calling thread, the busiest other thread (the
   * rebuild worker when there is one) and all the others together (V8's garbage-collector
   * helpers, SQLite's checkpointer, libuv). On two cores the wall time is about their sum / 2.
   */
  thread_cpu_s?: { calling: number; busiest_other: number; all_others: number };
  /**
   * Per read model: events of the log it had gone through, and (when the rebuild finished) the
   * rebuild's own figures: wall time until its swap and, where the rebuild reports it, the time
   * spent in its write transactions.
   */
  projections: Array<{
    name: string;
    processed: number;
    complete: boolean;
    seconds?: number;
    apply_seconds?: number;
    apply_cpu_seconds?: number;
    per_s?: number;
  }>;
}

/**
 * A full rebuild of every read model (`rebuildProjections` with the API's projection list) from
 * the log into a fresh read-model file, timed end to end. With a budget, the rebuild is aborted
 * when the budget runs out (checked at each progress report, i.e. between batches); the result
 * then says so and carries only what was measured.
 */
export async function measureRebuild(
  eventsFile: string,
  scratchReadModels: string,
  projections: readonly Projection[],
  budgetS: number | null,
  offload?: RebuildOffload,
): Promise<RebuildMeasurement> {
  removeSqliteFile(scratchReadModels);
  const store = await openSqliteEventStore({ file: eventsFile });
  const readStore = await openReadStore({ sqliteFile: scratchReadModels });
  const events = Number((await store.headPosition()) ?? 0);
  const controller = new AbortController();
  const started = performance.now();
  const deadline = budgetS === null ? Infinity : started + budgetS * 1000;
  const progress = new Map<string, { processed: number; complete: boolean }>();
  const bar = new ProgressBar({ label: 'rebuild', unit: 'events', total: events });
  let results: RebuildResult[] | undefined;
  let failure: string | undefined;
  const threads = threadCpuSampler();
  try {
    results = await rebuildProjections({
      store,
      readStore,
      projections,
      dropOldAfterMs: 0,
      signal: controller.signal,
      progressIntervalMs: 500,
      ...(offload ? { offload } : {}),
      onProgress: (p) => {
        // An aborted rebuild may report its projections as done (failed); only results count as finished.
        progress.set(p.projection, {
          processed: p.processed,
          complete: p.done && !controller.signal.aborted,
        });
        // One projection after another, or one pass for all: the mean over projections is the share done.
        let sum = 0;
        for (const row of progress.values()) sum += row.processed;
        bar.update(sum / projections.length);
        if (!p.done && performance.now() > deadline) controller.abort();
      },
    });
  } catch (error) {
    // A read model that fails to rebuild is a finding, not a reason to lose the other figures.
    if (!controller.signal.aborted)
      failure = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
  } finally {
    bar.finish();
    await store.close();
    await readStore.close();
    removeSqliteFile(scratchReadModels);
  }
  const elapsed = (performance.now() - started) / 1000;
  const threadCpu = threads?.stop();
  const complete = results !== undefined && results.length === projections.length;
  const rows = complete
    ? results!.map((r) => ({
        name: r.projection,
        processed: r.processed,
        complete: true,
        seconds: round1(r.durationMs / 1000),
        per_s: r.eventsPerSecond,
        ...('applyMs' in r && typeof r.applyMs === 'number'
          ? { apply_seconds: round1(r.applyMs / 1000) }
          : {}),
        // CPU of the process during its transactions: what the wall time is made of on a busy box.
        ...('applyCpuMs' in r && typeof r.applyCpuMs === 'number'
          ? { apply_cpu_seconds: round1(r.applyCpuMs / 1000) }
          : {}),
      }))
    : projections.map((p) => ({
        name: p.name,
        processed: progress.get(p.name)?.processed ?? 0,
        complete: false,
      }));
  return {
    events,
    rebuild_per_s: complete ? Math.round(events / elapsed) : null,
    complete,
    elapsed_s: round1(elapsed),
    budget_s: budgetS,
    worker_projections: offload ? projections.filter((p) => offload.projections.includes(p.name)).map((p) => p.name) : [],
    ...(threadCpu ? { thread_cpu_s: threadCpu } : {}),
    ...(complete
      ? {}
      : {
          reason: failure
            ? `the rebuild failed: ${failure}`
            : `the rebuild of ${projections.length} read models did not finish within the ${budgetS} s budget ` +
              `(it had read ${Math.max(0, ...rows.map((r) => r.processed)).toLocaleString('en-US')} of ` +
              `${events.toLocaleString('en-US')} events); rerun with --rebuild-budget 0 for a full figure`,
        }),
    projections: rows,
  };
}

/**
 * CPU time of every thread of this process, sampled every 200 ms until `stop` (a thread that ends
 * counts with its last sample): null where /proc/self/task is not there.
 */
function threadCpuSampler(): { stop(): { calling: number; busiest_other: number; all_others: number } } | null {
  const ticks = (): Map<string, number> => {
    const out = new Map<string, number>();
    for (const tid of readdirSync('/proc/self/task')) {
      try {
        const stat = readFileSync(`/proc/self/task/${tid}/stat`, 'utf8');
        // After the command name (in parentheses): state is field 3, utime 14 and stime 15.
        const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
        out.set(tid, Number(fields[11]) + Number(fields[12]));
      } catch {
        // The thread ended between the listing and the read: its last sample stands.
      }
    }
    return out;
  };
  let before: Map<string, number>;
  try {
    before = ticks();
  } catch {
    return null;
  }
  const latest = new Map(before);
  const sample = (): void => {
    for (const [tid, t] of ticks()) latest.set(tid, t);
  };
  const timer = setInterval(sample, 200);
  timer.unref();
  return {
    stop() {
      clearInterval(timer);
      sample();
      // Clock ticks: 100 per second on Linux.
      const seconds = [...latest].map(([tid, t]) => ({ tid, s: (t - (before.get(tid) ?? 0)) / 100 }));
      const calling = seconds.find((x) => x.tid === String(process.pid))?.s ?? 0;
      const others = seconds.filter((x) => x.tid !== String(process.pid)).map((x) => x.s);
      const busiest = Math.max(0, ...others);
      const sum = others.reduce((a, b) => a + b, 0);
      return { calling: round1(calling), busiest_other: round1(busiest), all_others: round1(sum - busiest) };
    },
  };
}

/** The rebuild's second thread: the API's split (REBUILD_WORKER_PROJECTIONS), the log read from `eventsFile`. */
export function rebuildOffload(eventsFile: string, sideFile: string): RebuildOffload {
  return workerRebuildOffload({ events: { file: eventsFile }, sideFile });
}

function round1(n: number): number {
  return Math.round(n * 10) / 10;
}
