import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { openSqliteEventStore } from '@kam/event-store';
import { openReadStore, rebuildProjections, type Projection, type RebuildResult } from '@kam/read-store';
import { ProgressBar } from '../progress';

/** The benchmark organisation: 10 teams of 10 reps, two years, enough deals for ≥ 1,000,000 events. */
export const BENCH_ORGANISATION: DatasetOrganisation = { teams: 10, reps: 100, accounts: 5000, months: 24, seed: 42, dealsPerRepPerMonth: 72 };
/** `npm run bench -- --smoke`: a small set to try the bench end to end in a minute (figures not comparable). */
export const SMOKE_ORGANISATION: DatasetOrganisation = { teams: 10, reps: 100, accounts: 500, months: 4, seed: 42, dealsPerRepPerMonth: 4 };

export interface DatasetOrganisation {
  teams: number;
  reps: number;
  accounts: number;
  months: number;
  seed: number;
  dealsPerRepPerMonth: number;
}
export const MIN_EVENTS = 1_000_000;
/** Bump when the generator changes what it writes, so an old cache is rebuilt. */
export const DATASET_FORMAT = 1;

export interface DatasetMarker {
  format: number;
  organisation: DatasetOrganisation;
  /** Last day of the history (YYYY-MM-DD): the bench's periods are chosen inside it. */
  end: string;
  events: number;
  generatedAt: string;
  generation: { method: string; elapsedMs: number; eventsPerSecond: number; summary: string };
  /** The full rebuild of every read model that built the cached read models. */
  fullRebuild: { elapsedMs: number; eventsPerSecond: number; projections: Array<{ name: string; ms: number; eventsPerSecond: number }> };
}

const MARKER = 'bench-dataset.json';

export function readMarker(dir: string, organisation: DatasetOrganisation, minEvents: number): DatasetMarker | undefined {
  const file = join(dir, MARKER);
  if (!existsSync(file)) return undefined;
  const marker = JSON.parse(readFileSync(file, 'utf8')) as DatasetMarker;
  const same = marker.format === DATASET_FORMAT && JSON.stringify(marker.organisation) === JSON.stringify(organisation);
  return same && marker.events >= minEvents ? marker : undefined;
}

/**
 * The ≥ 1M-event data set, generated once into `dir` and reused while its marker matches:
 * events through the real command handlers against an in-memory store, bulk-loaded into SQLite
 * (`npm run seed -- --fast`, in a child process so its heap is gone afterwards), then every read
 * model built by a full rebuild (measured; recorded in the marker). The marker is written last,
 * so an interrupted build is redone.
 */
export async function ensureDataset(
  dir: string,
  projections: readonly Projection[],
  log: (line: string) => void,
  organisation: DatasetOrganisation = BENCH_ORGANISATION,
  minEvents = MIN_EVENTS,
): Promise<DatasetMarker> {
  const existing = readMarker(dir, organisation, minEvents);
  if (existing) return existing;
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  const end = new Date(Date.UTC(new Date().getUTCFullYear(), new Date().getUTCMonth(), new Date().getUTCDate()));
  const endDay = end.toISOString().slice(0, 10);
  log(`building the benchmark data set in ${dir} (once; reused while ${MARKER} matches)`);
  const started = performance.now();
  const output = await runSeedChild(dir, endDay, organisation);
  const generationMs = performance.now() - started;

  const store = await openSqliteEventStore({ file: join(dir, 'events.sqlite') });
  const readStore = await openReadStore({ sqliteFile: join(dir, 'read-models.sqlite') });
  let results: RebuildResult[];
  const head = Number((await store.headPosition()) ?? 0);
  const rebuildStarted = performance.now();
  try {
    const bar = new ProgressBar({ label: 'read models', unit: 'events', total: head * projections.length });
    let done = 0;
    results = await rebuildProjections({
      store,
      readStore,
      projections,
      dropOldAfterMs: 0,
      onProgress: (p) => {
        bar.update(done + p.processed);
        if (p.done) done += p.processed;
      },
    });
    bar.finish();
  } finally {
    await store.close();
    await readStore.close();
  }
  const rebuildMs = performance.now() - rebuildStarted;
  if (head < minEvents) throw new Error(`the generated data set has ${head} events, fewer than ${minEvents}; raise dealsPerRepPerMonth`);
  const marker: DatasetMarker = {
    format: DATASET_FORMAT,
    organisation,
    end: endDay,
    events: head,
    generatedAt: new Date().toISOString(),
    generation: {
      method: 'npm run seed -- --fast: real command handlers on an in-memory EventStore, then bulk-loaded into SQLite',
      elapsedMs: Math.round(generationMs),
      eventsPerSecond: Math.round(head / (generationMs / 1000)),
      summary: output.trim(),
    },
    fullRebuild: {
      elapsedMs: Math.round(rebuildMs),
      eventsPerSecond: Math.round(head / (rebuildMs / 1000)),
      projections: results.map((r) => ({ name: r.projection, ms: r.durationMs, eventsPerSecond: r.eventsPerSecond })),
    },
  };
  writeFileSync(join(dir, MARKER), `${JSON.stringify(marker, null, 2)}\n`);
  return marker;
}

function runSeedChild(dir: string, end: string, o: DatasetOrganisation): Promise<string> {
  const args = [
    '--max-old-space-size=6144',
    '-r',
    '@swc-node/register',
    resolve('apps/cli/src/main.ts'),
    'seed',
    '--fast',
    ...['--data-dir', dir, '--teams', `${o.teams}`, '--reps', `${o.reps}`, '--accounts', `${o.accounts}`, '--months', `${o.months}`],
    ...['--seed', `${o.seed}`, '--deals-per-rep-month', `${o.dealsPerRepPerMonth}`, '--end', end],
  ];
  return new Promise((resolvePromise, reject) => {
    const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'inherit'], env: { ...process.env, LOG_LEVEL: 'error' } });
    let out = '';
    child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
    child.on('error', reject);
    child.on('exit', (code) => (code === 0 ? resolvePromise(out) : reject(new Error(`seed --fast exited with ${code}: ${out}`))));
  });
}
