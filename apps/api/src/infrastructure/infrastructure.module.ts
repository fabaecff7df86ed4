import { Global, Module, type DynamicModule, type OnApplicationShutdown, Inject } from '@nestjs/common';
import { CommandExecutor, EVENT_STORE, type EventStore } from '@kam/event-store';
import type { AppConfig } from '../config/config';

export const APP_CONFIG = 'kam:AppConfig';

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
