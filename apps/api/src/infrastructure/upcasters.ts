import { UpcasterRegistry } from '@kam/event-store';

/** Every upcaster of the product, registered in one place and applied on every read. */
export function upcasters(): UpcasterRegistry {
  return new UpcasterRegistry();
}
