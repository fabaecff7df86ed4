import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from 'pg';
import type { EventType } from '@kam/kernel';
import { openSqliteEventStore, type EventStore, type RecordedEvent } from '@kam/event-store';
import { openReadStore, type ReadStore } from '../read-store';
import type { ProjectionLogger } from '../projection-engine';

export const TEST_PG_URL = process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

/**
 * Whether PostgreSQL answers, checked synchronously (describe blocks are declared synchronously).
 * Returns null when reachable, else the reason.
 */
export function postgresUnavailableReason(url = TEST_PG_URL): string | null {
  const probe = spawnSync(
    process.execPath,
    ['-e', `const {Client}=require('pg');const c=new Client({connectionString:process.argv[1],connectionTimeoutMillis:3000});c.connect().then(()=>c.query('select 1')).then(()=>c.end()).then(()=>process.exit(0),e=>{console.error(e.message);process.exit(1)})`, url],
    { encoding: 'utf8', timeout: 10_000, cwd: process.cwd() },
  );
  if (probe.status === 0) return null;
  return (probe.stderr || probe.error?.message || `exit ${probe.status}`).trim();
}

export interface Backend {
  name: 'sqlite' | 'postgres';
  /** A fresh, isolated read store (new SQLite file, or new PostgreSQL schema). */
  open(): Promise<TestReadStore>;
}

export interface TestReadStore {
  readStore: ReadStore;
  /** Opens a second read store on the same database (another "process"). */
  reopen(): Promise<ReadStore>;
  /** Connection settings for a child process. */
  location: { sqliteFile?: string; databaseUrl?: string; pgSchema?: string };
  dispose(): Promise<void>;
}

const RUN_ID = `${Date.now().toString(36)}_${process.pid}`;
let counter = 0;

export function sqliteBackend(): Backend {
  return {
    name: 'sqlite',
    async open() {
      const dir = mkdtempSync(join(tmpdir(), 'kam-read-store-'));
      const sqliteFile = join(dir, 'read.sqlite');
      const opened: ReadStore[] = [];
      const open = async () => {
        const rs = await openReadStore({ sqliteFile, generationRefreshMs: 50 });
        opened.push(rs);
        return rs;
      };
      return {
        readStore: await open(),
        reopen: open,
        location: { sqliteFile },
        async dispose() {
          for (const rs of opened) await rs.close();
          rmSync(dir, { recursive: true, force: true });
        },
      };
    },
  };
}

export function postgresBackend(url = TEST_PG_URL): Backend {
  return {
    name: 'postgres',
    async open() {
      const pgSchema = `rs_${RUN_ID}_${++counter}`;
      const opened: ReadStore[] = [];
      const open = async () => {
        const rs = await openReadStore({ databaseUrl: url, pgSchema, poolSize: 4, generationRefreshMs: 50 });
        opened.push(rs);
        return rs;
      };
      return {
        readStore: await open(),
        reopen: open,
        location: { databaseUrl: url, pgSchema },
        async dispose() {
          for (const rs of opened) await rs.close();
          const client = new Client({ connectionString: url });
          await client.connect();
          try {
            await client.query(`drop schema if exists "${pgSchema}" cascade`);
          } finally {
            await client.end();
          }
        },
      };
    },
  };
}

/** SQLite always; PostgreSQL when it answers (otherwise a console.warn says why it is left out). */
export function availableBackends(): Backend[] {
  const backends = [sqliteBackend()];
  const reason = postgresUnavailableReason();
  if (reason === null) backends.push(postgresBackend());
  else console.warn(`PostgreSQL read-store tests are not declared: ${TEST_PG_URL} is unreachable (${reason})`);
  return backends;
}

export interface TestEventStore {
  store: EventStore;
  file: string;
  dispose(): Promise<void>;
}

