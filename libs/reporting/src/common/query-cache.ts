import { sql } from 'kysely';
import type { ReadScope } from '@kam/graphql';
import type { ReadDb, SqlDialect } from '@kam/read-store';

/**
 * Caching of read answers per read-model state ("caching per checkpoint", issue #7).
 *
 * An answer is kept under (operation, normalized arguments, the caller's resolved ReadScope) and
 * tagged with the read-model *version* it was computed at; it is served only to a request that
 * observes exactly that version. The version is read once per request, after its
 * `atLeastPosition` wait, from `projection_state` (served generation, checkpoint and updated_at of
 * every projection: the engine moves them in the same transaction as the rows it writes — batches,
 * parked retries, generation swaps — whichever process writes) plus the count of parked events and
 * the generations this process reads. Any committed write of any read model therefore changes
 * the version, and the answers of the older version are dropped (never served).
 *
 * An answer that depends on the wall clock (a pipeline "now", a period that has not ended yet) is
 * additionally keyed by the clock in steps of `nowStepMs` (default 1 s): it is the answer as of an
 * instant at most that much earlier, with no write since (a pipeline says which instant in asOf).
 *
 * Concurrent identical requests at one version share one computation. Errors are not kept.
 * Memory is bounded (least recently used answers go first, sizes estimated from their JSON).
 */

/** Reads the read-model version; two different states never give the same string. */
export type ReadModelVersionSource = () => Promise<string>;

export interface QueryCacheOptions {
  /** Upper bound of the answers kept, bytes (estimated as 2 × their JSON length). Default 4 MiB. */
  maxBytes?: number;
  /** At most this many answers. Default 2000. */
  maxEntries?: number;
  /** Clock step of answers that depend on "now", ms. Default 1000. */
  nowStepMs?: number;
  clock?: () => number;
}

interface Entry {
  version: string;
  value: Promise<unknown>;
  bytes: number;
  /** Set once the computation has finished (kept answers only). */
  settled?: boolean;
  result?: unknown;
}

export interface CacheStats {
  hits: number;
  misses: number;
  entries: number;
  bytes: number;
}

export class QueryCache {
  private readonly entries = new Map<string, Entry>();
  private latest: string | undefined;
  private nextRead: Promise<string> | undefined;
  private bytes = 0;
  private hits = 0;
  private misses = 0;
  private readonly maxBytes: number;
  private readonly maxEntries: number;
  private readonly nowStepMs: number;
  private readonly clock: () => number;

  constructor(
    private readonly version: ReadModelVersionSource,
    options: QueryCacheOptions = {},
  ) {
    this.maxBytes = options.maxBytes ?? 4 * 1024 * 1024;
    this.maxEntries = options.maxEntries ?? 2000;
    this.nowStepMs = options.nowStepMs ?? 1000;
    this.clock = options.clock ?? Date.now;
  }

  /** The current clock, as the caches' "now" (resolvers decide with it whether an answer depends on it). */
  now(): number {
    return this.clock();
  }

  stats(): CacheStats {
    return { hits: this.hits, misses: this.misses, entries: this.entries.size, bytes: this.bytes };
  }

  /**
   * The answer of `compute` for these arguments and scope at the current read-model version:
   * from memory when the same question was answered at this version, else computed (and kept).
   * Call it after waiting for `atLeastPosition`. `dependsOnNow`: the answer changes with the clock.
   */
  async get<T>(
    operation: string,
    args: readonly unknown[],
    scope: ReadScope,
    compute: () => Promise<T>,
    options: { dependsOnNow?: boolean } = {},
  ): Promise<T> {
    const version = await this.observeVersion();
    const key = this.keyOf(operation, normalize(args), scope, options.dependsOnNow ?? false);
    const found = this.find(key, version);
    if (found !== undefined) return found.value as Promise<T>;
    const value = compute();
    // Kept only under the version this request observed and only while it is the latest one.
    if (version !== this.latest) return value;
    const entry: Entry = { version, value, bytes: 0 };
    this.put(key, entry);
    value.then(
      (result) => {
        if (this.entries.get(key) !== entry) return;
        deepFreeze(result);
        const bytes = estimateBytes(result);
        if (bytes > this.maxBytes / 4) {
          this.remove(key);
          return;
        }
        entry.settled = true;
        entry.result = result;
        entry.bytes = bytes;
        this.bytes += bytes;
        this.evict();
      },
      () => {
        if (this.entries.get(key) === entry) this.remove(key);
      },
    );
    return value;
  }

