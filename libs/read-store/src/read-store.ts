import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';
import { Kysely, Migrator, PostgresDialect, SqliteDialect, sql, type Migration, type MigrationProvider, type SqliteDatabase } from 'kysely';
import { Client, Pool } from 'pg';
import { comparePositions, startCheckpointer } from '@kam/event-store';
import type { ReadDb, ReadModelAccess, SqlDialect } from './projection';

export interface OpenReadStoreOptions {
  /** `postgres://…` (or `postgresql://…`) selects PostgreSQL; `sqlite:<file>` is accepted too. */
  databaseUrl?: string;
  /** SQLite file when no PostgreSQL URL is given; default `:memory:`. Its directory is created. */
  sqliteFile?: string;
  /**
   * PostgreSQL only: schema that holds every read-store table (created if missing and put first
   * on each connection's search_path). Tests use a unique one per run to stay isolated.
   */
  pgSchema?: string;
  /** PostgreSQL pool size (default 10). */
  poolSize?: number;
  /**
   * How often the served generation of every projection is re-read from `projection_state`, so a
   * process sees a swap made by a rebuild in another process (default 1000 ms; 0 disables).
   */
  generationRefreshMs?: number;
  /**
   * SQLite file only: WAL checkpoints on a worker thread instead of inside the commits of this
   * connection (default true; see libs/event-store/src/sqlite/sqlite-checkpointer.ts).
   */
  sqliteBackgroundCheckpoints?: boolean;
  /**
   * SQLite only: page cache of the connection while serving, KiB (default SQLITE_CACHE_KIB,
   * 32 MiB). A rebuild raises it for its duration (RebuildOptions.sqliteCacheKiB).
   */
  sqliteCacheKiB?: number;
}

/** One row of `projection_state`. */
export interface ProjectionStateRow {
  name: string;
  version: number;
  generation: number;
  /** Position of the last event the served generation has processed (handled or skipped). */
  checkpoint: string | null;
  /** 'live' or 'rebuilding' (a rebuild of generation + 1 is in progress somewhere). */
  status: string;
  updated_at: string;
  /** `recordedAt` of the last event processed, ISO-8601. */
  last_event_at: string | null;
  rebuild_owner: string | null;
  rebuild_heartbeat_at: string | null;
  /**
   * The process holding the rebuild claim (JSON of `ClaimHolder`: host, boot id, pid namespace,
   * pid, process start), so a claim left by a dead process on this host is taken over at once.
   */
  rebuild_holder: string | null;
}

export interface ParkedEventRow {
  projection: string;
  generation: number;
  position: string;
  event_id: string;
  type: string;
  error: string;
  parked_at: string;
  retries: number;
  /** The whole RecordedEvent as JSON, so a retry does not depend on reading the log by position. */
  event: string;
}

export const PROJECTION_STATE_TABLE = 'projection_state';
export const PARKED_EVENTS_TABLE = 'parked_events';

/**
 * The SQL read store: one Kysely instance over SQLite (embedded default) or PostgreSQL, the
 * internal tables of the projection engine, and the mapping from a projection's logical table to
 * the physical table of the generation currently served.
 */
export class ReadStore implements ReadModelAccess {
  private readonly generations = new Map<string, number>();
  private refreshTimer: NodeJS.Timeout | undefined;
  private closed = false;

  constructor(
    readonly db: ReadDb,
    readonly dialect: SqlDialect,
    /** PostgreSQL schema holding the tables, when one was asked for (also keys the lease). */
    readonly schema: string | undefined,
    private readonly pgConnection: { connectionString: string } | undefined,
    /** Runs when the store closes, before its connection does (the SQLite checkpointer). */
    private readonly beforeClose?: () => Promise<void>,
  ) {}

  /** Physical name of a projection's logical table in the generation currently served. */
  table(projectionName: string, logicalName: string): string {
    return physicalTableName(logicalName, this.generationOf(projectionName));
  }

  /**
   * Generation currently served. A projection without a state row has not been set up yet; the
   * engine will create generation 1, so that is what readers should name.
   */
  generationOf(projectionName: string): number {
    return this.generations.get(projectionName) ?? 1;
  }

  /** Called by the engine and rebuild right after they commit a generation, so readers follow at once. */
  noteGeneration(projectionName: string, generation: number): void {
    const known = this.generations.get(projectionName);
    if (known === undefined || generation > known) this.generations.set(projectionName, generation);
  }

