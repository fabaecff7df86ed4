import { spawnSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import Database from 'better-sqlite3';
import { Kysely, PostgresDialect, SqliteDialect, type LogEvent } from 'kysely';
import { Pool } from 'pg';
import { streamIdOf, type EventType, type StreamCategory } from '@kam/kernel';
import { testMetadata } from '@kam/kernel/testing';
import { openSqliteEventStore, type EventStore, type RecordedEvent } from '@kam/event-store';
import type { Projection, ProjectionContext, ReadDb, ReadModelAccess, SqlDialect } from '@kam/read-store';
import { ENTITY_PROJECTIONS } from '../entity-projections';

/**
 * Test kit of the entity read models: a read database on SQLite (in memory) or PostgreSQL (a
 * unique table prefix per run), the projections' tables created through the same code the engine
 * calls, and batches applied inside a transaction exactly as the engine does — without the engine.
 */
export const TEST_PG_URL = process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

/** Whether PostgreSQL answers, checked synchronously (describe blocks are declared synchronously); null when it does. */
export function postgresUnavailableReason(url = TEST_PG_URL): string | null {
  const probe = spawnSync(
    process.execPath,
    [
      '-e',
      `const {Client}=require('pg');const c=new Client({connectionString:process.argv[1],connectionTimeoutMillis:3000});c.connect().then(()=>c.query('select 1')).then(()=>c.end()).then(()=>process.exit(0),e=>{console.error(e.message);process.exit(1)})`,
      url,
    ],
    { encoding: 'utf8', timeout: 10_000, cwd: process.cwd() },
  );
  if (probe.status === 0) return null;
  return (probe.stderr || probe.error?.message || `exit ${probe.status}`).trim();
}

export interface Backend {
  name: SqlDialect;
  open(options?: { log?: (event: LogEvent) => void }): Promise<TestReadDb>;
}

const RUN_ID = `${Date.now().toString(36)}${process.pid.toString(36)}`;
let counter = 0;

export class TestReadDb implements ReadModelAccess {
  constructor(
    readonly db: ReadDb,
    readonly dialect: SqlDialect,
    private readonly prefix: string,
  ) {}

  table(_projection: string, logical: string): string {
    return `${this.prefix}${logical}`;
  }

  context(): ProjectionContext {
    return { dialect: this.dialect, table: (logical) => `${this.prefix}${logical}` };
  }

  async setup(projections: readonly Projection[] = ENTITY_PROJECTIONS): Promise<void> {
    await this.db.transaction().execute(async (tx) => {
      for (const p of projections) await p.createTables(tx, this.context());
    });
  }

  /** Applies events to every projection, `batchSize` events per transaction, each projection getting only its types. */
  async apply(
    events: readonly RecordedEvent[],
    options: { batchSize?: number; projections?: readonly Projection[] } = {},
  ): Promise<void> {
    const size = options.batchSize ?? 1000;
    for (const projection of options.projections ?? ENTITY_PROJECTIONS) {
      const handled = new Set<string>(projection.eventTypes);
      const mine = events.filter((e) => handled.has(e.type));
      for (let i = 0; i < mine.length; i += size) {
        const batch = mine.slice(i, i + size);
        await this.db.transaction().execute((tx) => projection.applyBatch(tx, batch, this.context()));
      }
    }
  }

  /** Every row of a logical table, sorted by its JSON, for whole-table comparisons. */
  async dump(logical: string): Promise<unknown[]> {
    const rows = await this.db.selectFrom(`${this.prefix}${logical}`).selectAll().execute();
    return rows.map((r) => JSON.stringify(normalize(r))).sort();
  }

  async dispose(): Promise<void> {
    if (this.dialect === 'postgres') {
      for (const p of ENTITY_PROJECTIONS) {
        for (const t of p.tables)
          await this.db.schema.dropTable(`${this.prefix}${t}`).ifExists().cascade().execute();
      }
    }
    await this.db.destroy();
  }
}

/** bigint columns come back as strings from PostgreSQL and numbers from SQLite. */
function normalize(row: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(
    Object.entries(row)
      .sort(([a], [b]) => (a < b ? -1 : 1))
      .map(([k, v]) => [k, typeof v === 'string' && /^-?\d+$/.test(v) && /_minor$/.test(k) ? Number(v) : v]),
  );
}

export function sqliteBackend(): Backend {
  return {
    name: 'sqlite',
    async open(options = {}) {
      const db: ReadDb = new Kysely({
        dialect: new SqliteDialect({ database: new Database(':memory:') }),
        ...(options.log ? { log: options.log } : {}),
      });
      return new TestReadDb(db, 'sqlite', '');
    },
  };
}

export function postgresBackend(url = TEST_PG_URL): Backend {
  return {
    name: 'postgres',
    async open(options = {}) {
      const pool = new Pool({ connectionString: url, max: 4 });
      pool.on('error', () => undefined);
      const db: ReadDb = new Kysely({
        dialect: new PostgresDialect({ pool }),
        ...(options.log ? { log: options.log } : {}),
      });
      return new TestReadDb(db, 'postgres', `t${RUN_ID}_${++counter}_`);
    },
  };
}

/** SQLite always; PostgreSQL when it answers (otherwise a console.warn says why it is not declared). */
export function availableBackends(): Backend[] {
  const backends = [sqliteBackend()];
  const reason = postgresUnavailableReason();
  if (reason === null) backends.push(postgresBackend());
  else
    console.warn(
      `PostgreSQL entity read-model tests are not declared: ${TEST_PG_URL} is unreachable (${reason})`,
    );
  return backends;
}

/** Appends hand-written domain events to a real (in-memory SQLite) event store, one event per append. */
export class Story {
  private constructor(readonly store: EventStore) {}

  static async open(): Promise<Story> {
    return new Story(await openSqliteEventStore({ file: ':memory:' }));
  }

  async emit(
    category: StreamCategory,
    id: string,
    type: EventType,
    data: Record<string, unknown>,
    occurredAt: string,
    actor = 'admin',
  ): Promise<string> {
    const result = await this.store.append(streamIdOf(category, id), [{ id: randomUUID(), type, data, metadata: testMetadata(actor, occurredAt) }], 'any');
    return result.position;
  }

  async events(): Promise<RecordedEvent[]> {
    return this.store.readAll({ maxCount: 1_000_000 });
  }

  async close(): Promise<void> {
    await this.store.close();
  }
}

/** Deterministic UUID-looking ids for readable tests: id('deal', 3). */
export function id(kind: string, n: number): string {
  const hex = Buffer.from(kind).toString('hex').padEnd(8, '0').slice(0, 8);
  return `${hex}-0000-4000-8000-${n.toString().padStart(12, '0')}`;
}
