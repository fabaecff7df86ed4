export * from './team/team.events';
export * from './team/team.commands';
export * from './team/team.decider';
export * from './rep/rep.events';
export * from './rep/rep.commands';
export * from './rep/rep.decider';
export { ORG_RULES, MAX_NAME_LENGTH, type OrgRule } from './org.rules';
export { REP_DEALS_PORT, type RepDealsPort } from './rep/rep-deals.port';
export { OrgModule } from './org.module';
