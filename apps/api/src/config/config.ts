import { isAbsolute, resolve } from 'node:path';

/** Validated configuration; every variable is named in product.md §6 or the README. */
export interface AppConfig {
  nodeEnv: string;
  production: boolean;
  host: string;
  port: number;
  dataDir: string;
  eventStoreUrl: string | undefined;
  databaseUrl: string | undefined;
  jwtSecret: string | undefined;
  demo: boolean;
  currency: string;
  sqliteSynchronous: 'NORMAL' | 'FULL';
  /** Run projections in this process (default) or leave them to apps/projector. */
  runProjections: boolean;
  /** Run them on a worker thread of this process (default) rather than on the request thread. */
  projectionsThread: boolean;
  logLevel: string;
  /** Requests per minute per token (0 turns the limit off, e.g. for benchmarks). */
  rateLimitPerMinute: number;
  /** Memory for answers kept per read-model version, KiB (0 turns the query cache off). */
  queryCacheKib: number;
}

export class ConfigError extends Error {
  constructor(
    readonly variable: string,
    message: string,
  ) {
    super(`${variable}: ${message}`);
    this.name = 'ConfigError';
  }
}

type Env = Record<string, string | undefined>;

function parsePort(env: Env): number {
  const raw = env.PORT;
  if (raw === undefined || raw === '') return 3000;
  if (!/^\d{1,5}$/.test(raw) || Number(raw) > 65535) {
    throw new ConfigError('PORT', `must be an integer 0..65535, got "${raw}"`);
  }
  return Number(raw);
}

function parseEventStoreUrl(env: Env): string | undefined {
  const raw = env.EVENTSTORE_URL;
  if (raw === undefined || raw === '') return undefined;
  if (!/^(esdb|kurrentdb|kdb|esdb\+discover|kurrentdb\+discover|kdb\+discover):\/\/[^\s/]+/.test(raw)) {
    throw new ConfigError('EVENTSTORE_URL', 'must look like esdb://host:2113?tls=false (or kurrentdb://, esdb+discover://)');
  }
  return raw;
}

function parseDatabaseUrl(env: Env): string | undefined {
  const raw = env.DATABASE_URL;
  if (raw === undefined || raw === '') return undefined;
  if (!/^postgres(ql)?:\/\/\S+$/.test(raw)) {
    throw new ConfigError('DATABASE_URL', 'must be a postgres:// URL');
  }
  return raw;
}

function parseDataDir(env: Env, cwd: string): string {
  const raw = env.KAM_DATA_DIR;
  if (raw === undefined || raw === '') return resolve(cwd, 'data');
  if (raw.includes('\0')) throw new ConfigError('KAM_DATA_DIR', 'must be a path');
  return isAbsolute(raw) ? raw : resolve(cwd, raw);
}

function parseFlag(env: Env, name: string, fallback: boolean): boolean {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  if (['1', 'true', 'yes', 'on'].includes(raw.toLowerCase())) return true;
  if (['0', 'false', 'no', 'off'].includes(raw.toLowerCase())) return false;
  throw new ConfigError(name, `must be 1 or 0, got "${raw}"`);
}

function parseCount(env: Env, name: string, fallback: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  if (!/^\d{1,9}$/.test(raw)) throw new ConfigError(name, `must be a non-negative integer, got "${raw}"`);
  return Number(raw);
}

export function loadConfig(env: Env = process.env, cwd = process.cwd()): AppConfig {
  const nodeEnv = env.NODE_ENV || 'development';
  const production = nodeEnv === 'production';
  const jwtSecret = env.AUTH_JWT_SECRET || undefined;
  if (production && (!jwtSecret || Buffer.byteLength(jwtSecret) < 32)) {
    throw new ConfigError('AUTH_JWT_SECRET', 'must be set to at least 32 bytes when NODE_ENV=production');
  }
  const currency = env.KAM_CURRENCY || 'PLN';
  if (!/^[A-Z]{3}$/.test(currency)) throw new ConfigError('KAM_CURRENCY', `must be an ISO-4217 code, got "${currency}"`);
  const synchronous = (env.KAM_SQLITE_SYNCHRONOUS || 'NORMAL').toUpperCase();
  if (synchronous !== 'NORMAL' && synchronous !== 'FULL') {
    throw new ConfigError('KAM_SQLITE_SYNCHRONOUS', 'must be NORMAL or FULL');
  }
  return {
    nodeEnv,
    production,
    host: env.HOST || '127.0.0.1',
    port: parsePort(env),
    dataDir: parseDataDir(env, cwd),
    eventStoreUrl: parseEventStoreUrl(env),
    databaseUrl: parseDatabaseUrl(env),
    jwtSecret,
    demo: parseFlag(env, 'KAM_DEMO', true),
    currency,
    sqliteSynchronous: synchronous,
    runProjections: parseFlag(env, 'KAM_RUN_PROJECTIONS', true),
    projectionsThread: parseFlag(env, 'KAM_PROJECTIONS_THREAD', true),
    logLevel: env.LOG_LEVEL || 'info',
    rateLimitPerMinute: parseCount(env, 'KAM_RATE_LIMIT_PER_MINUTE', 6000),
    queryCacheKib: parseCount(env, 'KAM_QUERY_CACHE_KIB', 4096),
  };
}
