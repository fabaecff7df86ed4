/**
 * The read models alone, without the GraphQL side of @kam/reporting (models, resolvers, Nest):
 * what a process or thread that only projects needs to load (`@kam/reporting/projections`).
 */
export { ENTITY_PROJECTIONS } from './entities/entity-projections';
export { REPORT_PROJECTIONS } from './kpis/report-projections';
