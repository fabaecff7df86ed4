import Database from 'better-sqlite3';
import type { EventMetadata } from '@kam/kernel';
import {
  MAX_EVENT_BYTES,
  type AppendResult,
  type EventFilter,
  type EventStore,
  type ExpectedRevision,
  type NewEvent,
  type ReadAllOptions,
  type ReadStreamOptions,
  type RecordedEvent,
  type SubscribeOptions,
  type Subscription,
  type SubscriptionHandlers,
} from '../event-store.port';
import {
  DuplicateEventId,
  EventStoreUnavailable,
  EventTooLarge,
  WrongExpectedRevision,
  streamNotFound,
} from '../errors';
import type { UpcasterRegistry } from '../upcasters';
import {
  SQLITE_EVENT_INSERT_SQL,
  applySqlitePragmas,
  migrateSqliteEventStore,
  type SqliteSynchronous,
} from './sqlite-schema';
import {
  SqliteSubscription,
  type SqliteEventRow,
  type SqliteSubscriptionSource,
} from './sqlite-subscription';
import { startCheckpointer, type Checkpointer } from './sqlite-checkpointer';

export {
  DEFAULT_BUSY_TIMEOUT_MS,
  SQLITE_EVENT_STORE_DDL,
  SQLITE_EVENT_INSERT_SQL,
  applySqlitePragmas,
  migrateSqliteEventStore,
  parseSqliteSynchronous,
  type SqliteSynchronous,
} from './sqlite-schema';

export interface SqliteEventStoreOptions {
  /** Path of the database file (created if missing); ':memory:' works for a single instance. */
  file: string;
  upcasters?: UpcasterRegistry;
  /** How often live subscriptions look for appends made by another process; default 250 ms. */
  pollIntervalMs?: number;
  /** Default NORMAL (see docs/adr/0002); callers map `KAM_SQLITE_SYNCHRONOUS` with parseSqliteSynchronous. */
  synchronous?: SqliteSynchronous;
  /** How long an append waits for another process's write lock; default 5000 ms, then EventStoreUnavailable. */
  busyTimeoutMs?: number;
  /**
   * WAL checkpoints on a worker thread (sqlite-checkpointer.ts), started at the first append;
   * default true for a file. False leaves them to SQLite's autocheckpoint inside the commits.
   */
  backgroundCheckpoints?: boolean;
}

/** WAL pages after which the appending connection checkpoints by itself (the worker is gone); SQLite's default is 1000. */
const FALLBACK_AUTOCHECKPOINT_PAGES = 10_000;

export const DEFAULT_POLL_INTERVAL_MS = 250;
/** How many stream heads a store remembers for knownRevision. */
const KNOWN_HEADS = 20_000;

const COLUMNS = 'position, id, stream_id, revision, type, data, metadata, recorded_at';
/** Larger than any position SQLite hands out; the default "from the end" bound of backwards reads. */
const AFTER_LAST_SEQ = Number.MAX_SAFE_INTEGER;
/** A UTF-16 code unit is at most 3 UTF-8 bytes: below this many code units no byte count is needed. */
const SAFE_UNITS = Math.floor(MAX_EVENT_BYTES / 3);

interface SerializedEvent {
  id: string;
  type: string;
  data: string;
  metadata: string;
}

interface StoredIdRow {
  stream_id: string;
  revision: number;
  position: number;
}

type Statement = Database.Statement<unknown[], unknown>;

interface QueuedAppend {
  streamId: string;
  events: SerializedEvent[];
  expected: ExpectedRevision;
  resolve(result: AppendResult): void;
  reject(error: unknown): void;
}

type AppendOutcome =
  | { ok: true; result: AppendResult; /** False for a retry answered from the stored events. */ wrote: boolean }
  | { ok: false; error: unknown };

/** Opens (and creates or migrates) an SQLite event store. */
export async function openSqliteEventStore(options: SqliteEventStoreOptions): Promise<SqliteEventStore> {
  return new SqliteEventStore(options);
}

