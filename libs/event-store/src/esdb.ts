/**
 * The EventStoreDB adapter alone (`@kam/event-store/esdb`). Not in the library's index: the gRPC
 * client it loads is ≈ 180 modules, 6 MB of heap and 22 MB of RSS in every isolate that requires
 * it, and the embedded SQLite default never needs it. The API loads it only when EVENTSTORE_URL is
 * set (apps/api/src/infrastructure/event-store-factory.ts).
 */
export * from './esdb/esdb-event-store';
