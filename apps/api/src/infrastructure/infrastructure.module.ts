import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { Global, Module, type DynamicModule, type OnApplicationShutdown, Inject } from '@nestjs/common';
import {
  CommandExecutor,
  EVENT_STORE,
  UpcasterRegistry,
  openEsdbEventStore,
  openSqliteEventStore,
  type EventStore,
} from '@kam/event-store';
import type { AppConfig } from '../config/config';
import { upcasters } from './upcasters';

export const APP_CONFIG = 'kam:AppConfig';

export async function openEventStore(config: AppConfig, registry: UpcasterRegistry = upcasters()): Promise<EventStore> {
  if (config.eventStoreUrl) return openEsdbEventStore({ connectionString: config.eventStoreUrl, upcasters: registry });
  mkdirSync(config.dataDir, { recursive: true });
  return openSqliteEventStore({
    file: join(config.dataDir, 'events.sqlite'),
    upcasters: registry,
    synchronous: config.sqliteSynchronous,
  });
}

class EventStoreCloser implements OnApplicationShutdown {
  constructor(@Inject(EVENT_STORE) private readonly store: EventStore) {}
  async onApplicationShutdown(): Promise<void> {
    await this.store.close();
  }
}

/** The write-side infrastructure every context uses: the configured event store and the command executor. */
@Global()
@Module({})
export class InfrastructureModule {
  static forRoot(config: AppConfig, store: EventStore): DynamicModule {
    return {
      module: InfrastructureModule,
      providers: [
        { provide: APP_CONFIG, useValue: config },
        { provide: EVENT_STORE, useValue: store },
        { provide: CommandExecutor, useFactory: (s: EventStore) => new CommandExecutor(s), inject: [EVENT_STORE] },
        EventStoreCloser,
      ],
      exports: [APP_CONFIG, EVENT_STORE, CommandExecutor],
    };
  }
}