/**
 * The embedded event store: one SQLite file in WAL mode, driven through better-sqlite3's
 * synchronous API. Every append is one IMMEDIATE transaction, so the expected-revision check and
 * the inserts are atomic also against other processes writing the same file.
 */
export class SqliteEventStore implements EventStore, SqliteSubscriptionSource {
  readonly kind = 'sqlite';
  private readonly db: Database.Database;
  private readonly upcasters: UpcasterRegistry | undefined;
  private readonly pollIntervalMs: number;
  private readonly subscriptions = new Set<SqliteSubscription>();
  private readonly appendListeners = new Set<() => void>();
  private readonly readAllStatements = new Map<string, Statement>();
  private closed = false;

  private readonly streamRevisionStmt: Statement;
  private readonly insertStmt: Statement;
  private readonly findIdStmt: Statement;
  private readonly streamForwardStmt: Statement;
  private readonly streamBackwardStmt: Statement;
  private readonly streamExistsStmt: Statement;
  private readonly revisionExistsStmt: Statement;
  private readonly pageStmt: Statement;
  private readonly headStmt: Statement;
  private readonly dataVersionStmt: Statement;
  /**
   * Stream heads this connection has seen (its own appends, reads to the end of a stream), while
   * no other connection has written: SQLite's data_version changes exactly when another
   * connection commits, and then the whole map is forgotten. Least recently set first out.
   */
  private readonly heads = new Map<string, number>();
  private headsDataVersion: unknown;
  /** data_version read inside the current append transaction. */
  private txDataVersion: unknown;
  /** One append as a savepoint inside the group commit's transaction. */
  private readonly appendSavepoint: (
    streamId: string,
    events: SerializedEvent[],
    expected: ExpectedRevision,
    recordedAt: number,
  ) => AppendResult;
  private readonly batchTx: (batch: QueuedAppend[], recordedAt: number) => AppendOutcome[];
  private readonly appendTx: (
    streamId: string,
    events: SerializedEvent[],
    expected: ExpectedRevision,
    recordedAt: number,
  ) => AppendResult;
  private appendQueue: QueuedAppend[] = [];
  private appendScheduled = false;
  /** Undefined until the first append of a file store that checkpoints in the background. */
  private checkpointer: Checkpointer | undefined;
  private readonly file: string | undefined;

  constructor(options: SqliteEventStoreOptions) {
    this.upcasters = options.upcasters;
    this.pollIntervalMs = options.pollIntervalMs ?? DEFAULT_POLL_INTERVAL_MS;
    this.db = new Database(options.file);
    try {
      applySqlitePragmas(this.db, options.synchronous ?? 'NORMAL', options.busyTimeoutMs);
      migrateSqliteEventStore(this.db);
      if (options.backgroundCheckpoints !== false && options.file !== ':memory:' && options.file !== '') {
        this.file = options.file;
      }
    } catch (error) {
      this.db.close();
      throw error;
    }
    const db = this.db;
    // ORDER BY … LIMIT 1 stops at the first index entry; MAX() here walks the stream's whole index range.
    this.streamRevisionStmt = db
      .prepare('SELECT revision FROM events WHERE stream_id = ? ORDER BY revision DESC LIMIT 1')
      .pluck();
    this.insertStmt = db.prepare(SQLITE_EVENT_INSERT_SQL);
    this.findIdStmt = db.prepare('SELECT stream_id, revision, position FROM events WHERE id = ?');
    this.streamForwardStmt = db.prepare(
      `SELECT ${COLUMNS} FROM events WHERE stream_id = ? AND revision >= ? ORDER BY revision ASC LIMIT ?`,
    );
    this.streamBackwardStmt = db.prepare(
      `SELECT ${COLUMNS} FROM events WHERE stream_id = ? AND revision <= ? ORDER BY revision DESC LIMIT ?`,
    );
    this.streamExistsStmt = db.prepare('SELECT 1 FROM events WHERE stream_id = ? LIMIT 1').pluck();
    this.revisionExistsStmt = db.prepare('SELECT 1 FROM events WHERE stream_id = ? AND revision = ?').pluck();
    this.pageStmt = db.prepare(
      `SELECT ${COLUMNS} FROM events WHERE position > ? ORDER BY position ASC LIMIT ?`,
    );
    this.headStmt = db.prepare('SELECT MAX(position) FROM events').pluck();
    this.dataVersionStmt = db.prepare('PRAGMA data_version').pluck();
    this.headsDataVersion = this.dataVersionStmt.get();
    this.appendSavepoint = db.transaction(this.appendInTransaction.bind(this));
    this.batchTx = db.transaction((batch: QueuedAppend[], recordedAt: number) => {
      this.txDataVersion = this.dataVersionStmt.get();
      return this.appendBatch(batch, recordedAt);
    }).immediate;
    this.appendTx = db.transaction(
      (streamId: string, events: SerializedEvent[], expected: ExpectedRevision, recordedAt: number) => {
        this.txDataVersion = this.dataVersionStmt.get();
        return this.appendInTransaction(streamId, events, expected, recordedAt);
      },
    ).immediate;
  }