  async refreshGenerations(): Promise<void> {
    const rows = await this.db.selectFrom(PROJECTION_STATE_TABLE).select(['name', 'generation']).execute();
    for (const row of rows as Array<{ name: string; generation: number | string }>) {
      this.generations.set(row.name, Number(row.generation));
    }
  }

  async readState(name: string): Promise<ProjectionStateRow | undefined> {
    const row = (await this.db.selectFrom(PROJECTION_STATE_TABLE).selectAll().where('name', '=', name).executeTakeFirst()) as
      | ProjectionStateRow
      | undefined;
    return row && normalizeState(row);
  }

  async readStates(): Promise<ProjectionStateRow[]> {
    const rows = (await this.db.selectFrom(PROJECTION_STATE_TABLE).selectAll().orderBy('name').execute()) as ProjectionStateRow[];
    return rows.map(normalizeState);
  }

  async parkedEvents(projection?: string): Promise<ParkedEventRow[]> {
    let q = this.db
      .selectFrom(`${PARKED_EVENTS_TABLE} as p`)
      .innerJoin(`${PROJECTION_STATE_TABLE} as s`, (j) => j.onRef('s.name', '=', 'p.projection').onRef('s.generation', '=', 'p.generation'))
      .selectAll('p');
    if (projection !== undefined) q = q.where('p.projection', '=', projection);
    const rows = (await q.execute()) as ParkedEventRow[];
    return rows
      .map((r) => ({ ...r, generation: Number(r.generation), retries: Number(r.retries) }))
      .sort((a, b) => (a.projection === b.projection ? comparePositions(a.position, b.position) : a.projection < b.projection ? -1 : 1));
  }

  /** Parked events of the served generation, per projection. */
  async parkedCounts(): Promise<Map<string, number>> {
    const rows = await this.db
      .selectFrom(`${PARKED_EVENTS_TABLE} as p`)
      .innerJoin(`${PROJECTION_STATE_TABLE} as s`, (j) => j.onRef('s.name', '=', 'p.projection').onRef('s.generation', '=', 'p.generation'))
      .select(['p.projection as projection', (eb) => eb.fn.countAll().as('n')])
      .groupBy('p.projection')
      .execute();
    return new Map(rows.map((r) => [String(r.projection), Number(r.n)]));
  }

  async ping(): Promise<boolean> {
    try {
      await sql`select 1`.execute(this.db);
      return true;
    } catch {
      return false;
    }
  }

  /**
   * A dedicated PostgreSQL connection outside the pool (session-level advisory locks live and die
   * with their connection). Undefined on SQLite.
   */
  async openDedicatedPgConnection(): Promise<Client | undefined> {
    if (!this.pgConnection) return undefined;
    const client = new Client({ connectionString: this.pgConnection.connectionString });
    await client.connect();
    return client;
  }

  startGenerationRefresh(intervalMs: number): void {
    if (intervalMs <= 0 || this.refreshTimer) return;
    this.refreshTimer = setInterval(() => {
      this.refreshGenerations().catch(() => undefined);
    }, intervalMs);
    this.refreshTimer.unref();
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    if (this.refreshTimer) clearInterval(this.refreshTimer);
    await this.beforeClose?.().catch(() => undefined);
    await this.db.destroy();
  }
}

export function physicalTableName(logicalName: string, generation: number): string {
  return `${logicalName}_g${generation}`;
}

export async function openReadStore(options: OpenReadStoreOptions = {}): Promise<ReadStore> {
  const url = options.databaseUrl;
  let store: ReadStore;
  if (url && /^postgres(ql)?:\/\//.test(url)) {
    store = await openPostgres(url, options);
  } else {
    const file = url ? sqliteFileFromUrl(url) : (options.sqliteFile ?? ':memory:');
    store = openSqlite(file, options.sqliteBackgroundCheckpoints ?? true, options.sqliteCacheKiB ?? SQLITE_CACHE_KIB);
  }
  try {
    await migrate(store.db, store.schema);
    await store.refreshGenerations();
  } catch (error) {
    await store.close();
    throw error;
  }
  store.startGenerationRefresh(options.generationRefreshMs ?? 1000);
  return store;
}

function sqliteFileFromUrl(url: string): string {
  const m = /^(?:sqlite|file):(?:\/\/)?(.+)$/.exec(url);
  if (!m?.[1]) throw new Error(`Unsupported read-store URL: ${url.replace(/\/\/[^@]*@/, '//***@')}`);
  return m[1];
}

