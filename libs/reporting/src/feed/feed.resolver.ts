import { Inject } from '@nestjs/common';
import { Args, ID, Query, Resolver } from '@nestjs/graphql';
import { CurrentScope, type ConnectionShape, type ReadScope } from '@kam/graphql';
import { After, AtLeastPosition, First } from '../entities/common/args';
import {
  EventRecordConnection,
  HistoryEntryModel,
  toEventRecord,
  toHistoryEntry,
  type EventRecordModel,
} from './event-record.model';
import { EventsFeed } from './events-feed';
import { READ_FRESHNESS, type ReadFreshness } from './read-freshness';

@Resolver()
export class FeedResolver {
  constructor(
    private readonly feed: EventsFeed,
    @Inject(READ_FRESHNESS) private readonly freshness: ReadFreshness,
  ) {}

  @Query(() => EventRecordConnection, {
    description:
      'The change feed over the global log, in log order, strictly after the `after` position; resumable from any cursor. Restricted callers see the events of entities in their scope.',
  })
  async events(
    @After() after: string | null,
    @First() first: number | null,
    @Args('types', { type: () => [String], nullable: true, description: 'Exact event type names to keep.' })
    types: string[] | null,
    @AtLeastPosition() atLeastPosition: string | null,
    @CurrentScope() scope: ReadScope,
  ): Promise<ConnectionShape<EventRecordModel>> {
    await this.freshness.waitFor(atLeastPosition);
    const page = await this.feed.page({ after, first, types }, scope);
    return { ...page, edges: page.edges.map((e) => ({ cursor: e.cursor, node: toEventRecord(e.node) })) };
  }

  @Query(() => [HistoryEntryModel], { description: "Every event of a deal's stream, in order." })
  async dealHistory(
    @Args('dealId', { type: () => ID }) dealId: string,
    @AtLeastPosition() atLeastPosition: string | null,
    @CurrentScope() scope: ReadScope,
  ): Promise<HistoryEntryModel[]> {
    await this.freshness.waitFor(atLeastPosition);
    return (await this.feed.dealHistory(dealId, scope)).map(toHistoryEntry);
  }
}