  async append(
    streamId: string,
    events: NewEvent[],
    expectedRevision: ExpectedRevision,
  ): Promise<AppendResult> {
    this.assertOpen();
    if (events.length === 0) throw new RangeError(`Append to ${streamId} carries no event`);
    if (
      typeof expectedRevision === 'number' &&
      !(Number.isSafeInteger(expectedRevision) && expectedRevision >= 0)
    ) {
      throw new RangeError(`Expected revision must be a non-negative integer, not ${expectedRevision}`);
    }
    const serialized: SerializedEvent[] = new Array(events.length);
    for (let i = 0; i < events.length; i++) {
      const event = events[i]!;
      const data = JSON.stringify(event.data ?? null);
      const metadata = JSON.stringify(event.metadata);
      if (data.length + metadata.length > SAFE_UNITS) {
        const bytes = Buffer.byteLength(data) + Buffer.byteLength(metadata);
        if (bytes > MAX_EVENT_BYTES) throw new EventTooLarge(streamId, bytes, MAX_EVENT_BYTES);
      }
      serialized[i] = { id: event.id, type: event.type, data, metadata };
    }
    return new Promise<AppendResult>((resolve, reject) => {
      this.appendQueue.push({ streamId, events: serialized, expected: expectedRevision, resolve, reject });
      if (!this.appendScheduled) {
        this.appendScheduled = true;
        setImmediate(this.commitQueuedAppends);
      }
    });
  }

  /**
   * Group commit: the appends asked for in one turn of the event loop (many requests under load)
   * are written in one IMMEDIATE transaction, each behind a savepoint of its own, so one append's
   * conflict or duplicate id undoes only that append. Each caller hears back once the whole
   * transaction has committed (nothing is acknowledged that a crash could lose).
   */
  private readonly commitQueuedAppends = (): void => {
    this.appendScheduled = false;
    const batch = this.appendQueue;
    if (batch.length === 0) return;
    this.appendQueue = [];
    if (this.closed) {
      const error = new EventStoreUnavailable('The SQLite event store is closed');
      for (const append of batch) append.reject(error);
      return;
    }
    if (this.file !== undefined && this.checkpointer === undefined) this.startCheckpoints(this.file);
    if (batch.length === 1) {
      this.commitOne(batch[0]!);
      return;
    }
    let outcomes: AppendOutcome[];
    try {
      outcomes = this.batchTx(batch, Date.now());
    } catch (error) {
      // Nothing of the batch was written.
      for (const append of batch) {
        append.reject(
          isBusy(error)
            ? new EventStoreUnavailable(`The event store file is locked by another writer (${append.streamId})`, error)
            : error,
        );
      }
      return;
    }
    let wrote = false;
    for (let i = 0; i < batch.length; i++) {
      const outcome = outcomes[i]!;
      if (outcome.ok) {
        wrote ||= outcome.wrote;
        if (outcome.wrote) this.sawHead(batch[i]!.streamId, outcome.result.nextExpectedRevision, this.txDataVersion);
        batch[i]!.resolve(outcome.result);
      } else batch[i]!.reject(outcome.error);
    }
    if (wrote) this.announceAppend();
  };