  /** Reads the read-model version (after any atLeastPosition wait); a new one drops every kept answer. */
  async observeVersion(): Promise<string> {
    const version = await this.readVersion();
    if (version !== this.latest) {
      // Everything kept belongs to another version: no request at this one can use it.
      this.latest = version;
      this.clear();
    }
    return version;
  }

  /**
   * One read of the version serves every request that asked for it before the read ran: the read
   * is started at the next setImmediate (after the requests of this I/O round), so the state it
   * sees is never older than any of those requests (none gets an answer from before it arrived).
   */
  private readVersion(): Promise<string> {
    let next = this.nextRead;
    if (next === undefined) {
      next = new Promise<string>((resolve, reject) => {
        setImmediate(() => {
          this.nextRead = undefined;
          this.version().then(resolve, reject);
        });
      });
      this.nextRead = next;
    }
    return next;
  }

  /** The key of a question: operation, normalized arguments, scope, and the clock's step when the answer depends on it. */
  keyOf(operation: string, normalizedArgs: string, scope: ReadScope, dependsOnNow: boolean): string {
    const key = `${operation}\u0000${normalizedArgs}\u0000${scopeKey(scope)}`;
    return dependsOnNow ? `${key}\u0000t${Math.floor(this.clock() / this.nowStepMs)}` : key;
  }

  /** A finished answer (not a computation in flight) kept under `key` at `version`, or undefined. */
  peek(key: string, version: string): unknown {
    const found = this.find(key, version);
    return found?.settled ? found.result : undefined;
  }

  /** Keeps a finished answer (e.g. a serialized response) computed at `version`, if that is still the latest. */
  keep(key: string, version: string, result: unknown): void {
    if (version !== this.latest) return;
    const bytes = estimateBytes(result);
    if (bytes > this.maxBytes / 4) return;
    if (typeof result === 'object') deepFreeze(result);
    this.put(key, { version, value: Promise.resolve(result), bytes, settled: true, result });
    this.bytes += bytes;
    this.evict();
  }

  private find(key: string, version: string): Entry | undefined {
    const found = this.entries.get(key);
    if (found === undefined || found.version !== version) {
      this.misses += 1;
      return undefined;
    }
    this.hits += 1;
    // Most recently used last.
    this.entries.delete(key);
    this.entries.set(key, found);
    return found;
  }

  clear(): void {
    this.entries.clear();
    this.bytes = 0;
  }

  private put(key: string, entry: Entry): void {
    const previous = this.entries.get(key);
    if (previous) this.remove(key);
    this.entries.set(key, entry);
    this.evict();
  }

  private remove(key: string): void {
    const entry = this.entries.get(key);
    if (!entry) return;
    this.bytes -= entry.bytes;
    this.entries.delete(key);
  }

  private evict(): void {
    for (const key of this.entries.keys()) {
      if (this.bytes <= this.maxBytes && this.entries.size <= this.maxEntries) return;
      this.remove(key);
    }
  }
}

/** Arguments as a string: object keys sorted, undefined left out (as GraphQL does), arrays in order. */
export function normalize(value: unknown): string {
  // A sorted copy, then JSON.stringify without a replacer: a replacer function takes it off its
  // fast path (normalize was ≈ 4 % of the CPU of a cached teamPerformance request).
  return JSON.stringify(withSortedKeys(value));
}

