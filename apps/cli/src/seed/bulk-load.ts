import { mkdirSync, existsSync } from 'node:fs';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';
import { SQLITE_EVENT_INSERT_SQL, applySqlitePragmas, migrateSqliteEventStore, type SqliteSynchronous } from '@kam/event-store';
import type { SerializedRow } from './memory-event-store';

/**
 * Writes a generated log into a new SQLite event-store file with the store's own schema, pragmas
 * and insert statement, 1,000 rows per transaction, in log order, so positions come out 1..n as
 * the in-memory store numbered them. Only for empty files: this is a loader, not an append path
 * (no expected-revision checks; the handlers already made them).
 */
export function bulkLoadSqlite(
  file: string,
  rows: readonly SerializedRow[],
  options: { synchronous?: SqliteSynchronous; onProgress?: (written: number) => void } = {},
): void {
  if (existsSync(file)) throw new Error(`${file} exists; the bulk loader only writes new event-store files`);
  mkdirSync(dirname(file), { recursive: true });
  const db = new Database(file);
  try {
    applySqlitePragmas(db, options.synchronous ?? 'NORMAL');
    migrateSqliteEventStore(db);
    // Random UUIDs land all over the id and (stream, revision) indexes: with SQLite's default 2 MB
    // page cache every insert pages in index pages, about 10x slower. This connection only.
    db.pragma('cache_size = -524288');
    const insert = db.prepare(SQLITE_EVENT_INSERT_SQL);
    const batch = db.transaction((from: number, to: number) => {
      for (let i = from; i < to; i++) {
        const r = rows[i]!;
        insert.run(r.id, r.streamId, r.revision, r.type, r.data, r.metadata, r.recordedAt);
      }
    });
    for (let i = 0; i < rows.length; i += 1000) {
      batch.immediate(i, Math.min(i + 1000, rows.length));
      options.onProgress?.(Math.min(i + 1000, rows.length));
    }
    db.pragma('wal_checkpoint(TRUNCATE)');
  } finally {
    db.close();
  }
}