  /**
   * From now on the WAL is copied into the file by a worker thread, not inside this connection's
   * commits (which would stall the event loop for the copy and its fsyncs). This connection keeps
   * a far higher autocheckpoint as the fallback if the worker dies; the WAL keeps the file crash
   * safe either way (a checkpoint only moves committed pages). Under steady appends the WAL rarely
   * restarts from the beginning (that needs a write to find everything copied, and one lands
   * during most of the worker's fsyncs): it grows to the fallback threshold, whose checkpoint then
   * has only the last ~100 ms to copy (measured: 6,000 appends at 300/s, max 18 ms, 2 over 10 ms,
   * against 26 over 10 ms and max 32 ms with SQLite's default every 1000 pages).
   */
  private startCheckpoints(file: string): void {
    this.db.pragma(`wal_autocheckpoint = ${FALLBACK_AUTOCHECKPOINT_PAGES}`);
    this.db.pragma(`journal_size_limit = ${64 * 1024 * 1024}`);
    this.checkpointer = startCheckpointer(file);
  }

  /** An append alone in its turn: its own IMMEDIATE transaction, no savepoint. */
  private commitOne(append: QueuedAppend): void {
    const { streamId, events, expected } = append;
    let result: AppendResult;
    try {
      result = this.appendTx(streamId, events, expected, Date.now());
    } catch (error) {
      if (isBusy(error)) {
        append.reject(new EventStoreUnavailable(`The event store file is locked by another writer (${streamId})`, error));
      } else if (isUniqueViolation(error)) {
        // Only an id can collide: (stream_id, revision) is computed under the write lock.
        try {
          append.resolve(this.retryResultOrThrow(streamId, events, error));
        } catch (duplicate) {
          append.reject(duplicate);
        }
      } else append.reject(error);
      return;
    }
    this.sawHead(streamId, result.nextExpectedRevision, this.txDataVersion);
    append.resolve(result);
    this.announceAppend();
  }

  private announceAppend(): void {
    this.wakeSubscriptions();
    for (const listener of this.appendListeners) listener();
  }

  /**
   * Calls `listener` after every append this connection commits (in the committing turn), e.g. to
   * wake a subscription on another thread, which otherwise only sees it at its next poll.
   */
  onAppended(listener: () => void): () => void {
    this.appendListeners.add(listener);
    return () => this.appendListeners.delete(listener);
  }

  /** Live subscriptions read the log at once: another connection announced an append (see onAppended). */
  wakeSubscriptions(): void {
    for (const subscription of this.subscriptions) subscription.notify();
  }

  knownRevision(streamId: string): number | undefined {
    if (this.closed || this.heads.size === 0) return undefined;
    const version = this.dataVersionStmt.get();
    if (version !== this.headsDataVersion) {
      // Another connection (process, instance) committed: any head may have moved.
      this.heads.clear();
      this.headsDataVersion = version;
      return undefined;
    }
    return this.heads.get(streamId);
  }

  /**
   * `revision` was the stream's head when this connection's data_version was `version` (read
   * before a read, or inside the write transaction of an append, where nobody else can commit).
   */
  private sawHead(streamId: string, revision: number, version: unknown): void {
    if (version !== this.headsDataVersion) {
      // Whichever of the two is older, the next knownRevision sees a change and forgets again.
      this.heads.clear();
      this.headsDataVersion = version;
    }
    this.heads.delete(streamId);
    this.heads.set(streamId, revision);
    if (this.heads.size > KNOWN_HEADS) this.heads.delete(this.heads.keys().next().value!);
  }

