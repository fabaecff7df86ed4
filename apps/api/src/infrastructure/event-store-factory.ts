import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { UpcasterRegistry, openSqliteEventStore, type EventStore } from '@kam/event-store';
import type { AppConfig } from '../config/config';
import { upcasters } from './upcasters';

/** The configured event store (EventStoreDB when EVENTSTORE_URL is set, else the data directory's SQLite file); no Nest here, the projection worker opens it too. */
export async function openEventStore(config: AppConfig, registry: UpcasterRegistry = upcasters()): Promise<EventStore> {
  if (config.eventStoreUrl) {
    // Loaded only here: the gRPC client costs every isolate that requires it ≈ 22 MB (src/esdb.ts).
    const { openEsdbEventStore } = await import('@kam/event-store/esdb');
    return openEsdbEventStore({ connectionString: config.eventStoreUrl, upcasters: registry });
  }
  mkdirSync(config.dataDir, { recursive: true });
  return openSqliteEventStore({
    file: join(config.dataDir, 'events.sqlite'),
    upcasters: registry,
    synchronous: config.sqliteSynchronous,
  });
}
