import { existsSync, mkdirSync, renameSync, rmSync } from 'node:fs';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';
import {
  SQLITE_EVENT_INSERT_SQL,
  applySqlitePragmas,
  migrateSqliteEventStore,
  type SqliteSynchronous,
} from '@kam/event-store';
import type { SerializedRow } from './memory-event-store';

/**
 * Writes a generated log into a new SQLite event-store file with the store's own schema and
 * insert statement, in log order, so positions come out 1..n as the in-memory store numbered
 * them. Only for new files: this is a loader, not an append path (no expected-revision checks; the
 * handlers already made them).
 *
 * The file is written under a temporary name with the journal in memory, synchronous=OFF, a big
 * page cache and 50,000 rows per transaction, then switched to the store's WAL settings and
 * renamed into place: random UUID keys in the id and (stream, revision) indexes make small
 * transactions write most index pages again and again (measured ~4x slower here). A crash leaves
 * only the temporary file, which the next load replaces.
 */
export function bulkLoadSqlite(
  file: string,
  rows: readonly SerializedRow[],
  options: { synchronous?: SqliteSynchronous; onProgress?: (written: number) => void } = {},
): void {
  if (existsSync(file)) throw new Error(`${file} exists; the bulk loader only writes new event-store files`);
  mkdirSync(dirname(file), { recursive: true });
  const loading = `${file}.loading`;
  for (const suffix of ['', '-wal', '-shm', '-journal']) rmSync(`${loading}${suffix}`, { force: true });
  const db = new Database(loading);
  try {
    db.pragma('journal_mode = MEMORY');
    db.pragma('synchronous = OFF');
    db.pragma('cache_size = -524288');
    migrateSqliteEventStore(db);
    const insert = db.prepare(SQLITE_EVENT_INSERT_SQL);
    const batch = db.transaction((from: number, to: number) => {
      for (let i = from; i < to; i++) {
        const r = rows[i]!;
        insert.run(r.id, r.streamId, r.revision, r.type, r.data, r.metadata, r.recordedAt);
      }
    });
    const size = 50_000;
    for (let i = 0; i < rows.length; i += size) {
      const to = Math.min(i + size, rows.length);
      batch.immediate(i, to);
      options.onProgress?.(to);
    }
    applySqlitePragmas(db, options.synchronous ?? 'NORMAL');
  } finally {
    db.close();
  }
  renameSync(loading, file);
}
