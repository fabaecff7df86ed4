import { Args, ID, Resolver, Subscription } from '@nestjs/graphql';
import { GraphQLError } from 'graphql';
import { KamError } from '@kam/kernel';
import type { RecordedEvent } from '@kam/event-store';
import { CurrentScope, type ReadScope } from '@kam/graphql';
import { TeamsQuery } from '../entities/teams/teams.query';
import { EventRecordModel, toEventRecord } from './event-record.model';
import { LiveEventsHub } from './live-events.hub';
import { StreamScope } from './stream-scope';

@Resolver()
export class SalesEventsResolver {
  constructor(
    private readonly hub: LiveEventsHub,
    private readonly streams: StreamScope,
    private readonly teams: TeamsQuery,
  ) {}

  @Subscription(() => EventRecordModel, {
    description:
      'Live events the caller may see, as they are written (after the read models have them); optionally only those of one team.',
    resolve: (payload: RecordedEvent) => toEventRecord(payload),
  })
  async salesEvents(
    @Args('teamId', { type: () => ID, nullable: true }) teamId: string | null,
    @CurrentScope() scope: ReadScope,
  ): Promise<AsyncIterableIterator<RecordedEvent>> {
    // A team outside the caller's scope reads exactly like a missing one.
    if (teamId) {
      await this.teams.get(teamId, scope).catch((error: unknown) => {
        // Subscription errors bypass the HTTP error formatter: carry the code on the error itself.
        throw error instanceof KamError
          ? new GraphQLError(error.message, { extensions: { code: error.code, ...error.extensions() } })
          : error;
      });
    }
    const team: ReadScope | undefined = teamId ? { kind: 'teams', teamIds: [teamId], trainerId: '' } : undefined;
    return this.hub.iterate(async (event) => {
      if (!(await this.streams.visible([event.streamId], scope)).has(event.streamId)) return false;
      return !team || (await this.streams.visible([event.streamId], team)).has(event.streamId);
    });
  }
}
