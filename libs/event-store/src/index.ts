export * from './event-store.port';
export * from './position';
export * from './errors';
export * from './upcasters';
export * from './aggregate/command-executor';
export * from './sqlite/sqlite-event-store';
export type { SqliteEventRow } from './sqlite/sqlite-subscription';
export * from './sqlite/sqlite-checkpointer';
