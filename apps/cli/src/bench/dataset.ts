import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { openSqliteEventStore } from '@kam/event-store';
import { openReadStore, rebuildProjections, removeSqliteFile, type Projection, type RebuildResult } from '@kam/read-store';
import { ProgressBar } from '../progress';
import { rebuildOffload } from './rebuild';

/** The benchmark organisation: 10 teams of 10 reps, two years, enough deals for ≥ 1,000,000 events. */
export const BENCH_ORGANISATION: DatasetOrganisation = {
  teams: 10,
  reps: 100,
  accounts: 5000,
  months: 24,
  seed: 42,
  dealsPerRepPerMonth: 72,
};
/** `npm run bench -- --smoke`: a small set to try the bench end to end in a minute (figures not comparable). */
export const SMOKE_ORGANISATION: DatasetOrganisation = {
  teams: 10,
  reps: 100,
  accounts: 500,
  months: 4,
  seed: 42,
  dealsPerRepPerMonth: 4,
};

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

export interface GenerationMarker {
  format: number;
  organisation: DatasetOrganisation;
  /** Last day of the history (YYYY-MM-DD): the bench's periods are chosen inside it. */
  end: string;
  events: number;
  generatedAt: string;
  generation: { method: string; elapsedMs: number; eventsPerSecond: number; summary: string };
}

export interface DatasetMarker extends GenerationMarker {
  /** The full rebuild of every read model that built the cached read models. */
  fullRebuild: {
    elapsedMs: number;
    eventsPerSecond: number;
    measuredAt: string;
    projections: Array<{ name: string; ms: number; eventsPerSecond: number; applyMs?: number }>;
  };
  /**
   * Name → version of the projections that built the read models: code with other versions
   * rebuilds them (from the same events) instead of the API doing it at start under the bench.
   */
  projectionVersions?: Record<string, number>;
}

function versionsOf(projections: readonly Projection[]): Record<string, number> {
  return Object.fromEntries(projections.map((p) => [p.name, p.version]));
}

/** The cached read models were built by projections of exactly these names and versions. */
export function readModelsCurrent(marker: DatasetMarker, projections: readonly Projection[]): boolean {
  return JSON.stringify(marker.projectionVersions) === JSON.stringify(versionsOf(projections));
}

/** Written once the events are in place; the read models are built after it. */
const EVENTS_MARKER = 'bench-events.json';
/** Written last, once the read models are built too. */
const MARKER = 'bench-dataset.json';

function readJson<T>(file: string): T | undefined {
  return existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as T) : undefined;
}

function matches(
  marker: GenerationMarker | undefined,
  organisation: DatasetOrganisation,
  minEvents: number,
): boolean {
  return (
    marker !== undefined &&
    marker.format === DATASET_FORMAT &&
    JSON.stringify(marker.organisation) === JSON.stringify(organisation) &&
    marker.events >= minEvents
  );
}

/**
 * The ≥ 1M-event data set, generated once into `dir` and reused while its markers match, in two
 * resumable steps: (1) events through the real command handlers against an in-memory store,
 * bulk-loaded into SQLite (`npm run seed -- --fast`, in a child process so its heap is gone
 * afterwards); (2) every read model built by a full rebuild (measured; recorded in the marker).
 */
export async function ensureDataset(
  dir: string,
  projections: readonly Projection[],
  log: (line: string) => void,
  organisation: DatasetOrganisation = BENCH_ORGANISATION,
  minEvents = MIN_EVENTS,
): Promise<DatasetMarker> {
  const done = readJson<DatasetMarker>(join(dir, MARKER));
  if (done && matches(done, organisation, minEvents) && readModelsCurrent(done, projections)) return done;
  const previous = readJson<GenerationMarker>(join(dir, EVENTS_MARKER));
  const generated =
    previous && matches(previous, organisation, minEvents) && existsSync(join(dir, 'events.sqlite'))
      ? previous
      : await generateEvents(dir, organisation, minEvents, log);
  log(`building the read models of the benchmark data set (once; reused while ${MARKER} matches)`);
  const fullRebuild = await buildReadModels(dir, projections, generated.events);
  const marker: DatasetMarker = { ...generated, fullRebuild, projectionVersions: versionsOf(projections) };
  writeFileSync(join(dir, MARKER), `${JSON.stringify(marker, null, 2)}\n`);
  return marker;
}

