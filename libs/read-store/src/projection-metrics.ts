import { Counter, Gauge, register as defaultRegistry, type Registry } from 'prom-client';

/** What the engine reports per projection (also what /health shows). */
export interface ProjectionStatus {
  name: string;
  version: number;
  /** Generation currently served. */
  generation: number;
  /** Position up to which the served generation has processed the log (handled or skipped events). */
  checkpoint: string | null;
  head: string | null;
  /** Events between checkpoint and head (exact on SQLite positions, estimated otherwise). */
  lagEvents: number;
  /** now − recordedAt of the last processed event when behind; 0 when caught up. */
  lagMs: number;
  parked: number;
  /** running | standby | starting | rebuilding | error | stopped | outdated */
  state: string;
  lastError: string | null;
}

export interface ProjectionStatusSource {
  status(): Promise<ProjectionStatus[]>;
}

const SNAPSHOT_TTL_MS = 200;

/**
 * Prometheus metrics of the projection engine. One instance per registry (metric names are
 * unique in a registry); every engine attached to it contributes its projections. The gauges are
 * computed at scrape time from `status()`, one snapshot shared by the four gauges.
 */
export class ProjectionMetrics {
  private readonly sources = new Set<ProjectionStatusSource>();
  private snapshot: { at: number; value: Promise<ProjectionStatus[]> } | undefined;
  private readonly eventsTotal: Counter<'projection'>;

  constructor(readonly registry: Registry = defaultRegistry) {
    const statuses = () => this.statuses();
    const gauge = (name: string, help: string, pick: (s: ProjectionStatus) => number): void => {
      new Gauge({
        name,
        help,
        labelNames: ['projection'],
        registers: [registry],
        async collect() {
          const current = await statuses();
          this.reset();
          for (const s of current) this.set({ projection: s.name }, pick(s));
        },
      });
    };
    gauge('kam_projection_lag_events', 'Events in the log not yet processed by the projection', (s) => s.lagEvents);
    gauge('kam_projection_lag_ms', 'Milliseconds since the last processed event was recorded, while the projection is behind', (s) => s.lagMs);
    gauge('kam_projection_checkpoint', 'Checkpoint of the projection (numeric part of the position)', (s) => checkpointNumber(s.checkpoint));
    gauge('kam_projection_parked_events', 'Events parked because the projection failed on them', (s) => s.parked);
    this.eventsTotal = new Counter({
      name: 'kam_projection_events_total',
      help: 'Events applied by the projection',
      labelNames: ['projection'],
      registers: [registry],
    });
  }

  attach(source: ProjectionStatusSource): () => void {
    this.sources.add(source);
    return () => this.sources.delete(source);
  }

  countApplied(projection: string, events: number): void {
    if (events > 0) this.eventsTotal.inc({ projection }, events);
  }

  private statuses(): Promise<ProjectionStatus[]> {
    const now = Date.now();
    if (!this.snapshot || now - this.snapshot.at > SNAPSHOT_TTL_MS) {
      const value = Promise.all([...this.sources].map((s) => s.status().catch(() => [] as ProjectionStatus[]))).then((all) => all.flat());
      this.snapshot = { at: now, value };
    }
    return this.snapshot.value;
  }
}

const byRegistry = new WeakMap<Registry, ProjectionMetrics>();

/** The ProjectionMetrics of a registry (created on first use); default: prom-client's global registry. */
export function projectionMetricsFor(registry: Registry = defaultRegistry): ProjectionMetrics {
  let metrics = byRegistry.get(registry);
  if (!metrics) {
    metrics = new ProjectionMetrics(registry);
    byRegistry.set(registry, metrics);
  }
  return metrics;
}

function checkpointNumber(checkpoint: string | null): number {
  if (checkpoint === null) return 0;
  return Number(checkpoint.split(':')[0] ?? 0);
}
