import type { RecordedEvent } from '@kam/event-store';
import type { EventType } from '@kam/kernel';
import type { RepEvent, TeamEvent } from '@kam/org';
import type { AccountEvent, DealEvent } from '@kam/sales';
import type { TrainingEvent } from '@kam/training';
import { instantMs } from './time';

/** Every event the contexts publish, as the typed `{ type, data }` union of their contracts. */
export type KnownEvent = TeamEvent | RepEvent | AccountEvent | DealEvent | TrainingEvent;
export type KnownEventType = KnownEvent['type'];

/** One event a projection handles: its typed payload, its business time (ms) and its position. */
export type Handled<T extends KnownEventType> = Extract<KnownEvent, { type: T }> & {
  /** `metadata.occurredAt` in epoch ms: business time, not the time the store recorded it. */
  at: number;
  position: string;
};

/** Where `handled` keeps an event's narrowed form on the recorded event (not enumerable: invisible to copies and comparisons). */
const HANDLED = Symbol('kam.handled');

/**
 * Narrows a recorded event to one of `types` (the projection's `eventTypes`). The engine only
 * delivers those, so anything else is skipped rather than trusted. The narrowed form is made once
 * per recorded event and shared by every report that handles it (seven reports parse the same
 * business time otherwise); it must not be changed.
 */
export function handled<T extends KnownEventType & EventType>(event: RecordedEvent, types: readonly T[] | ReadonlySet<string>): Handled<T> | null {
  if (!('has' in types ? types.has(event.type) : (types as readonly string[]).includes(event.type))) return null;
  const made = (event as { [HANDLED]?: Handled<T> })[HANDLED];
  if (made !== undefined) return made;
  if (typeof event.data !== 'object' || event.data === null) throw new Error(`Event ${event.id} (${event.type}) has no data`);
  const narrowed = {
    type: event.type,
    data: event.data,
    at: instantMs(event.metadata.occurredAt),
    position: event.position,
  } as Handled<T>;
  if (Object.isExtensible(event)) Object.defineProperty(event, HANDLED, { value: narrowed });
  return narrowed;
}