async function generateEvents(
  dir: string,
  organisation: DatasetOrganisation,
  minEvents: number,
  log: (line: string) => void,
): Promise<GenerationMarker> {
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  const now = new Date();
  const endDay = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate()))
    .toISOString()
    .slice(0, 10);
  log(`generating the benchmark events in ${dir} (once; reused while ${EVENTS_MARKER} matches)`);
  const started = performance.now();
  const output = await runSeedChild(dir, endDay, organisation);
  const elapsedMs = performance.now() - started;
  const store = await openSqliteEventStore({ file: join(dir, 'events.sqlite') });
  const events = Number((await store.headPosition()) ?? 0);
  await store.close();
  if (events < minEvents) {
    throw new Error(
      `the generated data set has ${events} events, fewer than ${minEvents}; raise dealsPerRepPerMonth`,
    );
  }
  const generated: GenerationMarker = {
    format: DATASET_FORMAT,
    organisation,
    end: endDay,
    events,
    generatedAt: new Date().toISOString(),
    generation: {
      method:
        'npm run seed -- --fast: real command handlers on an in-memory EventStore, then bulk-loaded into SQLite',
      elapsedMs: Math.round(elapsedMs),
      eventsPerSecond: Math.round(events / (elapsedMs / 1000)),
      summary: output.trim(),
    },
  };
  writeFileSync(join(dir, EVENTS_MARKER), `${JSON.stringify(generated, null, 2)}\n`);
  return generated;
}

async function buildReadModels(
  dir: string,
  projections: readonly Projection[],
  events: number,
): Promise<DatasetMarker['fullRebuild']> {
  removeSqliteFile(join(dir, 'read-models.sqlite'));
  const store = await openSqliteEventStore({ file: join(dir, 'events.sqlite') });
  const readStore = await openReadStore({ sqliteFile: join(dir, 'read-models.sqlite') });
  const started = performance.now();
  let results: RebuildResult[];
  try {
    const bar = new ProgressBar({ label: 'read models', unit: 'events', total: events });
    const processed = new Map<string, number>();
    results = await rebuildProjections({
      store,
      readStore,
      projections,
      dropOldAfterMs: 0,
      offload: rebuildOffload(join(dir, 'events.sqlite'), join(dir, 'read-models.sqlite.rebuild-side')),
      onProgress: (p) => {
        processed.set(p.projection, p.processed);
        // One projection after another, or one pass for all: the mean over projections is the share done.
        let sum = 0;
        for (const n of processed.values()) sum += n;
        bar.update(sum / projections.length);
      },
    });
    bar.finish();
  } finally {
    await store.close();
    await readStore.close();
  }
  const elapsedMs = performance.now() - started;
  return {
    elapsedMs: Math.round(elapsedMs),
    eventsPerSecond: Math.round(events / (elapsedMs / 1000)),
    measuredAt: new Date().toISOString(),
    projections: results.map((r) => ({
      name: r.projection,
      ms: r.durationMs,
      eventsPerSecond: r.eventsPerSecond,
      ...('applyMs' in r && typeof r.applyMs === 'number' ? { applyMs: r.applyMs } : {}),
    })),
  };
}

function runSeedChild(dir: string, end: string, o: DatasetOrganisation): Promise<string> {
  const args = [
    '--max-old-space-size=6144',
    '-r',
    '@swc-node/register',
    resolve('apps/cli/src/main.ts'),
    'seed',
    '--fast',
    ...[
      '--data-dir',
      dir,
      '--teams',
      `${o.teams}`,
      '--reps',
      `${o.reps}`,
      '--accounts',
      `${o.accounts}`,
      '--months',
      `${o.months}`,
    ],
    ...['--seed', `${o.seed}`, '--deals-per-rep-month', `${o.dealsPerRepPerMonth}`, '--end', end],
  ];
  return new Promise((resolvePromise, reject) => {
    const child = spawn(process.execPath, args, {
      stdio: ['ignore', 'pipe', 'inherit'],
      env: { ...process.env, LOG_LEVEL: 'error' },
    });
    let out = '';
    child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
    child.on('error', reject);
    child.on('exit', (code) =>
      code === 0 ? resolvePromise(out) : reject(new Error(`seed --fast exited with ${code}: ${out}`)),
    );
  });
}
