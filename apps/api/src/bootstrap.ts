import 'reflect-metadata';
import { createHash } from 'node:crypto';
import helmet from '@fastify/helmet';
import rateLimit from '@fastify/rate-limit';
import Fastify, { type FastifyRequest } from 'fastify';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import type { LogLevel } from '@nestjs/common';
import { resolveJwtSecret } from '@kam/auth';
import { RateLimitedError } from '@kam/kernel';
import { QUERY_CACHE, type QueryCache } from '@kam/reporting';
import { AppModule } from './app.module';
import { registerGraphqlHttpCompliance } from './graphql/http-compliance';
import { GRAPHQL_CONTEXT, type AuthenticatedContext } from './graphql/context';
import { registerResponseCache } from './graphql/response-cache';
import type { AppConfig } from './config/config';
import { openEventStore } from './infrastructure/event-store-factory';
import { openConfiguredReadStore, projectsOnWorker } from './read-side/engine-factory';

const LOG_LEVELS: Record<string, LogLevel[]> = {
  silent: [],
  error: ['fatal', 'error'],
  warn: ['fatal', 'error', 'warn'],
  info: ['fatal', 'error', 'warn', 'log'],
  debug: ['fatal', 'error', 'warn', 'log', 'debug'],
};

/** The headers @fastify/helmet sets with these options, taken once from a throwaway Fastify instance. */
export async function helmetHeaders(options: Parameters<typeof helmet>[1]): Promise<Record<string, string>> {
  const probe = Fastify({ logger: false });
  try {
    await probe.register(helmet, options);
    probe.get('/', async () => '');
    const response = await probe.inject({ method: 'GET', url: '/' });
    const bare = Fastify({ logger: false });
    bare.get('/', async () => '');
    const plain = await bare.inject({ method: 'GET', url: '/' });
    await bare.close();
    const headers: Record<string, string> = {};
    for (const [name, value] of Object.entries(response.headers)) {
      if (plain.headers[name] === undefined && typeof value === 'string') headers[name] = value;
    }
    return headers;
  } finally {
    await probe.close();
  }
}

/** Builds the API application (not listening yet): used by main.ts and by the e2e tests. */
export async function createApp(config: AppConfig): Promise<NestFastifyApplication> {
  const store = await openEventStore(config);
  const readStore = await openConfiguredReadStore(config, { writes: !projectsOnWorker(config) });
  const jwtSecret = resolveJwtSecret({ configured: config.jwtSecret, dataDir: config.dataDir, production: config.production });
  const adapter = new FastifyAdapter({ bodyLimit: 1_048_576, trustProxy: false });
  const app = await NestFactory.create<NestFastifyApplication>(AppModule.forRoot(config, store, readStore, jwtSecret), adapter, {
    logger: LOG_LEVELS[config.logLevel] ?? LOG_LEVELS.info,
    abortOnError: false,
  });
  app.enableShutdownHooks();
  registerGraphqlHttpCompliance(app.getHttpAdapter().getInstance());
  if (config.queryCacheKib > 0) {
    registerResponseCache(app.getHttpAdapter().getInstance(), {
      cache: app.get<QueryCache>(QUERY_CACHE, { strict: false }),
      contextOf: app.get<(request: FastifyRequest) => Promise<AuthenticatedContext>>(GRAPHQL_CONTEXT),
    });
  }
  // GraphiQL (development only) loads its assets inline; production keeps helmet's default CSP.
  const securityHeaders = await helmetHeaders({ contentSecurityPolicy: config.production ? undefined : false });
  // @fastify/helmet builds helmet's middleware anew for every request (~4 % of the CPU of a cached
  // read); without CSP nonces its headers never vary, so they are computed once and set as they are.
  app
    .getHttpAdapter()
    .getInstance()
    .addHook('onRequest', (_request, reply, done) => {
      reply.headers(securityHeaders);
      done();
    });
  if (config.rateLimitPerMinute > 0) {
    // Registered as an explicit onRequest hook: the GraphQL route is added by Nest/Mercurius, and
    // the plugin's own route hook would not see it.
    const fastify = app.getHttpAdapter().getInstance();
    await fastify.register(rateLimit, { global: false });
    fastify.addHook(
      'onRequest',
      fastify.rateLimit({
        max: config.rateLimitPerMinute,
        timeWindow: 60_000,
        // Per token (hashed, never stored in clear), else per address.
        keyGenerator: (request) => {
          const auth = request.headers.authorization;
          return auth ? `t:${createHash('sha256').update(auth).digest('base64url')}` : `ip:${request.ip}`;
        },
        allowList: (request) => request.url === '/health' || request.url === '/metrics',
        // Thrown from the hook, it reaches the GraphQL error formatter like any other error.
        errorResponseBuilder: (_request, context) => new RateLimitedError(context.max, Math.ceil(context.ttl / 1000)),
      }),
    );
  }
  return app;
}