  /**
   * Runs inside the IMMEDIATE transaction of a group commit. An append of several events runs
   * behind a savepoint (a duplicate id among its later events undoes its earlier ones); a
   * one-event append needs none: its only insert fails alone, and a revision conflict is found
   * before anything is written.
   */
  private appendBatch(batch: QueuedAppend[], recordedAt: number): AppendOutcome[] {
    const outcomes: AppendOutcome[] = new Array(batch.length);
    for (let i = 0; i < batch.length; i++) {
      const { streamId, events, expected } = batch[i]!;
      try {
        const result =
          events.length === 1
            ? this.appendInTransaction(streamId, events, expected, recordedAt)
            : this.appendSavepoint(streamId, events, expected, recordedAt);
        outcomes[i] = { ok: true, wrote: true, result };
      } catch (error) {
        if (error instanceof WrongExpectedRevision) {
          outcomes[i] = { ok: false, error };
        } else if (isUniqueViolation(error)) {
          // Only an id can collide: (stream_id, revision) is computed under the write lock.
          try {
            outcomes[i] = { ok: true, wrote: false, result: this.retryResultOrThrow(streamId, events, error) };
          } catch (duplicate) {
            outcomes[i] = { ok: false, error: duplicate };
          }
        } else {
          // Anything else (I/O, a full disk) may have ended the transaction: the whole batch fails.
          throw error;
        }
      }
    }
    return outcomes;
  }

  async readStream(streamId: string, options: ReadStreamOptions = {}): Promise<RecordedEvent[]> {
    this.assertOpen();
    const limit = limitOf(options.maxCount);
    const backwards = options.direction === 'backwards';
    const from = options.fromRevision ?? (backwards ? AFTER_LAST_SEQ : 0);
    // Taken before the read: a head seen by the read is recorded under a version no later than it.
    const version = backwards ? undefined : this.dataVersionStmt.get();
    const rows = (
      backwards
        ? this.streamBackwardStmt.all(streamId, from, limit)
        : this.streamForwardStmt.all(streamId, from, limit)
    ) as SqliteEventRow[];
    if (rows.length === 0) {
      // Every stream has revision 0: an empty read that would have reached it proves there is no stream.
      const reachesRevisionZero = limit !== 0 && (backwards ? from >= 0 : from <= 0);
      if (reachesRevisionZero) throw streamNotFound(streamId);
      // Revisions are dense: a forward read that finds nothing at `from` but an event at `from - 1`
      // (the tail read after a fold) has found the stream's head.
      if (!backwards && limit !== 0 && this.revisionExistsStmt.get(streamId, from - 1) !== undefined) {
        this.sawHead(streamId, from - 1, version);
      } else if (this.streamExistsStmt.get(streamId) === undefined) throw streamNotFound(streamId);
    } else if (!backwards && (limit < 0 || rows.length < limit)) {
      // A forward read that stopped before its limit reached the stream's last event.
      this.sawHead(streamId, rows[rows.length - 1]!.revision, version);
    }
    return rows.map((row) => this.toRecorded(row));
  }

  async readAll(options: ReadAllOptions = {}): Promise<RecordedEvent[]> {
    this.assertOpen();
    const backwards = options.direction === 'backwards';
    const from =
      options.fromPosition === undefined ? (backwards ? AFTER_LAST_SEQ : 0) : toSeq(options.fromPosition);
    const types = nonEmpty(options.filter?.eventTypePrefixes);
    const streams = nonEmpty(options.filter?.streamPrefixes);
    const stmt = this.readAllStatement(backwards, types?.length ?? 0, streams?.length ?? 0);
    const rows = stmt.all(
      from,
      ...(types ?? []),
      ...(streams ?? []),
      limitOf(options.maxCount),
    ) as SqliteEventRow[];
    return rows.map((row) => this.toRecorded(row));
  }

  subscribeToAll(options: SubscribeOptions, handlers: SubscriptionHandlers): Subscription {
    this.assertOpen();
    const fromSeq = options.fromPosition === undefined ? 0 : toSeq(options.fromPosition);
    const subscription = new SqliteSubscription(
      this,
      fromSeq,
      options.fromPosition,
      copyFilter(options.filter),
      handlers,
      this.pollIntervalMs,
    );
    this.subscriptions.add(subscription);
    return subscription;
  }

