import { Global, Module, type DynamicModule } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { CommandBus, CqrsModule } from '@nestjs/cqrs';
import type { INestApplicationContext } from '@nestjs/common';
import { CommandExecutor, EVENT_STORE, type EventStore } from '@kam/event-store';
import { OrgModule, REP_DEALS_PORT } from '@kam/org';
import { RepDealsService, SalesModule } from '@kam/sales';
import { TrainingModule } from '@kam/training';

/** The write-side infrastructure the contexts expect from their host: the store and the executor. */
@Global()
@Module({})
class SeedInfrastructureModule {
  static forStore(store: EventStore): DynamicModule {
    return {
      module: SeedInfrastructureModule,
      providers: [
        { provide: EVENT_STORE, useValue: store },
        {
          provide: CommandExecutor,
          useFactory: (s: EventStore) => new CommandExecutor(s),
          inject: [EVENT_STORE],
        },
      ],
      exports: [EVENT_STORE, CommandExecutor],
    };
  }
}

/** Org's offboarding port bound to Sales' service, as the API binds it (apps/api/src/wiring). */
@Global()
@Module({
  imports: [SalesModule],
  providers: [{ provide: REP_DEALS_PORT, useExisting: RepDealsService }],
  exports: [REP_DEALS_PORT],
})
class SeedRepDealsWiringModule {}

@Module({})
class SeedWriteModule {
  static forStore(store: EventStore): DynamicModule {
    return {
      module: SeedWriteModule,
      imports: [
        CqrsModule.forRoot(),
        SeedInfrastructureModule.forStore(store),
        OrgModule,
        SalesModule,
        TrainingModule,
        SeedRepDealsWiringModule,
      ],
    };
  }
}

export interface WriteContext {
  commandBus: CommandBus;
  close(): Promise<void>;
}

/**
 * The contexts' write side (the same modules, handlers and executor the API runs) over any
 * EventStore, without HTTP, GraphQL or read models. The bench uses it with MemoryEventStore to
 * generate a million events through the real handlers in a minute instead of many.
 */
export async function createWriteContext(store: EventStore): Promise<WriteContext> {
  const app: INestApplicationContext = await NestFactory.createApplicationContext(
    SeedWriteModule.forStore(store),
    {
      logger: ['fatal', 'error'],
      abortOnError: false,
    },
  );
  await app.init();
  return { commandBus: app.get(CommandBus), close: () => app.close() };
}