function openSqlite(file: string, background: boolean, cacheKiB: number): ReadStore {
  if (file !== ':memory:') mkdirSync(dirname(file), { recursive: true });
  const database = new Database(file);
  // WAL lets readers (queries, other processes) run while a batch commits; NORMAL is durable
  // across process crashes in WAL mode and ~3x faster than FULL (field notes). busy_timeout
  // makes a writer in another process (rebuild CLI) wait instead of failing with SQLITE_BUSY.
  database.pragma('journal_mode = WAL');
  database.pragma('synchronous = NORMAL');
  database.pragma('busy_timeout = 5000');
  // Read models of a large log are hundreds of MB with random-key indexes: the default 2 MB page
  // cache makes every upsert re-read its B-tree pages. This is a ceiling, not an allocation, but
  // a serving process fills it (and keeps it: it is most of what the API's RSS grows by).
  database.pragma(`cache_size = -${Math.max(1024, Math.floor(cacheKiB))}`);
  const db: ReadDb = new Kysely({ dialect: new SqliteDialect({ database: withStatementCache(database) }) });
  if (file === ':memory:' || !background) return new ReadStore(db, 'sqlite', undefined, undefined);
  // Checkpoints run on their own thread (libs/event-store/src/sqlite/sqlite-checkpointer.ts); this connection only
  // checkpoints by itself if the WAL grows past the fallback threshold (the worker is gone).
  database.pragma(`wal_autocheckpoint = ${FALLBACK_AUTOCHECKPOINT_PAGES}`);
  database.pragma(`journal_size_limit = ${64 * 1024 * 1024}`);
  const checkpointer = startCheckpointer(file);
  return new ReadStore(db, 'sqlite', undefined, undefined, () => checkpointer.stop());
}

/** WAL pages after which the writing connection checkpoints by itself (SQLite's default is 1000). */
const FALLBACK_AUTOCHECKPOINT_PAGES = 20_000;

/**
 * Page cache of a read-store SQLite connection while serving, KiB. Serving the 1M-event set, a
 * 128 MiB cache took the API's peak RSS to 500-650 MB, 32 MiB to 360-380 MB (pages it misses are
 * read again from the OS's file cache). Rebuilds raise it for their duration.
 */
export const SQLITE_CACHE_KIB = 32_768;
/** Page cache of a read-store SQLite connection during a rebuild, KiB (RebuildOptions.sqliteCacheKiB). */
export const SQLITE_REBUILD_CACHE_KIB = 131_072;
const STATEMENT_CACHE_SIZE = 500;

/**
 * Kysely's SQLite driver prepares every query anew; preparing was a quarter of the SQL time of
 * the projections (the same batch statements run again and again, and multi-row inserts are
 * chunked to a few fixed sizes). This keeps recently used statements: two generations of
 * `capacity / 2` (a hit in the old one moves the statement to the young one; when the young one
 * is full it becomes the old one), which costs one hash of the SQL text per query where a strict
 * LRU costs three. A statement still being iterated (Kysely's streamQuery) is busy: the caller
 * gets a fresh one. Statements survive schema changes (SQLite recompiles them) and hold no lock
 * between executions.
 */
export function withStatementCache(database: Database.Database, capacity = STATEMENT_CACHE_SIZE): SqliteDatabase {
  const half = Math.max(1, Math.floor(capacity / 2));
  let young = new Map<string, Database.Statement>();
  let old = new Map<string, Database.Statement>();
  const remember = (text: string, statement: Database.Statement): void => {
    if (young.size >= half) {
      old = young;
      young = new Map();
    }
    young.set(text, statement);
  };
  return {
    close: () => database.close(),
    prepare(text: string) {
      let statement = young.get(text);
      if (statement === undefined) {
        statement = old.get(text);
        if (statement !== undefined) {
          old.delete(text);
          remember(text, statement);
        }
      }
      if (statement !== undefined) return statement.busy ? database.prepare(text) : statement;
      statement = database.prepare(text);
      remember(text, statement);
      return statement;
    },
  };
}