  async headPosition(): Promise<string | undefined> {
    this.assertOpen();
    const head = this.headStmt.get() as number | null;
    return head === null ? undefined : String(head);
  }

  async ping(): Promise<boolean> {
    if (this.closed) return false;
    try {
      this.db.prepare('SELECT 1').get();
      return true;
    } catch {
      return false;
    }
  }

  async close(): Promise<void> {
    if (this.closed) return;
    // Appends already asked for are written (or fail) before the file closes.
    this.commitQueuedAppends();
    this.closed = true;
    this.heads.clear();
    await Promise.all([...this.subscriptions].map((subscription) => subscription.stop()));
    // The worker closes first: this connection, the last one, then checkpoints and removes the WAL.
    await this.checkpointer?.stop();
    this.db.close();
  }

  /** Connection settings as SQLite reports them (diagnostics and tests). */
  settings(): { journalMode: string; synchronous: SqliteSynchronous | 'OFF' | 'EXTRA' } {
    this.assertOpen();
    const journalMode = String(this.db.pragma('journal_mode', { simple: true }));
    const level = Number(this.db.pragma('synchronous', { simple: true }));
    const synchronous = (['OFF', 'NORMAL', 'FULL', 'EXTRA'] as const)[level] ?? 'EXTRA';
    return { journalMode, synchronous };
  }

  /** @internal Subscription source: rows after a sequence number, in order. */
  readPage(afterSeq: number, limit: number): SqliteEventRow[] {
    this.assertOpen();
    return this.pageStmt.all(afterSeq, limit) as SqliteEventRow[];
  }

  /** @internal Subscription source: a stored row as the port's event, upcast to the latest schema. */
  toRecorded(row: SqliteEventRow): RecordedEvent {
    const event: RecordedEvent = {
      id: row.id,
      streamId: row.stream_id,
      revision: row.revision,
      position: String(row.position),
      type: row.type,
      data: JSON.parse(row.data) as unknown,
      metadata: JSON.parse(row.metadata) as EventMetadata,
      recordedAt: new Date(row.recorded_at),
    };
    return this.upcasters ? this.upcasters.apply(event) : event;
  }

  /** @internal Subscription source: a subscription has ended. */
  release(subscription: SqliteSubscription): void {
    this.subscriptions.delete(subscription);
  }

  private appendInTransaction(
    streamId: string,
    events: SerializedEvent[],
    expected: ExpectedRevision,
    recordedAt: number,
  ): AppendResult {
    const current = (this.streamRevisionStmt.get(streamId) as number | undefined) ?? null;
    if (!revisionMatches(expected, current)) {
      const retry = this.retryResult(streamId, events);
      if (retry) return retry;
      throw new WrongExpectedRevision(streamId, String(expected), current);
    }
    let revision = current ?? -1;
    let position: number | bigint = 0;
    for (const event of events) {
      revision += 1;
      position = this.insertStmt.run(
        event.id,
        streamId,
        revision,
        event.type,
        event.data,
        event.metadata,
        recordedAt,
      ).lastInsertRowid;
    }
    return { nextExpectedRevision: revision, position: String(position) };
  }

  /**
   * A retried append: its first event id is already stored in this stream. The answer is the
   * revision and position of the last of the batch's events that are stored there.
   */
  private retryResult(streamId: string, events: SerializedEvent[]): AppendResult | undefined {
    const first = this.findIdStmt.get(events[0]!.id) as StoredIdRow | undefined;
    if (!first || first.stream_id !== streamId) return undefined;
    let last = first;
    for (let i = 1; i < events.length; i++) {
      const stored = this.findIdStmt.get(events[i]!.id) as StoredIdRow | undefined;
      if (stored && stored.stream_id === streamId && stored.revision > last.revision) last = stored;
    }
    return { nextExpectedRevision: last.revision, position: String(last.position) };
  }

