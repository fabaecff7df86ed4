import { join } from 'node:path';
import { Global, Inject, Module, type DynamicModule, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { Registry, collectDefaultMetrics } from 'prom-client';
import type { EventStore } from '@kam/event-store';
import { ProjectionEngine, openReadStore, type Projection, type ReadStore } from '@kam/read-store';
import { ENTITY_PROJECTIONS, READ_FRESHNESS, READ_MODEL_ACCESS, REPORT_PROJECTIONS, type ReadFreshness } from '@kam/reporting';
import type { AppConfig } from '../config/config';

export const PROJECTION_ENGINE = 'kam:ProjectionEngine';
export const METRICS_REGISTRY = 'kam:MetricsRegistry';

/** Every read model of the product, in one list: the engine, rebuild and the projector use it. */
export function allProjections(): Projection[] {
  return [...ENTITY_PROJECTIONS, ...REPORT_PROJECTIONS];
}

/** How long a query with `atLeastPosition` waits for the read models (product.md §4). */
export const FRESHNESS_TIMEOUT_MS = 5000;

export async function openConfiguredReadStore(config: AppConfig): Promise<ReadStore> {
  return openReadStore(
    config.databaseUrl ? { databaseUrl: config.databaseUrl } : { sqliteFile: join(config.dataDir, 'read-models.sqlite') },
  );
}

export function createEngine(config: AppConfig, store: EventStore, readStore: ReadStore, registry: Registry | null): ProjectionEngine {
  return new ProjectionEngine({
    store,
    readStore,
    projections: allProjections(),
    // With PostgreSQL several instances may run: only the holder of the advisory lock projects.
    useLease: Boolean(config.databaseUrl),
    metricsRegistry: registry,
  });
}

class ProjectionLifecycle implements OnApplicationBootstrap, OnApplicationShutdown {
  constructor(
    @Inject(PROJECTION_ENGINE) private readonly engine: ProjectionEngine,
    @Inject(READ_MODEL_ACCESS) private readonly readStore: ReadStore,
    private readonly run: boolean,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    if (this.run) await this.engine.start();
  }

  async onApplicationShutdown(): Promise<void> {
    // Commits the batch in flight and its checkpoint before the store closes.
    await this.engine.stop();
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
    const engine = createEngine(config, store, readStore, registry);
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
