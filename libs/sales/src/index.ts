export { SALES_RULES, type SalesRule } from './sales.rules';
export * from './account/account.events';
export * from './account/account.commands';
export * from './account/account.decider';
export * from './deal/deal.events';
export * from './deal/deal.commands';
export * from './deal/deal.decider';
export { SalesModule } from './sales.module';
export { RepDealsService } from './deal/rep-deals.service';
