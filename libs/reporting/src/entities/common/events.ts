import type { DomainEvent } from '@kam/kernel';
import type { RecordedEvent } from '@kam/event-store';
import { isoInstant } from './sql';

/** A recorded event narrowed to one member of a domain-event union (distributes, so `switch (e.type)` narrows `data`). */
export type Recorded<E extends DomainEvent> = E extends DomainEvent
  ? Omit<RecordedEvent, 'type' | 'data'> & { type: E['type']; data: E['data'] }
  : never;

/**
 * Keeps the events whose type is in `types`, typed as the union they belong to. The engine only
 * delivers the declared types; the filter makes a stray one a no-op instead of a parked event.
 */
export function handledEvents<E extends DomainEvent>(
  events: readonly RecordedEvent[],
  types: readonly E['type'][],
): Array<Recorded<E>> {
  const set = new Set<string>(types);
  return events.filter((e) => set.has(e.type)) as unknown as Array<Recorded<E>>;
}

/** Business time of an event, in the stored shape. */
export function occurredAt(event: Pick<RecordedEvent, 'metadata'>): string {
  return isoInstant(event.metadata.occurredAt);
}

/** When the store recorded it (what `updatedSince` compares with), in the stored shape. */
export function recordedAt(event: Pick<RecordedEvent, 'recordedAt'>): string {
  return isoInstant(event.recordedAt);
}
