import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from 'pg';
import { sql } from 'kysely';
import { openSqliteEventStore, type EventStore, type RecordedEvent } from '@kam/event-store';
import { dealsProjection, REPORT_PROJECTIONS } from '@kam/reporting';
import type { Projection, ProjectionContext } from './projection';
import { openReadStore, type ReadStore } from './read-store';
import { rebuildProjection } from './rebuild';
import { writeProductLog } from './testing/product-log';
import { availableBackends, TEST_PG_URL } from './testing/read-store-test-kit';

jest.setTimeout(120_000);

const PROJECTIONS: Projection[] = [dealsProjection, ...REPORT_PROJECTIONS];
const CASES = availableBackends().flatMap((backend) => PROJECTIONS.map((projection) => ({ backend, projection, name: `${projection.name} on ${backend.name}` })));

/**
 * Write-back and deferred indexes (RebuildSession), with the projections that use them: `deals`
 * (EntityTable in libs/reporting) keeps the deals in memory across its transactions (write-back)
 * and builds the query indexes only before the swap; the report projections keep their open deals
 * in memory (DealStates) and write them at the end. Whatever the memory budget and the
 * transaction sizes, the swapped generation must hold exactly the rows (and indexes) that
 * applying the same log batch by batch, writing through, gives.
 */
describe.each(CASES)('rebuild with write-back: $name', ({ backend, projection }) => {
  const TABLES = projection.tables;
  let dir: string;
  let store: EventStore;
  let readStore: ReadStore;
  let events: RecordedEvent[];
  const schema = `wb_${Date.now().toString(36)}_${process.pid}`;
  const reference: ProjectionContext = { dialect: backend.name, table: (logical) => `ref_${logical}` };

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'kam-write-back-'));
    const file = join(dir, 'events.sqlite');
    // Small organisation, dense history: transfers, reassignments and closes within few batches.
    writeProductLog(file, 6000, { seed: 11, plannedEvents: 6000, spanDays: 120 });
    store = await openSqliteEventStore({ file });
    events = await store.readAll({ maxCount: 1_000_000 });
    readStore =
      backend.name === 'postgres'
        ? await openReadStore({ databaseUrl: TEST_PG_URL, pgSchema: schema, poolSize: 4, generationRefreshMs: 0 })
        : await openReadStore({ generationRefreshMs: 0 });
    const handled = new Set<string>(projection.eventTypes);
    const mine = events.filter((e) => handled.has(e.type));
    expect(mine.filter((e) => e.type === 'RepTransferred').length).toBeGreaterThan(0);
    await readStore.db.transaction().execute((tx) => projection.createTables(tx, reference));
    for (let i = 0; i < mine.length; i += 97) {
      await readStore.db.transaction().execute((tx) => projection.applyBatch(tx, mine.slice(i, i + 97), reference));
    }
  });

  afterAll(async () => {
    await readStore?.close();
    await store?.close();
    rmSync(dir, { recursive: true, force: true });
    if (backend.name === 'postgres') {
      const client = new Client({ connectionString: TEST_PG_URL });
      await client.connect();
      await client.query(`drop schema if exists "${schema}" cascade`);
      await client.end();
    }
  });

  async function dump(table: string): Promise<string[]> {
    const rows = await readStore.db.selectFrom(table).selectAll().execute();
    return rows
      .map((r) =>
        JSON.stringify(
          Object.fromEntries(
            Object.entries(r)
              .sort(([a], [b]) => (a < b ? -1 : 1))
              .map(([k, v]) => [k, typeof v === 'string' && /_minor$/.test(k) ? Number(v) : v]),
          ),
        ),
      )
      .sort();
  }

  async function indexes(prefix: (table: string) => string): Promise<string[]> {
    const names =
      backend.name === 'postgres'
        ? (await sql<{ name: string }>`select indexname as name from pg_indexes where schemaname = ${schema}`.execute(readStore.db)).rows.map((r) => r.name)
        : (await sql<{ name: string; tbl: string; sql: string | null }>`select name, tbl_name as tbl, sql from sqlite_master where type = 'index'`.execute(readStore.db)).rows.map((r) =>
            // A composite primary key is an automatic unique index on SQLite; a rebuild adds it as a named one.
            r.sql === null ? `${r.tbl}_pk` : r.name,
          );
    return names
      .filter((n) => TABLES.some((t) => n.startsWith(`${prefix(t)}_`)))
      .map((n) => {
        const table = TABLES.filter((t) => n.startsWith(`${prefix(t)}_`)).sort((a, b) => b.length - a.length)[0]!;
        return `${table}:${n.slice(prefix(table).length + 1)}`;
      })
      .sort();
  }

  it.each([
    { what: 'every row in memory', memoryRows: 200_000, batchSize: 500, maxTransactionEvents: 50_000 },
    { what: 'a memory of 7 rows (rows written out and read back) and small transactions', memoryRows: 7, batchSize: 40, maxTransactionEvents: 60 },
    { what: 'a memory of 1 row', memoryRows: 1, batchSize: 200, maxTransactionEvents: 300 },
  ])('writes what write-through writes, with $what', async ({ memoryRows, batchSize, maxTransactionEvents }) => {
    const result = await rebuildProjection({
      store,
      readStore,
      projection,
      dropOldAfterMs: 0,
      memoryRows,
      batchSize,
      maxTransactionEvents,
    });
    expect(result.parked).toBe(0);
    let rows = 0;
    for (const table of TABLES) {
      const rebuilt = await dump(`${table}_g${result.generation}`);
      rows += rebuilt.length;
      expect({ table, rows: rebuilt }).toEqual({ table, rows: await dump(reference.table(table)) });
    }
    expect(rows).toBeGreaterThan(0);
    expect(await indexes((t) => `${t}_g${result.generation}`)).toEqual(await indexes(reference.table));
  });
});
