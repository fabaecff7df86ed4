export * from './config/config';
export { createApp } from './bootstrap';
export { openEventStore } from './infrastructure/infrastructure.module';