async function openPostgres(url: string, options: OpenReadStoreOptions): Promise<ReadStore> {
  const schema = options.pgSchema;
  if (schema !== undefined) {
    if (!/^[a-z_][a-z0-9_]{0,62}$/.test(schema)) throw new Error(`Invalid PostgreSQL schema name: ${schema}`);
    const client = new Client({ connectionString: url });
    await client.connect();
    try {
      await client.query(`create schema if not exists "${schema}"`);
    } finally {
      await client.end();
    }
  }
  const pool = new Pool({
    connectionString: url,
    max: options.poolSize ?? 10,
    ...(schema !== undefined ? { options: `-c search_path="${schema}",public` } : {}),
  });
  // An idle client that loses its connection emits 'error' on the pool; without a listener that
  // would crash the process. The next checkout simply gets a fresh connection.
  pool.on('error', () => undefined);
  const db: ReadDb = new Kysely({ dialect: new PostgresDialect({ pool }) });
  return new ReadStore(db, 'postgres', schema, { connectionString: url });
}

/**
 * Internal tables, in Kysely migrations so that a newer engine can evolve them; running them at
 * every start is idempotent (the migrator records what ran and locks against a concurrent start).
 * Timestamps are ISO-8601 text on both dialects: they are bookkeeping, never queried by range.
 */
const MIGRATIONS: Record<string, Migration> = {
  '0001_projection_state_and_parked_events': {
    async up(db) {
      await db.schema
        .createTable(PROJECTION_STATE_TABLE)
        .ifNotExists()
        .addColumn('name', 'text', (c) => c.primaryKey())
        .addColumn('version', 'integer', (c) => c.notNull())
        .addColumn('generation', 'integer', (c) => c.notNull())
        .addColumn('checkpoint', 'text')
        .addColumn('status', 'text', (c) => c.notNull().defaultTo('live'))
        .addColumn('updated_at', 'text', (c) => c.notNull())
        .addColumn('last_event_at', 'text')
        .addColumn('rebuild_owner', 'text')
        .addColumn('rebuild_heartbeat_at', 'text')
        .execute();
      await db.schema
        .createTable(PARKED_EVENTS_TABLE)
        .ifNotExists()
        .addColumn('projection', 'text', (c) => c.notNull())
        .addColumn('generation', 'integer', (c) => c.notNull())
        .addColumn('position', 'text', (c) => c.notNull())
        .addColumn('event_id', 'text', (c) => c.notNull())
        .addColumn('type', 'text', (c) => c.notNull())
        .addColumn('error', 'text', (c) => c.notNull())
        .addColumn('parked_at', 'text', (c) => c.notNull())
        .addColumn('retries', 'integer', (c) => c.notNull().defaultTo(0))
        .addColumn('event', 'text', (c) => c.notNull())
        .addPrimaryKeyConstraint('parked_events_pk', ['projection', 'generation', 'position'])
        .execute();
    },
  },
  '0002_projection_state_rebuild_holder': {
    async up(db) {
      // Nullable, no default: an ALTER that SQLite and PostgreSQL apply in place to existing rows.
      await db.schema.alterTable(PROJECTION_STATE_TABLE).addColumn('rebuild_holder', 'text').execute();
    },
  },
};

const migrationProvider: MigrationProvider = {
  getMigrations: async () => MIGRATIONS,
};

async function migrate(db: ReadDb, schema: string | undefined): Promise<void> {
  // Already migrated (the usual case): skip the migrator, which writes its lock row at every run
  // and would make every process start contend for the write lock.
  const done = await db
    .selectFrom('read_store_migration')
    .select('name')
    .execute()
    .then((rows) => new Set(rows.map((r) => String(r.name))))
    .catch(() => new Set<string>());
  if (Object.keys(MIGRATIONS).every((name) => done.has(name))) return;
  const migrator = new Migrator({
    db,
    provider: migrationProvider,
    migrationTableName: 'read_store_migration',
    migrationLockTableName: 'read_store_migration_lock',
    // Without it the migrator takes a migration table of that name in ANY schema of the database
    // (another read store's) for its own, skips creating it, then fails to find it on the search path.
    ...(schema !== undefined ? { migrationTableSchema: schema } : {}),
  });
  for (let attempt = 1; ; attempt++) {
    const { error } = await migrator.migrateToLatest();
    if (!error) return;
    // The migrator's introspection lists the tables of every schema of the database; one dropped
    // meanwhile by another user of the database (42P01 undefined_table, 3F000 invalid_schema_name
    // when the whole schema went) fails it: try again.
    const code = (error as { code?: unknown }).code;
    if (attempt < 5 && (code === '42P01' || code === '3F000')) continue;
    throw error instanceof Error ? error : new Error(String(error));
  }
}

function normalizeState(row: ProjectionStateRow): ProjectionStateRow {
  return { ...row, version: Number(row.version), generation: Number(row.generation) };
}
