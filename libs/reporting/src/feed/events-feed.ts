import { BadUserInputError, NotFoundError, isEventType, streamIdOf } from '@kam/kernel';
import { StreamNotFound, isPosition, type EventStore, type RecordedEvent } from '@kam/event-store';
import type { ConnectionShape, ReadScope } from '@kam/graphql';
import { pageSize } from '../entities/common/paging';
import type { DealsQuery } from '../entities/deals/deals.query';
import type { StreamScope } from './stream-scope';

export interface FeedArgs {
  after?: string | null;
  first?: number | null;
  types?: readonly string[] | null;
}

/**
 * How many events one feed request reads at most while looking for matches (type or scope
 * filters can skip many). When it stops there, the page says hasNextPage with an endCursor at the
 * last event read, so the next request carries on from there.
 */
export const FEED_SCAN_LIMIT = 5000;

/** Events read per store call while filtering by scope. */
const SCAN_CHUNK = 500;

/**
 * The BI change feed over the global log: events strictly after the `after` position, in log
 * order. Cursors are the positions themselves, so a client resumes from the last one it stored,
 * across restarts of either side. `endCursor` is the position up to which the page has accounted
 * for every event (the last edge, or the last event read when the rest did not match), and is
 * `after` itself when nothing new is in the log: poll again with it.
 *
 * Scope: `all` reads everything. For `teams`/`rep` callers the feed keeps the events of streams
 * whose entity (team, rep, account, deal, training session) is in scope now — best effort, see
 * StreamScope.
 */
export class EventsFeed {
  constructor(
    private readonly store: EventStore,
    private readonly streams: StreamScope,
    private readonly deals: DealsQuery,
    private readonly scanLimit = FEED_SCAN_LIMIT,
  ) {}

  async page(args: FeedArgs, scope: ReadScope): Promise<ConnectionShape<RecordedEvent>> {
    const size = pageSize(args.first);
    const after = args.after ?? undefined;
    if (after !== undefined && !isPosition(after)) {
      throw new BadUserInputError([
        { field: 'after', message: 'after must be a position returned by this feed' },
      ]);
    }
    const types = args.types ? [...new Set(args.types)] : null;
    const unknown = types?.filter((t) => !isEventType(t)) ?? [];
    if (unknown.length > 0) {
      throw new BadUserInputError([
        { field: 'types', message: `Unknown event types: ${unknown.join(', ')}` },
      ]);
    }
    const wanted = types ? new Set<string>(types) : null;
    if (wanted && wanted.size === 0)
      return { edges: [], pageInfo: { hasNextPage: false, endCursor: after ?? null } };

    const matches: RecordedEvent[] = [];
    let cursor = after;
    let scanned = 0;
    let endOfLog = false;
    while (matches.length <= size && scanned < this.scanLimit) {
      const wantedMore = size + 1 - matches.length;
      const page = await this.store.readAll({
        fromPosition: cursor,
        maxCount: Math.min(
          scope.kind === 'all' ? wantedMore : Math.max(wantedMore, SCAN_CHUNK),
          this.scanLimit - scanned,
        ),
        ...(wanted ? { filter: { eventTypePrefixes: [...wanted] } } : {}),
      });
      const last = page[page.length - 1];
      // A filtered read may come back short while more matches follow: only an empty read ends the log.
      if (!last) {
        endOfLog = true;
        break;
      }
      scanned += page.length;
      cursor = last.position;
      let candidates = page.filter((e) => !e.type.startsWith('$') && (!wanted || wanted.has(e.type)));
      if (scope.kind !== 'all' && candidates.length > 0) {
        const visible = await this.streams.visible(
          candidates.map((e) => e.streamId),
          scope,
        );
        candidates = candidates.filter((e) => visible.has(e.streamId));
      }
      for (const event of candidates) {
        matches.push(event);
        if (matches.length > size) break;
      }
    }

    const edges = matches.slice(0, size).map((event) => ({ cursor: event.position, node: event }));
    const more = matches.length > size;
    const endCursor = more ? (edges[edges.length - 1]?.cursor ?? after ?? null) : (cursor ?? null);
    return { edges, pageInfo: { hasNextPage: more || !endOfLog, endCursor } };
  }

  /**
   * Every event of a deal's stream, in order. A restricted caller must see the deal (read
   * model) first; out of scope reads as NOT_FOUND, like an unknown deal.
   */
  async dealHistory(dealId: string, scope: ReadScope): Promise<RecordedEvent[]> {
    if (scope.kind !== 'all') await this.deals.get(dealId, scope);
    try {
      return await this.store.readStream(streamIdOf('deal', dealId));
    } catch (error) {
      if (error instanceof StreamNotFound) throw new NotFoundError('Deal', dealId);
      throw error;
    }
  }
}