function withSortedKeys(value: unknown): unknown {
  if (value === null || typeof value !== 'object') return value;
  // What JSON.stringify would serialize (a Date becomes its ISO string).
  const json = (value as { toJSON?: unknown }).toJSON;
  if (typeof json === 'function') return withSortedKeys((json as () => unknown).call(value));
  if (Array.isArray(value)) return value.map(withSortedKeys);
  const sorted: Record<string, unknown> = {};
  for (const key of Object.keys(value).sort()) sorted[key] = withSortedKeys((value as Record<string, unknown>)[key]);
  return sorted;
}

/** The resolved scope as a key: the same readable rows give the same key, and only they. */
export function scopeKey(scope: ReadScope): string {
  switch (scope.kind) {
    case 'all':
      return 'all';
    case 'rep':
      return JSON.stringify(['rep', scope.repId]);
    case 'teams':
      return JSON.stringify(['teams', [...scope.teamIds].sort(), scope.trainerId]);
  }
}

function estimateBytes(value: unknown): number {
  try {
    return 2 * (JSON.stringify(value)?.length ?? 0) + 64;
  } catch {
    return Number.POSITIVE_INFINITY;
  }
}

/** Kept answers are shared by every request that gets them: nobody may change one. */
function deepFreeze(value: unknown): void {
  if (value === null || typeof value !== 'object' || Object.isFrozen(value)) return;
  Object.freeze(value);
  for (const child of Object.values(value)) deepFreeze(child);
}

/** What the version is read from: the read store (its served generations are known to this process). */
export interface VersionedReadStore {
  readonly db: ReadDb;
  readonly dialect: SqlDialect;
  generationOf?(projectionName: string): number;
}

/**
 * The read-model version: `projection_state` (name, served generation, checkpoint and updated_at of
 * every projection) and the count of parked events, in one row and one string (one small query,
 * ~30 µs on SQLite; a dozen rows as objects cost twice that), plus the generations this process
 * currently reads for `projectionNames` (they follow a swap made elsewhere a little later: an
 * answer computed from the old tables must not outlive that).
 */
export function projectionStateVersion(store: VersionedReadStore, projectionNames: readonly string[] = []): ReadModelVersionSource {
  const row = "name || ':' || generation || ':' || coalesce(checkpoint, '') || ':' || updated_at";
  const query =
    store.dialect === 'postgres'
      ? sql<{ v: string | null; parked: number | string }>`select (select string_agg(${sql.raw(row)}, '|' order by name) from projection_state) as v, (select count(*) from parked_events) as parked`
      : sql<{ v: string | null; parked: number | string }>`select (select group_concat(${sql.raw(row)}, '|') from projection_state) as v, (select count(*) from parked_events) as parked`;
  return async () => {
    const { rows } = await query.execute(store.db);
    let version = `${rows[0]?.v ?? ''}#${rows[0]?.parked ?? 0}`;
    if (store.generationOf) for (const name of projectionNames) version += `:${store.generationOf(name)}`;
    return version;
  };
}

/** Dependency-injection token of the QueryCache; resolvers take it as optional (no cache: every answer computed). */
export const QUERY_CACHE = 'kam:QueryCache';

/** `compute()` through the cache when there is one. */
export function cachedRead<T>(
  cache: QueryCache | undefined,
  operation: string,
  args: readonly unknown[],
  scope: ReadScope,
  compute: () => Promise<T>,
  options?: { dependsOnNow?: boolean },
): Promise<T> {
  return cache ? cache.get(operation, args, scope, compute, options) : compute();
}

/** Whether an answer over a period of calendar dates can still change with the clock: the period has not ended yet (or is not a valid period). */
export function periodDependsOnNow(period: { to: string }, now: number): boolean {
  const end = Date.parse(`${period.to}T00:00:00.000Z`);
  if (Number.isNaN(end)) return true;
  return now < end + 86_400_000;
}
