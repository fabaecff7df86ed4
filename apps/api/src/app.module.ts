import { Module, type DynamicModule } from '@nestjs/common';
import { APP_FILTER, APP_GUARD, APP_PIPE } from '@nestjs/core';
import { CqrsModule } from '@nestjs/cqrs';
import { GraphQLModule } from '@nestjs/graphql';
import { MercuriusDriver, type MercuriusDriverConfig } from '@nestjs/mercurius';
import { GraphQLError, Location } from 'graphql';
import type { EventStore } from '@kam/event-store';
import type { ReadStore } from '@kam/read-store';
import { EntitiesModule, QueryCacheModule, ReportsModule, TeamsQuery } from '@kam/reporting';
import type { AppConfig } from './config/config';
import { GRAPHQL_CONTEXT, connectionContext, memoizedContext, type AuthenticatedContext } from './graphql/context';
import { ReadModelScopeResolver } from './graphql/scope-resolver';
import { httpStatusOf, statusFor, toPublicErrors } from './graphql/error-mapping';
import { wantsGraphqlResponse } from './graphql/http-compliance';
import { DEFAULT_QUERY_LIMITS, assertWithinLimits } from './graphql/query-limits';
import { inputValidationPipe } from './graphql/validation';
import { coerceVariablesLikeGraphqlJs } from './graphql/variables';
import { HealthController } from './health/health.controller';
import { MeResolver } from './me/me.resolver';
import { WritePolicy } from './authorization/write-policy';
import { WritePolicyGuard } from './authorization/write-policy.guard';
import { PassThroughGqlFilter } from './graphql/pass-through.filter';
import { InfrastructureModule } from './infrastructure/infrastructure.module';
import { MetricsController } from './metrics/metrics.controller';
import { allProjections } from './read-side/engine-factory';
import { ReadSideModule } from './read-side/read-side.module';
import { contextModules } from './contexts';

@Module({})
export class AppModule {
  static forRoot(config: AppConfig, store: EventStore, readStore: ReadStore, jwtSecret: string): DynamicModule {
    const teams = new TeamsQuery(readStore);
    const scopes = new ReadModelScopeResolver((sub) => teams.supervisedBy(sub));
    const contextOf = memoizedContext(jwtSecret, scopes);
    return {
      module: AppModule,
      imports: [
        CqrsModule.forRoot(),
        InfrastructureModule.forRoot(config, store),
        ReadSideModule.forRoot(config, store, readStore),
        // Read answers kept per read-model version (libs/reporting/src/common/query-cache.ts).
        ...(config.queryCacheKib > 0 ? [QueryCacheModule.forRoot(readStore, allProjections().map((p) => p.name), { maxBytes: config.queryCacheKib * 1024 })] : []),
        GraphQLModule.forRoot<MercuriusDriverConfig>({
          driver: MercuriusDriver,
          autoSchemaFile: true,
          sortSchema: true,
          graphiql: !config.production,
          path: '/graphql',
          context: (request) => contextOf(request),
          allowBatchedQueries: false,
          // A query text seen before runs as code compiled by graphql-jit (from its second request on):
          // executing 50 deals × 9 fields through graphql-js' generic executor was most of the CPU of a
          // list page. Hooks (auth, limits) run before either executor; errors go through errorFormatter.
          jit: 1,
          // Subscriptions over graphql-ws on the same path; the token travels in connection_init
          // ({ "authorization": "Bearer <token>" }); a missing or bad one closes the connection.
          subscription: {
            onConnect: async ({ payload }) => {
              const context = await connectionContext(payload, jwtSecret, scopes);
              return context ?? false;
            },
          },
          hooks: {
            // Authentication is answered before validation, so introspection needs a token too.
            preValidation: [
              async (_schema, _document, context) => {
                const authError = (context as unknown as AuthenticatedContext).authError;
                if (authError) throw authError;
              },
              // A query that does not parse as GraphQL is read by Mercurius as a JSON AST ("1",
              // "{}", any JSON), which graphql-js validation then crashes on (a TypeError answered
              // as INTERNAL_SERVER_ERROR): only documents graphql's own parser produced go on.
              async (_schema, document) => {
                if (!(document.loc instanceof Location)) {
                  throw new GraphQLError('Syntax Error: the query is not a GraphQL document.', { extensions: { code: 'GRAPHQL_PARSE_FAILED' } });
                }
              },
            ],
            preExecution: [
              // Authentication again: Mercurius runs preValidation only for a document it has not
              // cached yet, so a query text an authenticated caller sent before would otherwise run
              // without a token (introspection answered, `me` failing as INTERNAL_SERVER_ERROR).
              async (_schema, _document, context) => {
                const authError = (context as unknown as AuthenticatedContext).authError;
                if (authError) throw authError;
              },
              // Depth and cost (page sizes from the variables) are checked before execution.
              async (_schema, document, _context, variables) => {
                assertWithinLimits(document, (variables ?? {}) as Record<string, unknown>, DEFAULT_QUERY_LIMITS);
              },
              // Variables coerced by graphql-js even when the query then runs compiled (`jit: 1` above).
              async (schema, document, context, variables) => {
                coerceVariablesLikeGraphqlJs(schema, document, context, variables as Record<string, unknown> | undefined);
              },
            ],
          },
          errorFormatter: (execution, context) => {
            const raw = (execution.errors ?? []) as GraphQLError[];
            const errors = raw.flatMap((e) => toPublicErrors(e));
            const requestError = raw.map(httpStatusOf).find((status) => status !== undefined);
            // Errors before execution (parse, validation, variables, auth): no data at all.
            const beforeExecution = !execution.data && errors.length > 0;
            const strict = wantsGraphqlResponse(context?.reply?.request);
            const statusCode = requestError ?? (beforeExecution && strict ? statusFor(errors) : 200);
            const response = beforeExecution && strict ? { errors } : { data: execution.data ?? null, errors };
            return { statusCode, response: response as { data: null; errors: typeof errors } };
          },
        }),
        ...contextModules(),
        EntitiesModule,
        ReportsModule,
      ],
      controllers: [HealthController, MetricsController],
      providers: [
        { provide: APP_PIPE, useFactory: inputValidationPipe },
        WritePolicy,
        { provide: APP_GUARD, useClass: WritePolicyGuard },
        { provide: APP_FILTER, useClass: PassThroughGqlFilter },
        MeResolver,
        { provide: GRAPHQL_CONTEXT, useValue: contextOf },
      ],
    };
  }
}