export async function openTestEventStore(): Promise<TestEventStore> {
  const dir = mkdtempSync(join(tmpdir(), 'kam-events-'));
  const file = join(dir, 'events.sqlite');
  const store = await openSqliteEventStore({ file, pollIntervalMs: 20 });
  return {
    store,
    file,
    async dispose() {
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

export const MIXED_TYPES: EventType[] = ['DealOpened', 'DealWon', 'DealLost', 'TeamFormed', 'RepHired'];

let eventSeq = 0;

/**
 * Appends `count` events with types from `types` (round robin unless `pick` says otherwise) and
 * `data.amount` = 1..count, in appends of up to `perAppend` events to a few streams.
 */
export async function appendEvents(
  store: EventStore,
  count: number,
  options: { types?: EventType[]; pick?: (i: number) => EventType; perAppend?: number; amount?: (i: number) => number } = {},
): Promise<RecordedEvent[]> {
  const types = options.types ?? MIXED_TYPES;
  const perAppend = options.perAppend ?? 100;
  for (let i = 0; i < count; ) {
    const n = Math.min(perAppend, count - i);
    const batch = Array.from({ length: n }, (_, k) => {
      const index = i + k;
      const seq = ++eventSeq;
      return {
        id: `00000000-0000-4000-8000-${(seq + RUN_NUMBER).toString(16).padStart(12, '0').slice(-12)}`,
        type: options.pick?.(index) ?? types[index % types.length]!,
        data: { amount: options.amount?.(index) ?? index + 1 },
        metadata: {
          commandId: `cmd-${seq}`,
          correlationId: `cmd-${seq}`,
          causationId: `cmd-${seq}`,
          actor: 'test',
          occurredAt: new Date().toISOString(),
          schemaVersion: 1,
        },
      };
    });
    await store.append(`deal-${(i / perAppend) % 7}`, batch, 'any');
    i += n;
  }
  const head = await store.headPosition();
  return head === undefined ? [] : allEvents(store);
}

const RUN_NUMBER = Math.floor(Math.random() * 2 ** 40);

export async function allEvents(store: EventStore): Promise<RecordedEvent[]> {
  const out: RecordedEvent[] = [];
  let from: string | undefined;
  for (;;) {
    const page = await store.readAll({ fromPosition: from, maxCount: 5000 });
    out.push(...page);
    if (page.length < 5000) return out;
    from = page[page.length - 1]!.position;
  }
}

export const quietLogger: ProjectionLogger = { info: () => undefined, warn: () => undefined, error: () => undefined };

/** Collects log lines, for asserting on them. */
export function recordingLogger(): ProjectionLogger & { lines: string[] } {
  const lines: string[] = [];
  const push = (level: string) => (message: string, meta?: Record<string, unknown>) => lines.push(`${level} ${message} ${meta ? JSON.stringify(meta) : ''}`);
  return { lines, info: push('info'), warn: push('warn'), error: push('error') };
}

export async function eventually(check: () => Promise<boolean> | boolean, timeoutMs = 10_000, what = 'condition'): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (Date.now() < until) {
    if (await check()) return;
    await new Promise((r) => setTimeout(r, 10));
  }
  throw new Error(`Timed out waiting for ${what}`);
}

/** An EventStore that counts what is read from it: events returned by readAll, subscriptions open and events they delivered. */
export interface CountingEventStore extends EventStore {
  readonly counts: { readAllEvents: number; subscriptions: number; openSubscriptions: number; delivered: number };
}

export function countingEventStore(inner: EventStore): CountingEventStore {
  const counts = { readAllEvents: 0, subscriptions: 0, openSubscriptions: 0, delivered: 0 };
  return {
    counts,
    get kind() {
      return inner.kind;
    },
    append: (streamId, events, expected) => inner.append(streamId, events, expected),
    readStream: (streamId, options) => inner.readStream(streamId, options),
    async readAll(options) {
      const events = await inner.readAll(options);
      counts.readAllEvents += events.length;
      return events;
    },
    subscribeToAll(options, handlers) {
      counts.subscriptions += 1;
      counts.openSubscriptions += 1;
      let open = true;
      const close = () => {
        if (open) counts.openSubscriptions -= 1;
        open = false;
      };
      const subscription = inner.subscribeToAll(options, {
        onEvent: (event) => {
          counts.delivered += 1;
          return handlers.onEvent(event);
        },
        onCaughtUp: () => handlers.onCaughtUp?.(),
        onError: (error) => {
          close();
          handlers.onError?.(error);
        },
      });
      return {
        get lastPosition() {
          return subscription.lastPosition;
        },
        stop() {
          close();
          return subscription.stop();
        },
      };
    },
    headPosition: () => inner.headPosition(),
    ping: () => inner.ping(),
    close: () => inner.close(),
  };
}
