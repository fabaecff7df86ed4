import { Module, type Provider } from '@nestjs/common';
import { EVENT_STORE, type EventStore } from '@kam/event-store';
import type { ReadModelAccess } from '@kam/read-store';
import { EventsFeed } from '../feed/events-feed';
import { FeedResolver } from '../feed/feed.resolver';
import { READ_MODEL_ACCESS } from '../feed/read-freshness';
import { StreamScope } from '../feed/stream-scope';
import { LiveEventsHub } from '../feed/live-events.hub';
import { SalesEventsResolver } from '../feed/sales-events.resolver';
import { AccountsQuery } from './accounts/accounts.query';
import { AccountsResolver } from './accounts/accounts.resolver';
import { EntityLoaderRegistry } from './common/loaders';
import { DealsQuery } from './deals/deals.query';
import { DealsResolver } from './deals/deals.resolver';
import { RepsQuery } from './reps/reps.query';
import { RepsResolver } from './reps/reps.resolver';
import { TeamsQuery } from './teams/teams.query';
import { TeamsResolver } from './teams/teams.resolver';
import { TrainingSessionsQuery } from './training/training.query';
import { TrainingSessionsResolver } from './training/training.resolver';

function queryOf<T>(type: new (access: ReadModelAccess) => T): Provider {
  return {
    provide: type,
    useFactory: (access: ReadModelAccess) => new type(access),
    inject: [READ_MODEL_ACCESS],
  };
}

/**
 * Entity queries (team, rep, account, deal, training sessions), the deal history and the events
 * feed. Expects the app to provide, globally: READ_MODEL_ACCESS (the read store), READ_FRESHNESS
 * (the atLeastPosition wait) and EVENT_STORE. The projections themselves are ENTITY_PROJECTIONS,
 * registered with the projection engine by the app.
 */
@Module({
  providers: [
    queryOf(TeamsQuery),
    queryOf(RepsQuery),
    queryOf(AccountsQuery),
    {
      provide: DealsQuery,
      useFactory: (access: ReadModelAccess, store: EventStore) => new DealsQuery(access, store),
      inject: [READ_MODEL_ACCESS, EVENT_STORE],
    },
    queryOf(TrainingSessionsQuery),
    {
      provide: EntityLoaderRegistry,
      useFactory: (reps: RepsQuery, accounts: AccountsQuery) => new EntityLoaderRegistry(reps, accounts),
      inject: [RepsQuery, AccountsQuery],
    },
    {
      provide: StreamScope,
      useFactory: (
        teams: TeamsQuery,
        reps: RepsQuery,
        accounts: AccountsQuery,
        deals: DealsQuery,
        training: TrainingSessionsQuery,
      ) => new StreamScope({ teams, reps, accounts, deals, training }),
      inject: [TeamsQuery, RepsQuery, AccountsQuery, DealsQuery, TrainingSessionsQuery],
    },
    {
      provide: EventsFeed,
      useFactory: (store: EventStore, streams: StreamScope, deals: DealsQuery) =>
        new EventsFeed(store, streams, deals),
      inject: [EVENT_STORE, StreamScope, DealsQuery],
    },
    TeamsResolver,
    RepsResolver,
    AccountsResolver,
    DealsResolver,
    TrainingSessionsResolver,
    FeedResolver,
    LiveEventsHub,
    SalesEventsResolver,
  ],
  exports: [TeamsQuery, RepsQuery, AccountsQuery, DealsQuery, TrainingSessionsQuery, EventsFeed],
})
export class EntitiesModule {}
