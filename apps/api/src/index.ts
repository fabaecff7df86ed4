export * from './config/config';
export { createApp } from './bootstrap';
export { openEventStore } from './infrastructure/event-store-factory';
export { allProjections, openConfiguredReadStore, createEngine } from './read-side/engine-factory';
export { configuredRebuildOffload, workerRebuildOffload, REBUILD_WORKER_PROJECTIONS } from './read-side/rebuild-offload';
