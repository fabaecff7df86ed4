/** The worker lives with the event store, whose SQLite file needs it too; the read store uses the same one. */
export { startCheckpointer, type Checkpointer } from '@kam/event-store';
