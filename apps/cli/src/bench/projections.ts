import type { Projection } from '@kam/read-store';
// The API's list of every read model (the engine, rebuild and the projector use it). It is not
// exported through @kam/api's index; importing the module keeps the bench on the very same list.
// eslint-disable-next-line no-restricted-imports
import { allProjections } from '../../../api/src/read-side/engine-factory';

export function benchProjections(): Projection[] {
  return allProjections();
}
