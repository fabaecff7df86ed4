import { Module } from '@nestjs/common';
import { ChannelQueries } from '../channels/channels.queries';
import { ChannelResolver } from '../channels/channels.resolver';
import { CompetitorQueries } from '../competitors/competitors.queries';
import { CompetitorResolver } from '../competitors/competitors.resolver';
import { FunnelQueries } from '../funnel/funnel.queries';
import { FunnelResolver } from '../funnel/funnel.resolver';
import { KeyAccountQueries } from '../key-accounts/key-accounts.queries';
import { KeyAccountResolver } from '../key-accounts/key-accounts.resolver';
import { PipelineQueries } from '../pipeline/pipeline.queries';
import { PipelineResolver } from '../pipeline/pipeline.resolver';
import { TrainingReportQueries } from '../training-reports/training-reports.queries';
import { TrainingReportResolver } from '../training-reports/training-reports.resolver';
import { EntityLinks } from './common/entity-links';
import { REPORTS_CLOCK, systemClock } from './common/tokens';
import { KpiQueries } from './kpis.queries';
import { KpiResolver } from './kpis.resolver';

const QUERIES = [PipelineQueries, KpiQueries, ChannelQueries, FunnelQueries, KeyAccountQueries, CompetitorQueries, TrainingReportQueries];

/**
 * The report queries of product.md §3/§4 (teamPerformance … trainingEffectiveness). Expects the
 * app to provide, globally, READ_MODEL_ACCESS (the read store) and READ_FRESHNESS (the
 * atLeastPosition wait), and to register REPORT_PROJECTIONS with the projection engine. The
 * nested `rep` / `account` fields use the entity queries when the app serves them.
 */
@Module({
  providers: [
    { provide: REPORTS_CLOCK, useValue: systemClock },
    ...QUERIES,
    EntityLinks,
    KpiResolver,
    PipelineResolver,
    ChannelResolver,
    FunnelResolver,
    KeyAccountResolver,
    CompetitorResolver,
    TrainingReportResolver,
  ],
  exports: QUERIES,
})
export class ReportsModule {}
