export * from './config/config';
export { createApp } from './bootstrap';
export { openEventStore } from './infrastructure/infrastructure.module';
export { allProjections, openConfiguredReadStore, createEngine } from './read-side/read-side.module';
