import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import type { LogLevel } from '@nestjs/common';
import { resolveJwtSecret } from '@kam/auth';
import { AppModule } from './app.module';
import type { AppConfig } from './config/config';
import { openEventStore } from './infrastructure/infrastructure.module';

const LOG_LEVELS: Record<string, LogLevel[]> = {
  silent: [],
  error: ['fatal', 'error'],
  warn: ['fatal', 'error', 'warn'],
  info: ['fatal', 'error', 'warn', 'log'],
  debug: ['fatal', 'error', 'warn', 'log', 'debug'],
};

/** Builds the API application (not listening yet): used by main.ts and by the e2e tests. */
export async function createApp(config: AppConfig): Promise<NestFastifyApplication> {
  const store = await openEventStore(config);
  const jwtSecret = resolveJwtSecret({ configured: config.jwtSecret, dataDir: config.dataDir, production: config.production });
  const adapter = new FastifyAdapter({ bodyLimit: 1_048_576, trustProxy: false });
  const app = await NestFactory.create<NestFastifyApplication>(AppModule.forRoot(config, store, jwtSecret), adapter, {
    logger: LOG_LEVELS[config.logLevel] ?? LOG_LEVELS.info,
    abortOnError: false,
  });
  app.enableShutdownHooks();
  return app;
}
