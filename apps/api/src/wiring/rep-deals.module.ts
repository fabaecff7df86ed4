import { Global, Module } from '@nestjs/common';
import { REP_DEALS_PORT } from '@kam/org';
import { RepDealsService, SalesModule } from '@kam/sales';

/**
 * Binds org's RepDealsPort to the sales context's RepDealsService. Org declares the port because
 * sales depends on org; only the app knows both. Global, so OrgModule's offboarding handler sees
 * the token without org importing anything from sales.
 */
@Global()
@Module({
  imports: [SalesModule],
  providers: [{ provide: REP_DEALS_PORT, useExisting: RepDealsService }],
  exports: [REP_DEALS_PORT],
})
export class RepDealsWiringModule {}
