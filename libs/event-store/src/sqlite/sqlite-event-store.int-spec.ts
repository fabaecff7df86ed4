import { randomUUID } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import Database from 'better-sqlite3';
import { testMetadata } from '@kam/kernel/testing';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DuplicateEventId, EventStoreUnavailable } from '../errors';
import type { NewEvent, RecordedEvent } from '../event-store.port';
import { describeEventStoreContract } from '../testing';
import { checkpointThreads } from './sqlite-checkpointer';
import { SUBSCRIPTION_PAGE_SIZE } from './sqlite-subscription';
import {
  openSqliteEventStore,
  parseSqliteSynchronous,
  type SqliteEventStore,
  type SqliteEventStoreOptions,
} from './sqlite-event-store';

const dir = mkdtempSync(join(tmpdir(), 'kam-sqlite-es-'));
let files = 0;
const newFile = (): string => join(dir, `events-${++files}.sqlite`);

afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

describeEventStoreContract('sqlite', async (options) => {
  const store = await openSqliteEventStore({
    file: newFile(),
    upcasters: options?.upcasters,
    pollIntervalMs: 50,
  });
  return { store, close: () => store.close() };
});

describe('SqliteEventStore (SQLite specifics)', () => {
  const opened: SqliteEventStore[] = [];
  const open = async (
    options: Partial<SqliteEventStoreOptions> & { file: string },
  ): Promise<SqliteEventStore> => {
    const store = await openSqliteEventStore({ pollIntervalMs: 20, ...options });
    opened.push(store);
    return store;
  };

  afterEach(async () => {
    await Promise.all(opened.splice(0).map((store) => store.close()));
  });

  it('uses WAL with synchronous=NORMAL by default and FULL on request', async () => {
    const normal = await open({ file: newFile() });
    expect(normal.settings()).toEqual({ journalMode: 'wal', synchronous: 'NORMAL' });
    const full = await open({ file: newFile(), synchronous: 'FULL' });
    expect(full.settings()).toEqual({ journalMode: 'wal', synchronous: 'FULL' });
    expect(normal.kind).toBe('sqlite');
  });

  it('copies the WAL into the file from a worker thread, not in its commits, and leaves no WAL after close', async () => {
    // ~400 KB of events: far below SQLite's own autocheckpoint (1000 pages), so only the worker
    // grows the database file; with background checkpoints off it stays as it was.
    const fill = async (store: SqliteEventStore): Promise<void> => {
      for (let i = 0; i < 20; i++) {
        const events = Array.from({ length: 10 }, () => event('Filled', { text: 'x'.repeat(2000) }));
        await store.append(`fill-${i}`, events, 'no_stream');
      }
    };
    const grows = async (file: string, before: number): Promise<boolean> => {
      for (let waited = 0; waited < 1500; waited += 50) {
        if (statSync(file).size > before + 200_000) return true;
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
      return false;
    };
    const background = newFile();
    const store = await open({ file: background });
    const before = statSync(background).size;
    await fill(store);
    expect(await grows(background, before)).toBe(true);
    await store.append('after-checkpoint', [event('Filled')], 'no_stream');
    await store.close();
    expect(existsSync(`${background}-wal`)).toBe(false);

    const inline = newFile();
    const plain = await open({ file: inline, backgroundCheckpoints: false });
    const plainBefore = statSync(inline).size;
    await fill(plain);
    expect(await grows(inline, plainBefore)).toBe(false);
    const reopened = await open({ file: background });
    expect((await reopened.readStream('after-checkpoint')).length).toBe(1);
    expect((await reopened.readAll({ maxCount: 1000 })).length).toBe(201);
  });

  it('checkpoints every file of the process from one worker thread, which ends with the last store', async () => {
    const fill = async (store: SqliteEventStore, prefix: string): Promise<void> => {
      for (let i = 0; i < 20; i++) {
        const events = Array.from({ length: 10 }, () => event('Filled', { text: 'x'.repeat(2000) }));
        await store.append(`${prefix}-${i}`, events, 'no_stream');
      }
    };
    const grows = async (file: string, before: number): Promise<boolean> => {
      for (let waited = 0; waited < 1500; waited += 50) {
        if (statSync(file).size > before + 200_000) return true;
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
      return false;
    };
    // Every worker is a thread of this process (and a V8 isolate): two files add one thread.
    const osThreads = (): number => Number(/^Threads:\s+(\d+)/m.exec(readFileSync('/proc/self/status', 'utf8'))?.[1]);
    expect(checkpointThreads()).toBe(0);
    const threadsBefore = osThreads();
    const [fileA, fileB] = [newFile(), newFile()];
    const a = await open({ file: fileA });
    const b = await open({ file: fileB });
    const [beforeA, beforeB] = [statSync(fileA).size, statSync(fileB).size];
    await fill(a, 'a');
    await fill(b, 'b');
    expect(checkpointThreads()).toBe(1);
    expect(osThreads() - threadsBefore).toBe(1);
    expect(await grows(fileA, beforeA)).toBe(true);
    expect(await grows(fileB, beforeB)).toBe(true);

    // Closing one store leaves the other's checkpoints running on the same thread.
    await a.close();
    expect(existsSync(`${fileA}-wal`)).toBe(false);
    expect(checkpointThreads()).toBe(1);
    const afterB = statSync(fileB).size;
    await fill(b, 'b-again');
    expect(await grows(fileB, afterB)).toBe(true);
    await b.close();
    expect(existsSync(`${fileB}-wal`)).toBe(false);
    expect(checkpointThreads()).toBe(0);

    // A store opened afterwards starts a thread again.
    const fileC = newFile();
    const c = await open({ file: fileC });
    const beforeC = statSync(fileC).size;
    await fill(c, 'c');
    expect(checkpointThreads()).toBe(1);
    expect(await grows(fileC, beforeC)).toBe(true);
  });

  it('reads KAM_SQLITE_SYNCHRONOUS values', () => {
    expect(parseSqliteSynchronous(undefined)).toBe('NORMAL');
    expect(parseSqliteSynchronous('')).toBe('NORMAL');
    expect(parseSqliteSynchronous('full')).toBe('FULL');
    expect(parseSqliteSynchronous('NORMAL')).toBe('NORMAL');
    expect(() => parseSqliteSynchronous('OFF')).toThrow(/NORMAL or FULL/);
  });

  it('exposes the global sequence as the position and rejects positions of other adapters', async () => {
    const store = await open({ file: newFile() });
    expect(await store.headPosition()).toBeUndefined();
    const a = await store.append('deal-a', [event('A')], 'no_stream');
    const b = await store.append('deal-b', [event('B'), event('C')], 'no_stream');
    expect([a.position, b.position]).toEqual(['1', '3']);
    expect(await store.headPosition()).toBe('3');
    expect((await store.readAll({ fromPosition: '1' })).map((e) => e.position)).toEqual(['2', '3']);
    await expect(store.readAll({ fromPosition: '12:7' })).rejects.toThrow(/not a position/);
    expect(() => store.subscribeToAll({ fromPosition: 'abc' }, { onEvent: () => undefined })).toThrow(
      /not a position/,
    );
  });

  it("treats a retry with 'any' as idempotent and refuses ids that belong to another stream", async () => {
    const store = await open({ file: newFile() });
    const batch = [event('A'), event('B')];
    const first = await store.append('deal-1', batch, 'any');
    await store.append('deal-1', [event('C')], 'any');
    await expect(store.append('deal-1', batch, 'any')).resolves.toEqual(first);

    const stolen = await store.append('deal-2', [batch[0]!], 'any').catch((error: unknown) => error);
    expect(stolen).toBeInstanceOf(DuplicateEventId);
    expect(stolen).toMatchObject({ streamId: 'deal-2', eventId: batch[0]!.id, storedInStreamId: 'deal-1' });
    await expect(store.append('deal-3', [event('D'), batch[1]!], 'any')).rejects.toBeInstanceOf(
      DuplicateEventId,
    );
    const repeated = event('E');
    await expect(store.append('deal-4', [repeated, repeated], 'no_stream')).rejects.toMatchObject({
      name: 'DuplicateEventId',
      storedInStreamId: null,
    });

    expect((await store.readAll()).map((e) => e.streamId)).toEqual(['deal-1', 'deal-1', 'deal-1']);
  });

  it('gives up on a write lock held by another process after busyTimeoutMs, as EventStoreUnavailable', async () => {
    const file = newFile();
    const store = await open({ file, busyTimeoutMs: 50 });
    const other = new Database(file);
    try {
      other.exec('BEGIN IMMEDIATE');
      await expect(store.append('deal-locked', [event('A')], 'no_stream')).rejects.toBeInstanceOf(
        EventStoreUnavailable,
      );
      other.exec('ROLLBACK');
      await expect(store.append('deal-locked', [event('A')], 'no_stream')).resolves.toMatchObject({
        nextExpectedRevision: 0,
      });
    } finally {
      other.close();
    }
  });

  it('keeps data across close and reopen, and a subscription resumes from its position', async () => {
    const file = newFile();
    const first = await open({ file });
    await first.append('rep-1', [event('A'), event('B'), event('C')], 'no_stream');
    const seen: RecordedEvent[] = [];
    const subscription = first.subscribeToAll({}, { onEvent: (e) => void seen.push(e) });
    await waitFor(() => seen.length === 3);
    await subscription.stop();
    const resumeFrom = subscription.lastPosition;
    await first.close();
    await expect(first.ping()).resolves.toBe(false);

    const reopened = await open({ file });
    await reopened.append('rep-1', [event('D')], 2);
    expect((await reopened.readStream('rep-1')).map((e) => e.type)).toEqual(['A', 'B', 'C', 'D']);
    expect(await reopened.headPosition()).toBe('4');
    const resumed: RecordedEvent[] = [];
    const again = reopened.subscribeToAll(
      { fromPosition: resumeFrom },
      { onEvent: (e) => void resumed.push(e) },
    );
    await waitFor(() => resumed.length === 1);
    expect(resumed.map((e) => [e.type, e.position])).toEqual([['D', '4']]);
    expect(resumed[0]!.recordedAt).toBeInstanceOf(Date);
    await again.stop();
  });

  it('sees appends of a second instance on the same file through the poll, and their conflicts', async () => {
    const file = newFile();
    const reader = await open({ file, pollIntervalMs: 20 });
    const writer = await open({ file });
    const seen: RecordedEvent[] = [];
    let caughtUp = false;
    const subscription = reader.subscribeToAll(
      {},
      { onEvent: (e) => void seen.push(e), onCaughtUp: () => (caughtUp = true) },
    );
    await waitFor(() => caughtUp);

    await writer.append('team-1', [event('Formed')], 'no_stream');
    await waitFor(() => seen.length === 1);
    expect(seen[0]).toMatchObject({ streamId: 'team-1', type: 'Formed', position: '1' });

    await expect(reader.append('team-1', [event('Renamed')], 'no_stream')).rejects.toMatchObject({
      name: 'WrongExpectedRevision',
      actualRevision: 0,
    });
    await reader.append('team-1', [event('Renamed')], 0);
    expect((await writer.readStream('team-1')).map((e) => e.type)).toEqual(['Formed', 'Renamed']);
    await waitFor(() => seen.length === 2);
    await subscription.stop();
  });

  it('vouches for stream heads it saw itself until another connection writes', async () => {
    const file = newFile();
    const mine = await open({ file });
    const other = await open({ file });
    expect(mine.knownRevision('team-1')).toBeUndefined();
    await mine.append('team-1', [event('Formed'), event('Renamed')], 'no_stream');
    expect(mine.knownRevision('team-1')).toBe(1);
    // Another connection writes any stream: every head is forgotten.
    await other.append('team-2', [event('Formed')], 'no_stream');
    expect(mine.knownRevision('team-1')).toBeUndefined();
    // A forward read to the end, or an empty tail read right after the last revision, finds it again.
    await mine.readStream('team-1');
    expect(mine.knownRevision('team-1')).toBe(1);
    await other.append('team-1', [event('Renamed')], 1);
    expect(mine.knownRevision('team-1')).toBeUndefined();
    expect(await mine.readStream('team-1', { fromRevision: 3 })).toEqual([]);
    expect(mine.knownRevision('team-1')).toBe(2);
    // A read that stops at its limit, or goes backwards, says nothing about the head.
    await other.append('team-3', [event('Formed'), event('Renamed')], 'no_stream');
    await mine.readStream('team-3', { maxCount: 1 });
    await mine.readStream('team-3', { direction: 'backwards', maxCount: 1 });
    expect(mine.knownRevision('team-3')).toBeUndefined();
    // Reading far past the end is not a head either (and keeps the one known).
    await mine.readStream('team-1');
    expect(await mine.readStream('team-1', { fromRevision: 9 })).toEqual([]);
    expect(mine.knownRevision('team-1')).toBe(2);
    await other.append('team-1', [event('Renamed')], 2);
    expect(await mine.readStream('team-1', { fromRevision: 9 })).toEqual([]);
    expect(mine.knownRevision('team-1')).toBeUndefined();
  });

  it('commits the appends of one turn together, each failing or succeeding on its own', async () => {
    const store = await open({ file: newFile() });
    const stored = event('Stored');
    await store.append('s-retry', [stored], 'no_stream');
    const clash = event('Clash');
    await store.append('s-other', [clash], 'no_stream');

    // Asked for in one turn: one group commit.
    const results = await Promise.allSettled([
      store.append('s-1', [event('A')], 'no_stream'),
      store.append('s-retry', [event('Conflict')], 'no_stream'),
      store.append('s-retry', [stored], 'no_stream'),
      store.append('s-2', [event('B1'), clash, event('B3')], 'no_stream'),
      store.append('s-1', [event('A2')], 0),
      store.append('s-3', [event('C1'), event('C2')], 'no_stream'),
    ]);
    const [first, conflict, retry, duplicate, second, pair] = results;
    expect(first).toEqual({ status: 'fulfilled', value: { nextExpectedRevision: 0, position: '3' } });
    expect(conflict).toMatchObject({ status: 'rejected', reason: { name: 'WrongExpectedRevision', actualRevision: 0 } });
    expect(retry).toEqual({ status: 'fulfilled', value: { nextExpectedRevision: 0, position: '1' } });
    expect(duplicate).toMatchObject({ status: 'rejected', reason: expect.any(DuplicateEventId) });
    expect(second).toEqual({ status: 'fulfilled', value: { nextExpectedRevision: 1, position: '4' } });
    expect(pair).toEqual({ status: 'fulfilled', value: { nextExpectedRevision: 1, position: '6' } });
    await expect(store.readStream('s-2')).rejects.toThrow(/not found/);
    expect((await store.readAll()).map((e) => `${e.streamId}@${e.revision}`)).toEqual([
      's-retry@0',
      's-other@0',
      's-1@0',
      's-1@1',
      's-3@0',
      's-3@1',
    ]);
  });

  it('writes the appends still queued when it closes', async () => {
    const file = newFile();
    const store = await openSqliteEventStore({ file });
    const pending = store.append('s-late', [event('Late')], 'no_stream');
    await store.close();
    await expect(pending).resolves.toEqual({ nextExpectedRevision: 0, position: '1' });
    const reopened = await open({ file });
    expect(await reopened.readStream('s-late')).toHaveLength(1);
  });

  it('catches up over several pages in order and signals caught-up once', async () => {
    const store = await open({ file: newFile() });
    const total = SUBSCRIPTION_PAGE_SIZE * 2 + 500;
    for (let i = 0; i < total; i += 100) {
      await store.append(
        `deal-${i}`,
        Array.from({ length: 100 }, () => event('Bulk')),
        'no_stream',
      );
    }
    const positions: number[] = [];
    let caughtUpAt = -1;
    let caughtUpCalls = 0;
    const subscription = store.subscribeToAll(
      {},
      {
        onEvent: (e) => void positions.push(Number(e.position)),
        onCaughtUp: () => {
          caughtUpCalls += 1;
          caughtUpAt = positions.length;
        },
      },
    );
    await waitFor(() => caughtUpCalls > 0);
    expect(caughtUpAt).toBe(total);
    expect(positions).toEqual(Array.from({ length: total }, (_, i) => i + 1));
    await store.append('deal-live', [event('Live')], 'no_stream');
    await waitFor(() => positions.length === total + 1);
    expect(caughtUpCalls).toBe(1);
    await subscription.stop();
  });

  it('stops a subscription whose handler throws and reports the error', async () => {
    const store = await open({ file: newFile() });
    await store.append('deal-x', [event('A'), event('Boom'), event('C')], 'no_stream');
    const handled: string[] = [];
    const errors: Error[] = [];
    const subscription = store.subscribeToAll(
      {},
      {
        onEvent: (e) => {
          if (e.type === 'Boom') throw new Error('projection failed');
          handled.push(e.type);
        },
        onError: (error) => errors.push(error),
      },
    );
    await waitFor(() => errors.length === 1);
    await store.append('deal-y', [event('D')], 'no_stream');
    await sleep(60);
    expect(errors[0]!.message).toBe('projection failed');
    expect(handled).toEqual(['A']);
    expect(subscription.lastPosition).toBe('1');
    await expect(subscription.stop()).resolves.toBeUndefined();
  });

  it('lets a handler stop its own subscription without deadlock', async () => {
    const store = await open({ file: newFile() });
    await store.append('deal-z', [event('A'), event('B'), event('C')], 'no_stream');
    const handled: string[] = [];
    const subscription = store.subscribeToAll(
      {},
      {
        onEvent: async (e) => {
          handled.push(e.type);
          if (e.type === 'B') await subscription.stop();
        },
      },
    );
    await waitFor(() => handled.length >= 2);
    await subscription.stop();
    expect(handled).toEqual(['A', 'B']);
    expect(subscription.lastPosition).toBe('2');
  });

  it('stops its subscriptions on close and refuses work afterwards', async () => {
    const store = await openSqliteEventStore({ file: newFile(), pollIntervalMs: 10_000 });
    let caughtUp = false;
    const subscription = store.subscribeToAll(
      {},
      { onEvent: () => undefined, onCaughtUp: () => (caughtUp = true) },
    );
    await waitFor(() => caughtUp);
    const started = Date.now();
    await store.close();
    expect(Date.now() - started).toBeLessThan(1_000);
    await expect(subscription.stop()).resolves.toBeUndefined();
    await expect(store.append('deal-q', [event('A')], 'any')).rejects.toBeInstanceOf(EventStoreUnavailable);
    await expect(store.headPosition()).rejects.toBeInstanceOf(EventStoreUnavailable);
    await expect(store.ping()).resolves.toBe(false);
    await expect(store.close()).resolves.toBeUndefined();
  });
});

function event(type: string, data: unknown = {}): NewEvent {
  return { id: randomUUID(), type, data, metadata: testMetadata('sqlite-spec', '2026-02-01T12:00:00.000Z') };
}

async function waitFor(condition: () => boolean, timeoutMs = 5_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`Timed out after ${timeoutMs} ms`);
    await sleep(5);
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
