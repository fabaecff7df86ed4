import type { Projection } from '@kam/read-store';
import { channelProjection } from '../channels/channels.projection';
import { competitorProjection } from '../competitors/competitors.projection';
import { funnelProjection } from '../funnel/funnel.projection';
import { keyAccountProjection } from '../key-accounts/key-accounts.projection';
import { pipelineProjection } from '../pipeline/pipeline.projection';
import { trainingReportProjection } from '../training-reports/training-reports.projection';
import { kpiProjection } from './kpis.projection';

/**
 * The report read models (product.md §3), one per report folder, each with its own tables and
 * checkpoint so each rebuilds alone. Register them with the projection engine next to the entity
 * projections.
 */
export const REPORT_PROJECTIONS: Projection[] = [
  kpiProjection,
  pipelineProjection,
  channelProjection,
  funnelProjection,
  keyAccountProjection,
  competitorProjection,
  trainingReportProjection,
];
