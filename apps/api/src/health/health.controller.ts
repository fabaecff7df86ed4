import { Controller, Get, Inject, Res } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import { EVENT_STORE, type EventStore } from '@kam/event-store';
import type { ProjectionControl, ReadStore } from '@kam/read-store';
import { READ_MODEL_ACCESS } from '@kam/reporting';
import { PROJECTION_ENGINE } from '../read-side/read-side.module';

/**
 * Liveness plus what an operator needs at a glance: the event store and read store reachable,
 * each projection's lag (events and ms), state and parked events. 503 when a store is down.
 */
@Controller()
export class HealthController {
  constructor(
    @Inject(EVENT_STORE) private readonly store: EventStore,
    @Inject(READ_MODEL_ACCESS) private readonly readStore: ReadStore,
    @Inject(PROJECTION_ENGINE) private readonly engine: ProjectionControl,
  ) {}

  @Get('health')
  async health(@Res() reply: FastifyReply): Promise<void> {
    const [storeUp, readUp] = await Promise.all([
      this.store.ping().catch(() => false),
      this.readStore.ping().catch(() => false),
    ]);
    const head = storeUp ? await this.store.headPosition().catch(() => undefined) : undefined;
    const projections = readUp ? await this.engine.status().catch(() => []) : [];
    const lagEvents = projections.reduce((max, p) => Math.max(max, p.lagEvents), 0);
    const lagMs = projections.reduce((max, p) => Math.max(max, p.lagMs), 0);
    const parked = projections.reduce((sum, p) => sum + p.parked, 0);
    const up = storeUp && readUp;
    await reply.status(up ? 200 : 503).send({
      status: up ? (parked > 0 ? 'degraded' : 'ok') : 'down',
      eventStore: { kind: this.store.kind, up: storeUp, headPosition: head ?? null },
      readStore: { dialect: this.readStore.dialect, up: readUp },
      readModels: {
        projecting: this.engine.isActive,
        lagEvents,
        lagMs,
        parkedEvents: parked,
        projections: projections.map((p) => ({
          name: p.name,
          state: p.state,
          checkpoint: p.checkpoint,
          lagEvents: p.lagEvents,
          lagMs: p.lagMs,
          parked: p.parked,
          lastError: p.lastError,
        })),
      },
    });
  }
}
