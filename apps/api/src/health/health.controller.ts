import { Controller, Get, Inject, Res } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import { EVENT_STORE, type EventStore } from '@kam/event-store';

/** Liveness plus the event store's reachability; projection lag joins when the read side lands. */
@Controller()
export class HealthController {
  constructor(@Inject(EVENT_STORE) private readonly store: EventStore) {}

  @Get('health')
  async health(@Res() reply: FastifyReply): Promise<void> {
    const storeUp = await this.store.ping().catch(() => false);
    const head = storeUp ? await this.store.headPosition().catch(() => undefined) : undefined;
    const body = {
      status: storeUp ? 'ok' : 'degraded',
      eventStore: { kind: this.store.kind, up: storeUp, headPosition: head ?? null },
    };
    await reply.status(storeUp ? 200 : 503).send(body);
  }
}
