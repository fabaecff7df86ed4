import { join } from 'node:path';
import type { Registry } from 'prom-client';
import type { EventStore } from '@kam/event-store';
import { ProjectionEngine, openReadStore, type Projection, type ProjectionEngineOptions, type ReadStore } from '@kam/read-store';
import { ENTITY_PROJECTIONS, REPORT_PROJECTIONS } from '@kam/reporting/projections';
import type { AppConfig } from '../config/config';

// No Nest and no GraphQL here: the projection worker (projection-worker.ts) loads this file, and
// each module it loads costs that thread's heap (the read-side module pulled in ~1,500).

/** Every read model of the product, in one list: the engine, rebuild and the projector use it. */
export function allProjections(): Projection[] {
  return [...ENTITY_PROJECTIONS, ...REPORT_PROJECTIONS];
}

/** How long a query with `atLeastPosition` waits for the read models (product.md §4). */
export const FRESHNESS_TIMEOUT_MS = 5000;

/**
 * The configured read store. `writes: false` (the API's own connection while the projections run
 * on the worker, which checkpoints the file): no WAL checkpoint thread of its own for SQLite.
 */
export async function openConfiguredReadStore(config: AppConfig, options: { writes?: boolean } = {}): Promise<ReadStore> {
  return openReadStore(
    config.databaseUrl
      ? { databaseUrl: config.databaseUrl }
      : { sqliteFile: join(config.dataDir, 'read-models.sqlite'), sqliteBackgroundCheckpoints: options.writes ?? true },
  );
}

/** Whether the API runs the projections on a worker thread (then its own read-store connection only reads). */
export function projectsOnWorker(config: AppConfig): boolean {
  return config.runProjections && config.projectionsThread;
}

export function createEngine(
  config: AppConfig,
  store: EventStore,
  readStore: ReadStore,
  registry: Registry | null,
  hooks: Pick<ProjectionEngineOptions, 'onApplied' | 'onProgress'> = {},
): ProjectionEngine {
  return new ProjectionEngine({
    store,
    readStore,
    projections: allProjections(),
    // With PostgreSQL several instances may run: only the holder of the advisory lock projects.
    useLease: Boolean(config.databaseUrl),
    metricsRegistry: registry,
    ...hooks,
  });
}
