import { Global, Module } from '@nestjs/common';
import { EVENT_STORE, type EventStore } from '@kam/event-store';
import { UNRESTRICTED } from '@kam/graphql';
import { REP_DEALS_PORT, type RepDealsPort } from '@kam/org';
import { DealsQuery, EntitiesModule, READ_FRESHNESS, type ReadFreshness } from '@kam/reporting';
import { RepDealsService, SalesModule } from '@kam/sales';

const PAGE = 500;

/**
 * Binds org's RepDealsPort: the rep's open deals come from the deals read model (after it has
 * caught up with the log head, which narrows the race ADR 0005 describes), and each hand-over is
 * the sales context's ReassignDeal use case. Org declares the port because sales depends on org;
 * only the app knows both.
 */
@Global()
@Module({
  imports: [SalesModule, EntitiesModule],
  providers: [
    {
      provide: REP_DEALS_PORT,
      useFactory: (deals: DealsQuery, sales: RepDealsService, store: EventStore, freshness: ReadFreshness): RepDealsPort => ({
        async openDealIds(repId) {
          const head = await store.headPosition();
          await freshness.waitFor(head);
          const ids: string[] = [];
          let after: string | null = null;
          for (;;) {
            const page = await deals.list({ repId, open: true }, { first: PAGE, after }, UNRESTRICTED);
            ids.push(...page.edges.map((edge) => edge.node.id));
            if (!page.pageInfo.hasNextPage) return ids;
            after = page.pageInfo.endCursor;
          }
        },
        reassignDeal: (dealId, fromRepId, toRepId, envelope) => sales.reassignDeal(dealId, fromRepId, toRepId, envelope),
      }),
      inject: [DealsQuery, RepDealsService, EVENT_STORE, READ_FRESHNESS],
    },
  ],
  exports: [REP_DEALS_PORT],
})
export class RepDealsWiringModule {}
