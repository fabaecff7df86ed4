import { openSqliteEventStore, type EventStore } from '@kam/event-store';
import { openReadStore, type ReadStore } from '../read-store';

/**
 * The stores of a test child process, from its environment: EVENTS_FILE (SQLite log) and either
 * READ_PG_URL + READ_PG_SCHEMA (PostgreSQL) or READ_SQLITE_FILE.
 */
export async function openChildStores(): Promise<{ store: EventStore; readStore: ReadStore }> {
  const store = await openSqliteEventStore({ file: process.env.EVENTS_FILE! });
  const readStore = await openReadStore(
    process.env.READ_PG_URL
      ? { databaseUrl: process.env.READ_PG_URL, pgSchema: process.env.READ_PG_SCHEMA }
      : { sqliteFile: process.env.READ_SQLITE_FILE },
  );
  return { store, readStore };
}
