import type { INestApplication } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import { mintToken, resolveJwtSecret } from '@kam/auth';
import { EVENT_STORE, type EventStore } from '@kam/event-store';
import type { ProjectionControl } from '@kam/read-store';
import type { AppConfig } from '../config/config';
import { PROJECTION_ENGINE } from '../read-side/read-side.module';
// The generator is shared by `npm run seed`, the bench and this demo; it lives with the CLI and
// depends only on the CommandBus and the contexts' command classes.
// eslint-disable-next-line no-restricted-imports
import {
  catchUpReadModels,
  seedOrganisation,
  type SeedSummary,
  type TeamInfo,
} from '../../../cli/src/seed/generator';

/** Supervisor subjects of the demo teams, fixed so that demo tokens and docs keep working. */
export const DEMO_SUPERVISORS = ['kam-north', 'kam-south', 'kam-west'] as const;

/** The demo organisation: small enough to seed in seconds, two years of history so reports have depth. */
export const DEMO_ORGANISATION = {
  teams: 3,
  reps: 30,
  accounts: 300,
  months: 24,
  seed: 2026,
  dealsPerRepPerMonth: 2,
} as const;

export interface DemoInfo {
  teams: TeamInfo[];
  summary: SeedSummary;
  /** Seeding plus the read models catching up, in ms. */
  elapsedMs: number;
}

/**
 * Seeds the demo organisation when `KAM_DEMO` is on (the default) and the event store is empty,
 * through the real command handlers (an ADMIN history import: `occurredAt` in the past). Returns
 * undefined when nothing was seeded. Projections are paused while seeding (projecting event by
 * event would triple the time) and catch up in batches before each offboarding and at the end.
 */
export async function seedDemoIfEmpty(
  app: INestApplication,
  config: AppConfig,
): Promise<DemoInfo | undefined> {
  if (!config.demo) return undefined;
  const store = app.get<EventStore>(EVENT_STORE);
  if ((await store.headPosition()) !== undefined) return undefined;
  const started = performance.now();
  const engine = app.get<ProjectionControl>(PROJECTION_ENGINE);
  // With KAM_RUN_PROJECTIONS=0 another process (apps/projector) projects: wait for it, never start ours.
  const ours = config.runProjections;
  if (ours) await engine.stop();
  const catchUp = (): Promise<void> => catchUpReadModels(engine, store, { start: ours, stopAfter: ours });
  const summary = await seedOrganisation(app.get(CommandBus), {
    ...DEMO_ORGANISATION,
    supervisorIds: [...DEMO_SUPERVISORS],
    end: new Date(),
    beforeBarrier: catchUp,
  });
  await catchUpReadModels(engine, store, { start: ours, stopAfter: false });
  return { teams: summary.teamList, summary, elapsedMs: Math.round(performance.now() - started) };
}

/**
 * What `npm start` prints after a demo seed: the endpoints, tokens of the local demo (ADMIN, the
 * first demo team's SUPERVISOR, BI_READER; 12 h) and a query to paste. Never the secret itself.
 */
export async function demoBanner(info: DemoInfo, config: AppConfig, baseUrl: string): Promise<string> {
  const secret = resolveJwtSecret({
    configured: config.jwtSecret,
    dataDir: config.dataDir,
    production: config.production,
  });
  const ttl = 12 * 3600;
  const team = info.teams[0]!;
  const [admin, supervisor, bi] = await Promise.all([
    mintToken({ sub: 'demo-admin', role: 'ADMIN' }, secret, ttl),
    mintToken({ sub: team.supervisorId, role: 'SUPERVISOR' }, secret, ttl),
    mintToken({ sub: 'demo-bi', role: 'BI_READER' }, secret, ttl),
  ]);
  const s = info.summary;
  const today = new Date();
  const quarterStart = new Date(Date.UTC(today.getUTCFullYear(), Math.floor(today.getUTCMonth() / 3) * 3, 1));
  const query = `{ teamPerformance(teamId: "${team.id}", period: { from: "${quarterStart.toISOString().slice(0, 10)}", to: "${today.toISOString().slice(0, 10)}" }) { kpis { wonCount wonValue winRate quotaAttainment openPipelineValue } reps { rep { name } kpis { wonValue } } } }`;
  return [
    '',
    `Demo organisation seeded in ${(info.elapsedMs / 1000).toFixed(1)} s: ${s.teams} teams, ${s.repsHired} reps, ${s.accounts} accounts, ` +
      `${s.dealsOpened} deals (${s.dealsWon} won, ${s.dealsLost} lost, ${s.dealsOpen} open), ${s.events} events since ${s.from.slice(0, 10)}.`,
    `  teams: ${info.teams.map((t) => `${t.name} (supervisor ${t.supervisorId}, id ${t.id})`).join('; ')}`,
    '',
    `  GraphQL   ${baseUrl}/graphql`,
    config.production ? '' : `  GraphiQL  ${baseUrl}/graphiql`,
    '',
    'Demo tokens (12 h; send as "Authorization: Bearer <token>"):',
    `  ADMIN       (sub demo-admin)  ${admin}`,
    `  SUPERVISOR  (sub ${team.supervisorId})  ${supervisor}`,
    `  BI_READER   (sub demo-bi)  ${bi}`,
    '',
    'Try (the SUPERVISOR token sees their team):',
    `  curl -s ${baseUrl}/graphql -H 'content-type: application/json' -H "authorization: Bearer ${supervisor}" \\`,
    `    -d '${JSON.stringify({ query })}'`,
    '',
  ]
    .filter((line, i, lines) => line !== '' || lines[i - 1] !== '')
    .join('\n');
}
