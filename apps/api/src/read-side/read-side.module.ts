import { Global, Inject, Module, type DynamicModule, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { Registry, collectDefaultMetrics } from 'prom-client';
import type { EventStore } from '@kam/event-store';
import { projectionMetricsFor, type ProjectionControl, type ReadStore } from '@kam/read-store';
import { READ_FRESHNESS, READ_MODEL_ACCESS, type ReadFreshness } from '@kam/reporting';
import type { AppConfig } from '../config/config';
import { FRESHNESS_TIMEOUT_MS, createEngine, projectsOnWorker } from './engine-factory';
import { ThreadedProjections } from './projection-thread';

export const PROJECTION_ENGINE = 'kam:ProjectionEngine';
export const METRICS_REGISTRY = 'kam:MetricsRegistry';

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
