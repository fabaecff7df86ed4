import type { Database } from 'better-sqlite3';

/**
 * The SQLite event log: one table, one row per event. `position` is the rowid, so the global
 * order is the order in which write transactions committed (SQLite serialises writers, so a
 * reader can never see position n+1 before n — no gap guard needed, unlike PostgreSQL).
 * No AUTOINCREMENT: it costs a sqlite_sequence write per insert (~20% of append throughput), and
 * the log is append-only — rowids are only ever reused if someone deletes the newest rows by hand,
 * which would break subscribers' cursors anyway. ADR: docs/adr/0002-sqlite-event-store.md.
 */
export const SQLITE_EVENT_STORE_SCHEMA_VERSION = 1;

export const SQLITE_EVENT_STORE_DDL = `
CREATE TABLE IF NOT EXISTS events (
  position    INTEGER PRIMARY KEY,
  id          TEXT    NOT NULL UNIQUE,
  stream_id   TEXT    NOT NULL,
  revision    INTEGER NOT NULL,
  type        TEXT    NOT NULL,
  data        TEXT    NOT NULL,
  metadata    TEXT    NOT NULL,
  recorded_at INTEGER NOT NULL,
  UNIQUE (stream_id, revision)
);
`;

export const SQLITE_EVENT_INSERT_SQL =
  'INSERT INTO events (id, stream_id, revision, type, data, metadata, recorded_at) VALUES (?, ?, ?, ?, ?, ?, ?)';

export type SqliteSynchronous = 'NORMAL' | 'FULL';

/** How long a write waits for another connection's write lock before giving up (it blocks the thread). */
export const DEFAULT_BUSY_TIMEOUT_MS = 5000;

/**
 * Connection settings shared by the store and the append benchmark. WAL lets readers run while a
 * writer commits; synchronous=NORMAL in WAL survives process crashes (only an OS crash or power
 * loss can drop the last commits), see the ADR. busy_timeout lets a second process wait for the
 * write lock instead of failing at once.
 */
export function applySqlitePragmas(
  db: Database,
  synchronous: SqliteSynchronous,
  busyTimeoutMs = DEFAULT_BUSY_TIMEOUT_MS,
): void {
  db.pragma('journal_mode = WAL');
  db.pragma(`synchronous = ${synchronous}`);
  db.pragma(`busy_timeout = ${Math.max(0, Math.floor(busyTimeoutMs))}`);
}

/** Reads `KAM_SQLITE_SYNCHRONOUS` (or any string) into a synchronous mode; NORMAL unless it says FULL. */
export function parseSqliteSynchronous(value: string | undefined): SqliteSynchronous {
  if (value === undefined || value.trim() === '') return 'NORMAL';
  const upper = value.trim().toUpperCase();
  if (upper === 'NORMAL' || upper === 'FULL') return upper;
  throw new Error(`KAM_SQLITE_SYNCHRONOUS must be NORMAL or FULL, not ${JSON.stringify(value)}`);
}

export function migrateSqliteEventStore(db: Database): void {
  const version = db.pragma('user_version', { simple: true }) as number;
  if (version > SQLITE_EVENT_STORE_SCHEMA_VERSION) {
    throw new Error(
      `Event store file has schema version ${version}; this build knows up to ${SQLITE_EVENT_STORE_SCHEMA_VERSION}`,
    );
  }
  if (version === SQLITE_EVENT_STORE_SCHEMA_VERSION) return;
  db.transaction(() => {
    db.exec(SQLITE_EVENT_STORE_DDL);
    db.pragma(`user_version = ${SQLITE_EVENT_STORE_SCHEMA_VERSION}`);
  }).immediate();
}
