import { CommandBus } from '@nestjs/cqrs';
import { EVENT_STORE, type EventStore } from '@kam/event-store';
import { createApp, loadConfig, type AppConfig } from '@kam/api';
import { parseArgs } from '../args';
import { ProgressBar, formatCount, formatDuration } from '../progress';
import { join } from 'node:path';
import type { ProjectionControl } from '@kam/read-store';
import { catchUpReadModels, seedOrganisation, type SeedOptions, type SeedSummary } from './generator';
import { MemoryEventStore } from './memory-event-store';
import { bulkLoadSqlite } from './bulk-load';
import { createWriteContext } from './write-context';

export const SEED_USAGE =
  'npm run seed -- [--teams 10] [--reps 100] [--accounts 5000] [--months 24] [--seed 42] [--data-dir DIR] ' +
  '[--deals-per-rep-month 6] [--concurrency 1] [--end YYYY-MM-DD] [--fast] [--quiet]';

const DEFAULTS = { teams: 10, reps: 100, accounts: 5000, months: 24, seed: 42 };

/**
 * The API's DI token of its ProjectionEngine (apps/api/src/read-side/read-side.module.ts; not
 * exported through @kam/api's index, hence the literal).
 */
const PROJECTION_ENGINE = 'kam:ProjectionEngine';

/**
 * `npm run seed`: generates an organisation's history into the data directory through the real
 * command handlers (the API application, not listening). The data directory must hold no events;
 * the read models catch up when the API starts.
 */
export async function seedCommand(argv: string[]): Promise<void> {
  const args = parseArgs(argv, {
    teams: 'string',
    reps: 'string',
    accounts: 'string',
    months: 'string',
    seed: 'string',
    'data-dir': 'string',
    'deals-per-rep-month': 'string',
    concurrency: 'string',
    end: 'string',
    quiet: 'boolean',
    fast: 'boolean',
    help: 'boolean',
  });
  if (args.help) {
    process.stdout.write(`${SEED_USAGE}\n`);
    return;
  }
  const options: SeedOptions = {
    teams: intArg(args, 'teams', DEFAULTS.teams),
    reps: intArg(args, 'reps', DEFAULTS.reps),
    accounts: intArg(args, 'accounts', DEFAULTS.accounts),
    months: intArg(args, 'months', DEFAULTS.months),
    seed: intArg(args, 'seed', DEFAULTS.seed, 0),
    concurrency: intArg(args, 'concurrency', 1),
    dealsPerRepPerMonth:
      args['deals-per-rep-month'] === undefined
        ? undefined
        : numberArg(String(args['deals-per-rep-month']), 'deals-per-rep-month'),
    end: args.end === undefined ? undefined : dateArg(String(args.end)),
  };
  const env = { ...process.env, ...(args['data-dir'] ? { KAM_DATA_DIR: String(args['data-dir']) } : {}) };
  // Projections do not run while seeding (event-by-event projection would triple the time): the
  // engine catches up in big batches before each offboarding and once at the end.
  const config: AppConfig = { ...loadConfig(env), demo: false, runProjections: false, logLevel: 'error' };
  if (args.fast && config.eventStoreUrl)
    throw new Error('--fast writes the embedded SQLite store; unset EVENTSTORE_URL');
  const seed = args.fast ? seedDataDirFast : seedDataDir;
  const summary = await seed(config, options, { quiet: Boolean(args.quiet) });
  process.stdout.write(`${formatSummary(summary, config.dataDir)}\n`);
}

/** Seeds the store of `config` (which must be empty) and closes the application. */
export async function seedDataDir(
  config: AppConfig,
  options: SeedOptions,
  output: { quiet?: boolean } = {},
): Promise<SeedSummary & { readModelsMs?: number }> {
  const app = await createApp(config);
  try {
    await app.init();
    const store = app.get<EventStore>(EVENT_STORE);
    const head = await store.headPosition();
    if (head !== undefined) {
      throw new Error(
        `${config.dataDir} already holds events (head position ${head}); seed an empty --data-dir`,
      );
    }
    const engine = app.get<ProjectionControl>(PROJECTION_ENGINE, { strict: false });
    const catchUp = (): Promise<void> => catchUpReadModels(engine, store, { stopAfter: true });
    const bar = output.quiet ? undefined : new ProgressBar({ label: 'seed', unit: 'events' });
    const summary = await seedOrganisation(app.get(CommandBus), { ...options, beforeBarrier: catchUp }, (p) =>
      bar?.update(p.events, p.estimatedEvents),
    );
    bar?.update(summary.events, summary.events);
    bar?.finish();
    const started = performance.now();
    if (!output.quiet) process.stderr.write('projecting the read models…\n');
    await catchUp();
    return { ...summary, readModelsMs: Math.round(performance.now() - started) };
  } finally {
    await app.close();
  }
}

