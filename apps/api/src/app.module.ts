import { Module, type DynamicModule } from '@nestjs/common';
import { APP_PIPE } from '@nestjs/core';
import { CqrsModule } from '@nestjs/cqrs';
import { GraphQLModule } from '@nestjs/graphql';
import { MercuriusDriver, type MercuriusDriverConfig } from '@nestjs/mercurius';
import type { GraphQLError } from 'graphql';
import type { EventStore } from '@kam/event-store';
import { DateScalar, DateTimeScalar, JSONScalar, MoneyScalar } from '@kam/graphql';
import type { AppConfig } from './config/config';
import { buildContext } from './graphql/context';
import { toPublicError } from './graphql/error-mapping';
import { inputValidationPipe } from './graphql/validation';
import { HealthController } from './health/health.controller';
import { MeResolver } from './me/me.resolver';
import { InfrastructureModule } from './infrastructure/infrastructure.module';
import { contextModules } from './contexts';

@Module({})
export class AppModule {
  static forRoot(config: AppConfig, store: EventStore): DynamicModule {
    return {
      module: AppModule,
      imports: [
        CqrsModule.forRoot(),
        InfrastructureModule.forRoot(config, store),
        GraphQLModule.forRoot<MercuriusDriverConfig>({
          driver: MercuriusDriver,
          autoSchemaFile: true,
          sortSchema: true,
          resolvers: { Money: MoneyScalar, Date: DateScalar, DateTime: DateTimeScalar, JSON: JSONScalar },
          graphiql: !config.production,
          path: '/graphql',
          context: (request) => buildContext(request),
          errorFormatter: (execution) => {
            const errors = (execution.errors ?? []).map((e) => toPublicError(e as GraphQLError));
            const onlyRequestErrors = !execution.data && errors.length > 0;
            const statusCode = onlyRequestErrors && errors.every((e) => e.extensions?.code === 'GRAPHQL_PARSE_FAILED' || e.extensions?.code === 'GRAPHQL_VALIDATION_FAILED') ? 400 : 200;
            return { statusCode, response: { data: execution.data ?? null, errors } };
          },
        }),
        ...contextModules(),
      ],
      controllers: [HealthController],
      providers: [{ provide: APP_PIPE, useFactory: inputValidationPipe }, MeResolver],
    };
  }
}
