// Entity read models, entity queries and the change feed (entities/, feed/).
export { ENTITY_PROJECTIONS } from './entities/entity-projections';
export { EntitiesModule } from './entities/entities.module';
export { READ_FRESHNESS, READ_MODEL_ACCESS, type ReadFreshness } from './feed/read-freshness';
export { teamsProjection, TEAMS_PROJECTION, type TeamRow } from './entities/teams/teams.projection';
export { repsProjection, REPS_PROJECTION, REP_VERSIONS_TABLE, type RepRow } from './entities/reps/reps.projection';
export { accountsProjection, ACCOUNTS_PROJECTION, type AccountRow } from './entities/accounts/accounts.projection';
export { dealsProjection, DEALS_PROJECTION, type DealRow } from './entities/deals/deals.projection';
export { trainingProjection, TRAINING_PROJECTION, type TrainingSessionRow } from './entities/training/training.projection';
export { TeamsQuery } from './entities/teams/teams.query';
export { RepsQuery, type RepFilter } from './entities/reps/reps.query';
export { AccountsQuery, type AccountFilter } from './entities/accounts/accounts.query';
export { DealsQuery, type DealFilter } from './entities/deals/deals.query';
export { TrainingSessionsQuery, type TrainingSessionFilter } from './entities/training/training.query';
export { EventsFeed, FEED_SCAN_LIMIT } from './feed/events-feed';

// Reports (kpis/, pipeline/, funnel/, channels/, key-accounts/, competitors/, training-reports/).
export { REPORT_PROJECTIONS } from './kpis/report-projections';
export { ReportsModule } from './kpis/reports.module';
export { REPORTS_CLOCK, type ReportsClock } from './kpis/common/tokens';
export { KpiQueries, LEADERBOARD_METRICS, type LeaderboardMetric } from './kpis/kpis.queries';
export { PipelineQueries } from './pipeline/pipeline.queries';
export { ChannelQueries } from './channels/channels.queries';
export { FunnelQueries } from './funnel/funnel.queries';
export { KeyAccountQueries } from './key-accounts/key-accounts.queries';
export { CompetitorQueries } from './competitors/competitors.queries';
export { TrainingReportQueries } from './training-reports/training-reports.queries';
export { Kpis, RepPerformance, TeamPerformance } from './kpis/kpis.model';
export { PeriodInput } from './kpis/common/period.input';
export { QueryCache, QUERY_CACHE, normalize, projectionStateVersion, type QueryCacheOptions, type ReadModelVersionSource } from './common/query-cache';
export { QueryCacheModule } from './common/query-cache.module';
