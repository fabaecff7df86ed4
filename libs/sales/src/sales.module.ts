import { Module } from '@nestjs/common';
import { RegisterAccountHandler } from './account/commands/register-account/register-account.handler';
import { RegisterAccountResolver } from './account/commands/register-account/register-account.resolver';
import { ReassignAccountHandler } from './account/commands/reassign-account/reassign-account.handler';
import { ReassignAccountResolver } from './account/commands/reassign-account/reassign-account.resolver';
import { OpenDealHandler } from './deal/commands/open-deal/open-deal.handler';
import { OpenDealResolver } from './deal/commands/open-deal/open-deal.resolver';
import { AdvanceDealHandler } from './deal/commands/advance-deal/advance-deal.handler';
import { AdvanceDealResolver } from './deal/commands/advance-deal/advance-deal.resolver';
import { ReviseDealValueHandler } from './deal/commands/revise-deal-value/revise-deal-value.handler';
import { ReviseDealValueResolver } from './deal/commands/revise-deal-value/revise-deal-value.resolver';
import { RescheduleDealHandler } from './deal/commands/reschedule-deal/reschedule-deal.handler';
import { RescheduleDealResolver } from './deal/commands/reschedule-deal/reschedule-deal.resolver';
import { ReassignDealHandler } from './deal/commands/reassign-deal/reassign-deal.handler';
import { ReassignDealResolver } from './deal/commands/reassign-deal/reassign-deal.resolver';
import { ChangeDealChannelHandler } from './deal/commands/change-deal-channel/change-deal-channel.handler';
import { ChangeDealChannelResolver } from './deal/commands/change-deal-channel/change-deal-channel.resolver';
import { RecordCompetitorHandler } from './deal/commands/record-competitor/record-competitor.handler';
import { RecordCompetitorResolver } from './deal/commands/record-competitor/record-competitor.resolver';
import { WinDealHandler } from './deal/commands/win-deal/win-deal.handler';
import { WinDealResolver } from './deal/commands/win-deal/win-deal.resolver';
import { LoseDealHandler } from './deal/commands/lose-deal/lose-deal.handler';
import { LoseDealResolver } from './deal/commands/lose-deal/lose-deal.resolver';
import { RecordFulfilmentHandler } from './deal/commands/record-fulfilment/record-fulfilment.handler';
import { RecordFulfilmentResolver } from './deal/commands/record-fulfilment/record-fulfilment.resolver';
import { RepDealsService } from './deal/rep-deals.service';

const handlers = [
  RegisterAccountHandler,
  ReassignAccountHandler,
  OpenDealHandler,
  AdvanceDealHandler,
  ReviseDealValueHandler,
  RescheduleDealHandler,
  ReassignDealHandler,
  ChangeDealChannelHandler,
  RecordCompetitorHandler,
  WinDealHandler,
  LoseDealHandler,
  RecordFulfilmentHandler,
];

const resolvers = [
  RegisterAccountResolver,
  ReassignAccountResolver,
  OpenDealResolver,
  AdvanceDealResolver,
  ReviseDealValueResolver,
  RescheduleDealResolver,
  ReassignDealResolver,
  ChangeDealChannelResolver,
  RecordCompetitorResolver,
  WinDealResolver,
  LoseDealResolver,
  RecordFulfilmentResolver,
];

/**
 * The Sales context's write side: Account and Deal use cases over GraphQL. CqrsModule (global,
 * `forRoot` in the app) and the CommandExecutor / EVENT_STORE (global infrastructure) come from
 * the host application. `RepDealsService` is Sales' published contract for Org's offboarding.
 */
@Module({
  providers: [...handlers, ...resolvers, RepDealsService],
  exports: [RepDealsService],
})
export class SalesModule {}
