import { join } from 'node:path';
import { Global, Inject, Module, type DynamicModule, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { Registry, collectDefaultMetrics } from 'prom-client';
import type { EventStore } from '@kam/event-store';
import {
  ProjectionEngine,
  openReadStore,
  projectionMetricsFor,
  type Projection,
  type ProjectionControl,
  type ProjectionEngineOptions,
  type ReadStore,
} from '@kam/read-store';
import { ENTITY_PROJECTIONS, READ_FRESHNESS, READ_MODEL_ACCESS, REPORT_PROJECTIONS, type ReadFreshness } from '@kam/reporting';
import type { AppConfig } from '../config/config';
import { ThreadedProjections } from './projection-thread';

export const PROJECTION_ENGINE = 'kam:ProjectionEngine';
export const METRICS_REGISTRY = 'kam:MetricsRegistry';

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

/**
 * The engine the API uses: on a worker thread of this process (default, docs/adr/0007), or on
 * the request thread with KAM_PROJECTIONS_THREAD=0, or — KAM_RUN_PROJECTIONS=0 — an engine that
 * is never started and only follows projection_state for freshness waits and /health.
 */
export function createProjectionControl(config: AppConfig, store: EventStore, readStore: ReadStore, registry: Registry): ProjectionControl & { close?(): Promise<void> } {
  if (projectsOnWorker(config)) {
    return new ThreadedProjections({ config, store, readStore, metrics: projectionMetricsFor(registry) });
  }
  return createEngine(config, store, readStore, registry);
}

class ProjectionLifecycle implements OnApplicationBootstrap, OnApplicationShutdown {
  constructor(
    @Inject(PROJECTION_ENGINE) private readonly engine: ProjectionControl & { close?(): Promise<void> },
    @Inject(READ_MODEL_ACCESS) private readonly readStore: ReadStore,
    private readonly run: boolean,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    if (this.run) await this.engine.start();
  }

  async onApplicationShutdown(): Promise<void> {
    // Commits the batch in flight and its checkpoint before the store closes.
    await this.engine.stop();
    await this.engine.close?.();
    await this.readStore.close();
  }
}

/** The read side inside the API process: read store, projection engine, freshness waits, metrics. */
@Global()
@Module({})
export class ReadSideModule {
  static forRoot(config: AppConfig, store: EventStore, readStore: ReadStore): DynamicModule {
    const registry = new Registry();
    collectDefaultMetrics({ register: registry });
    const engine = createProjectionControl(config, store, readStore, registry);
    const freshness: ReadFreshness = {
      waitFor: async (position) => {
        if (position) await engine.waitForPosition(position, FRESHNESS_TIMEOUT_MS);
      },
    };
    return {
      module: ReadSideModule,
      providers: [
        { provide: READ_MODEL_ACCESS, useValue: readStore },
        { provide: PROJECTION_ENGINE, useValue: engine },
        { provide: READ_FRESHNESS, useValue: freshness },
        { provide: METRICS_REGISTRY, useValue: registry },
        {
          provide: ProjectionLifecycle,
          useFactory: () => new ProjectionLifecycle(engine, readStore, config.runProjections),
        },
      ],
      exports: [READ_MODEL_ACCESS, PROJECTION_ENGINE, READ_FRESHNESS, METRICS_REGISTRY],
    };
  }
}
