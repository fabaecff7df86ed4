import { UpcasterRegistry } from '@kam/event-store';
// The upcasters' own file: the projection worker loads this without the sales module's Nest side.
import { SALES_UPCASTERS } from '@kam/sales/upcasters';

/** Every upcaster of the product, registered in one place and applied on every read. */
export function upcasters(): UpcasterRegistry {
  const registry = new UpcasterRegistry();
  for (const upcaster of SALES_UPCASTERS) registry.register(upcaster);
  return registry;
}
