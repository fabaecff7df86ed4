import type { Projection } from '@kam/read-store';
import { accountsProjection } from './accounts/accounts.projection';
import { dealsProjection } from './deals/deals.projection';
import { repsProjection } from './reps/reps.projection';
import { teamsProjection } from './teams/teams.projection';
import { trainingProjection } from './training/training.projection';

/** The entity read models, for the projection engine (the app registers them with the others). */
export const ENTITY_PROJECTIONS: Projection[] = [
  teamsProjection,
  repsProjection,
  accountsProjection,
  dealsProjection,
  trainingProjection,
];