/**
 * The same history through the same handlers, but against an in-memory store, then bulk-loaded
 * into `<dataDir>/events.sqlite` (same ids, JSON and order; positions 1..n). What it skips is the
 * SQLite round trip per command (stream reads and one write transaction each), which dominates the
 * normal path. For large benchmark sets; the file must not exist yet.
 */
export async function seedDataDirFast(
  config: AppConfig,
  options: SeedOptions,
  output: { quiet?: boolean } = {},
): Promise<SeedSummary> {
  const file = join(config.dataDir, 'events.sqlite');
  const store = new MemoryEventStore();
  const context = await createWriteContext(store);
  let summary: SeedSummary;
  try {
    const bar = output.quiet ? undefined : new ProgressBar({ label: 'seed (memory)', unit: 'events' });
    summary = await seedOrganisation(context.commandBus, options, (p) =>
      bar?.update(p.events, p.estimatedEvents),
    );
    bar?.update(summary.events, summary.events);
    bar?.finish();
  } finally {
    await context.close();
  }
  const started = performance.now();
  const load = output.quiet
    ? undefined
    : new ProgressBar({ label: 'bulk load', unit: 'events', total: store.rows.length });
  bulkLoadSqlite(file, store.rows, {
    synchronous: config.sqliteSynchronous,
    onProgress: (n) => load?.update(n),
  });
  load?.update(store.rows.length);
  load?.finish();
  const elapsedMs = summary.elapsedMs + (performance.now() - started);
  // Exact here: every event the handlers wrote is a row.
  return {
    ...summary,
    events: store.rows.length,
    elapsedMs: Math.round(elapsedMs),
    eventsPerSecond: Math.round(store.rows.length / Math.max(elapsedMs / 1000, 1e-3)),
  };
}

export function formatSummary(s: SeedSummary & { readModelsMs?: number }, dataDir: string): string {
  const lines = [
    `Seeded ${dataDir}`,
    `  history          ${s.from.slice(0, 10)} … ${s.to.slice(0, 10)}`,
    `  teams            ${s.teams} (${s.teamList.map((t) => `${t.name}: ${t.supervisorId}`).join(', ')})`,
    `  reps             ${s.repsHired} hired, ${s.repsOffboarded} offboarded, ${s.transfers} transfers, ${s.channelChanges} channel changes`,
    `  accounts         ${formatCount(s.accounts)}`,
    `  deals            ${formatCount(s.dealsOpened)} opened: ${formatCount(s.dealsWon)} won, ${formatCount(s.dealsLost)} lost, ${formatCount(s.dealsOpen)} open`,
    `  trainings        ${s.trainingsScheduled} scheduled, ${s.trainingsCompleted} completed, ${s.trainingsCancelled} cancelled`,
    `  commands         ${formatCount(s.commands)} (concurrency ${s.concurrency})`,
    `  events written   ${formatCount(s.events)}`,
    `  throughput       ${formatCount(s.eventsPerSecond)} events/s`,
    `  elapsed          ${formatDuration(s.elapsedMs / 1000)}`,
    s.readModelsMs === undefined
      ? `Read models catch up when the API starts on this data directory (KAM_DATA_DIR=${dataDir} npm start).`
      : `  read models      projected in ${formatDuration(s.readModelsMs / 1000)}; KAM_DATA_DIR=${dataDir} npm start`,
  ];
  return lines.join('\n');
}

function intArg(args: Record<string, string | boolean>, name: string, fallback: number, min = 1): number {
  const raw = args[name];
  if (raw === undefined) return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < min)
    throw new Error(`--${name} must be an integer >= ${min}, got "${String(raw)}"`);
  return value;
}

function numberArg(raw: string, name: string): number {
  const value = Number(raw);
  if (!Number.isFinite(value) || value <= 0)
    throw new Error(`--${name} must be a positive number, got "${raw}"`);
  return value;
}

function dateArg(raw: string): Date {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(raw) || Number.isNaN(Date.parse(`${raw}T00:00:00Z`))) {
    throw new Error(`--end must be a date YYYY-MM-DD, got "${raw}"`);
  }
  const end = new Date(`${raw}T00:00:00Z`);
  if (end.getTime() > Date.now())
    throw new Error('--end must not be in the future (occurredAt is at most 5 minutes ahead)');
  return end;
}