  private retryResultOrThrow(streamId: string, events: SerializedEvent[], cause: unknown): AppendResult {
    const retry = this.retryResult(streamId, events);
    if (retry) return retry;
    const seen = new Set<string>();
    for (const event of events) {
      if (seen.has(event.id)) throw new DuplicateEventId(streamId, event.id, null);
      seen.add(event.id);
      const stored = this.findIdStmt.get(event.id) as StoredIdRow | undefined;
      if (stored) throw new DuplicateEventId(streamId, event.id, stored.stream_id);
    }
    throw cause;
  }

  private readAllStatement(backwards: boolean, types: number, streams: number): Statement {
    const key = `${backwards ? 'b' : 'f'}:${types}:${streams}`;
    let stmt = this.readAllStatements.get(key);
    if (!stmt) {
      // instr(x, p) = 1 is "x starts with p", exact for any characters (LIKE would need escaping).
      const where = [backwards ? 'position < ?' : 'position > ?'];
      if (types > 0) where.push(`(${Array(types).fill('instr(type, ?) = 1').join(' OR ')})`);
      if (streams > 0) where.push(`(${Array(streams).fill('instr(stream_id, ?) = 1').join(' OR ')})`);
      stmt = this.db.prepare(
        `SELECT ${COLUMNS} FROM events WHERE ${where.join(' AND ')} ORDER BY position ${backwards ? 'DESC' : 'ASC'} LIMIT ?`,
      );
      this.readAllStatements.set(key, stmt);
    }
    return stmt;
  }

  private assertOpen(): void {
    if (this.closed) throw new EventStoreUnavailable('The SQLite event store is closed');
  }
}

function revisionMatches(expected: ExpectedRevision, current: number | null): boolean {
  switch (expected) {
    case 'any':
      return true;
    case 'no_stream':
      return current === null;
    case 'stream_exists':
      return current !== null;
    default:
      return current === expected;
  }
}

/** SQLite positions are the global sequence as a decimal string. */
function toSeq(position: string): number {
  if (!/^\d{1,16}$/.test(position)) {
    throw new RangeError(`${JSON.stringify(position)} is not a position of the SQLite event store`);
  }
  const seq = Number(position);
  if (!Number.isSafeInteger(seq)) {
    throw new RangeError(`${JSON.stringify(position)} is not a position of the SQLite event store`);
  }
  return seq;
}

function limitOf(maxCount: number | undefined): number {
  if (maxCount === undefined) return -1;
  if (!Number.isSafeInteger(maxCount) || maxCount < 0) {
    throw new RangeError(`maxCount must be a non-negative integer, not ${maxCount}`);
  }
  return maxCount;
}

/** An empty prefix list is read as "no filter on that dimension", like an omitted one. */
function nonEmpty(prefixes: string[] | undefined): string[] | undefined {
  return prefixes && prefixes.length > 0 ? prefixes : undefined;
}

function copyFilter(filter: EventFilter | undefined): EventFilter | undefined {
  if (!filter) return undefined;
  return {
    eventTypePrefixes: nonEmpty(filter.eventTypePrefixes)?.slice(),
    streamPrefixes: nonEmpty(filter.streamPrefixes)?.slice(),
  };
}

/**
 * SQLite's result code of an error, if it is one. Checked by shape, not `instanceof`: the native
 * addon keeps the SqliteError class of the first module instance that loaded it, so a second
 * instance (test runners with per-file module registries) throws errors of another class.
 */
function sqliteCode(error: unknown): string | undefined {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' && code.startsWith('SQLITE_') ? code : undefined;
}

function isUniqueViolation(error: unknown): boolean {
  const code = sqliteCode(error);
  return code === 'SQLITE_CONSTRAINT_UNIQUE' || code === 'SQLITE_CONSTRAINT_PRIMARYKEY';
}

function isBusy(error: unknown): boolean {
  const code = sqliteCode(error);
  return code !== undefined && (code.startsWith('SQLITE_BUSY') || code === 'SQLITE_LOCKED');
}
