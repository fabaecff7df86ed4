/**
 * Append throughput of the SQLite event store against the floor: raw better-sqlite3 inserting the
 * same rows (same schema, pragmas, IMMEDIATE transactions, JSON.stringify of data and metadata)
 * with none of the store's work (revision lookup, expected-revision check, size check, retry
 * detection, subscription wake-up, promise per append).
 *
 *   node -r @swc-node/register bench/append.bench.ts [events]   (KAM_SQLITE_SYNCHRONOUS=FULL to compare)
 */
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import Database from 'better-sqlite3';
import {
  SQLITE_EVENT_INSERT_SQL,
  applySqlitePragmas,
  migrateSqliteEventStore,
  openSqliteEventStore,
  parseSqliteSynchronous,
  type ExpectedRevision,
  type NewEvent,
  type SqliteSynchronous,
} from '@kam/event-store';

export interface AppendBenchResult {
  raw_single_per_s: number;
  raw_batch100_per_s: number;
  store_single_per_s: number;
  store_batch100_per_s: number;
}

export interface AppendBenchOptions {
  events: number;
  synchronous?: SqliteSynchronous;
  /** Each figure is the best of this many runs (the box is shared; the best run is the least disturbed). */
  repeats?: number;
}

/** One append as both contenders see it: a stream, its expected revision and the events. */
interface Append {
  streamId: string;
  expected: ExpectedRevision;
  firstRevision: number;
  events: NewEvent[];
}

const SINGLE_STREAMS = 1000;

export async function benchAppend(opts: AppendBenchOptions): Promise<AppendBenchResult> {
  const synchronous = opts.synchronous ?? 'NORMAL';
  const repeats = opts.repeats ?? 3;
  const dir = mkdtempSync(join(tmpdir(), 'kam-bench-append-'));
  let files = 0;
  const file = (): string => join(dir, `bench-${++files}.sqlite`);
  const best = { raw_single_per_s: 0, raw_batch100_per_s: 0, store_single_per_s: 0, store_batch100_per_s: 0 };
  try {
    const single = plan(opts.events, 1);
    const batch = plan(opts.events, 100);
    for (let r = 0; r < repeats; r++) {
      // Interleaved, so drift of the machine hits both contenders alike.
      best.raw_single_per_s = Math.max(best.raw_single_per_s, runRaw(file(), synchronous, single));
      best.store_single_per_s = Math.max(
        best.store_single_per_s,
        await runStore(file(), synchronous, single),
      );
      best.raw_batch100_per_s = Math.max(best.raw_batch100_per_s, runRaw(file(), synchronous, batch));
      best.store_batch100_per_s = Math.max(
        best.store_batch100_per_s,
        await runStore(file(), synchronous, batch),
      );
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  return {
    raw_single_per_s: Math.round(best.raw_single_per_s),
    raw_batch100_per_s: Math.round(best.raw_batch100_per_s),
    store_single_per_s: Math.round(best.store_single_per_s),
    store_batch100_per_s: Math.round(best.store_batch100_per_s),
  };
}

/** Single appends rotate over 1000 deal streams with exact expected revisions; batches open a new stream each. */
function plan(events: number, perAppend: number): Append[] {
  const appends: Append[] = [];
  if (perAppend === 1) {
    const streams = Array.from({ length: SINGLE_STREAMS }, () => `deal-${randomUUID()}`);
    const revisions = new Map<string, number>();
    for (let i = 0; i < events; i++) {
      const streamId = streams[i % SINGLE_STREAMS]!;
      const current = revisions.get(streamId);
      revisions.set(streamId, (current ?? -1) + 1);
      appends.push({
        streamId,
        expected: current ?? 'no_stream',
        firstRevision: (current ?? -1) + 1,
        events: [dealEvent(streamId, i)],
      });
    }
  } else {
    for (let i = 0; i < events; i += perAppend) {
      const streamId = `deal-${randomUUID()}`;
      const count = Math.min(perAppend, events - i);
      appends.push({
        streamId,
        expected: 'no_stream',
        firstRevision: 0,
        events: Array.from({ length: count }, (_, k) => dealEvent(streamId, i + k)),
      });
    }
  }
  return appends;
}

function dealEvent(streamId: string, n: number): NewEvent {
  const commandId = randomUUID();
  return {
    id: randomUUID(),
    type: 'DealValueRevised',
    data: { dealId: streamId.slice(5), value: 125_000 + n, reason: 'Customer asked for a larger volume' },
    metadata: {
      commandId,
      correlationId: commandId,
      causationId: commandId,
      actor: 'b1946ac9-2f3e-4c1b-9d1e-6a8f0f7e8c11',
      occurredAt: '2026-11-02T09:15:00.000Z',
      schemaVersion: 1,
    },
  };
}

function countEvents(appends: Append[]): number {
  return appends.reduce((sum, a) => sum + a.events.length, 0);
}

function runRaw(file: string, synchronous: SqliteSynchronous, appends: Append[]): number {
  const db = new Database(file);
  try {
    applySqlitePragmas(db, synchronous);
    migrateSqliteEventStore(db);
    const insert = db.prepare(SQLITE_EVENT_INSERT_SQL);
    const write = db.transaction((append: Append, recordedAt: number) => {
      let revision = append.firstRevision;
      for (const e of append.events) {
        insert.run(
          e.id,
          append.streamId,
          revision++,
          e.type,
          JSON.stringify(e.data),
          JSON.stringify(e.metadata),
          recordedAt,
        );
      }
    }).immediate;
    const started = performance.now();
    for (const append of appends) write(append, Date.now());
    return countEvents(appends) / ((performance.now() - started) / 1000);
  } finally {
    db.close();
  }
}

async function runStore(file: string, synchronous: SqliteSynchronous, appends: Append[]): Promise<number> {
  const store = await openSqliteEventStore({ file, synchronous });
  try {
    const started = performance.now();
    for (const append of appends) await store.append(append.streamId, append.events, append.expected);
    return countEvents(appends) / ((performance.now() - started) / 1000);
  } finally {
    await store.close();
  }
}

if (require.main === module) {
  const events = Number(process.argv[2] ?? 20_000);
  const synchronous = parseSqliteSynchronous(process.env.KAM_SQLITE_SYNCHRONOUS);
  benchAppend({ events, synchronous })
    .then((result) => {
      const ratio = (store: number, raw: number): string => (store / raw).toFixed(2);
      console.log(JSON.stringify({ events, synchronous, ...result }, null, 2));
      console.log(
        `store/raw: single ${ratio(result.store_single_per_s, result.raw_single_per_s)}, ` +
          `batch100 ${ratio(result.store_batch100_per_s, result.raw_batch100_per_s)}`,
      );
    })
    .catch((error: unknown) => {
      console.error(error);
      process.exitCode = 1;
    });
}
