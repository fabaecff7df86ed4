import type { RecordedEvent } from '@kam/event-store';
import type { ReadScope } from '@kam/graphql';
import { AccountsQuery } from '../entities/accounts/accounts.query';
import { DealsQuery } from '../entities/deals/deals.query';
import { RepsQuery } from '../entities/reps/reps.query';
import { TeamsQuery } from '../entities/teams/teams.query';
import { TrainingSessionsQuery } from '../entities/training/training.query';
import { availableBackends, Story, type TestReadDb } from '../entities/testing/entities-test-kit';
import {
  ACC_2,
  ACC_3,
  DEAL_1,
  DEAL_2,
  DEAL_3,
  DEAL_4,
  REP_2,
  REP_3,
  SESSION_1,
  SESSION_2,
  T,
  TEAM_A,
  tellStory,
} from '../entities/testing/story.fixture';
import { EventsFeed, type FeedArgs } from './events-feed';
import { StreamScope } from './stream-scope';

jest.setTimeout(30_000);

const ALL: ReadScope = { kind: 'all' };
const SUP_A: ReadScope = { kind: 'teams', teamIds: [TEAM_A], trainerId: 'sup-a' };
const AS_REP_3: ReadScope = { kind: 'rep', repId: REP_3 };

describe.each(availableBackends())('events feed and deal history on $name', (backend) => {
  let story: Story;
  let log: RecordedEvent[];
  let db: TestReadDb;
  const feedWith = (scanLimit?: number) => {
    const deals = new DealsQuery(db, story.store);
    const streams = new StreamScope({
      teams: new TeamsQuery(db),
      reps: new RepsQuery(db),
      accounts: new AccountsQuery(db),
      deals,
      training: new TrainingSessionsQuery(db),
    });
    return new EventsFeed(story.store, streams, deals, scanLimit);
  };

  /** Follows endCursor until hasNextPage is false; returns every event and every page. */
  async function drain(
    feed: EventsFeed,
    args: Omit<FeedArgs, 'after'>,
    scope: ReadScope,
    after: string | null = null,
  ) {
    const events: RecordedEvent[] = [];
    const pages: Array<{ size: number; endCursor: string | null; hasNextPage: boolean }> = [];
    let cursor = after;
    for (;;) {
      const page = await feed.page({ ...args, after: cursor }, scope);
      events.push(...page.edges.map((e) => e.node));
      page.edges.forEach((e) => expect(e.cursor).toBe(e.node.position));
      pages.push({ size: page.edges.length, ...page.pageInfo });
      cursor = page.pageInfo.endCursor;
      if (!page.pageInfo.hasNextPage) return { events, pages, cursor };
      if (pages.length > 500) throw new Error('feed does not end');
    }
  }

  beforeEach(async () => {
    story = await Story.open();
    await tellStory(story);
    log = await story.events();
    db = await backend.open();
    await db.setup();
    await db.apply(log);
  });

  afterEach(async () => {
    await db.dispose();
    await story.close();
  });

  it('serves the whole log exactly once, in order, page by page', async () => {
    const { events, pages, cursor } = await drain(feedWith(), { first: 7 }, ALL);
    expect(events.map((e) => e.position)).toEqual(log.map((e) => e.position));
    expect(pages.slice(0, -1).every((p) => p.size === 7)).toBe(true);
    expect(cursor).toBe(log[log.length - 1]!.position);
  });

  it('resumes from a stored cursor once more events arrive, and answers an empty page at the head', async () => {
    const feed = feedWith();
    const head = log[log.length - 1]!.position;
    expect(await feed.page({ after: head }, ALL)).toEqual({
      edges: [],
      pageInfo: { hasNextPage: false, endCursor: head },
    });
    const position = await story.emit(
      'team',
      TEAM_A,
      'TeamRenamed',
      { teamId: TEAM_A, name: 'Alpha 2' },
      T.training,
    );
    const next = await feed.page({ after: head }, ALL);
    expect(next.edges.map((e) => [e.node.type, e.node.position])).toEqual([['TeamRenamed', position]]);
    expect(next.pageInfo).toEqual({ hasNextPage: false, endCursor: position });
    // A fresh feed (a restarted server) resumes from the same cursor the same way.
    expect((await feedWith().page({ after: head }, ALL)).edges.map((e) => e.node.id)).toEqual(
      next.edges.map((e) => e.node.id),
    );
  });

  it('keeps only the exact types asked for', async () => {
    const { events } = await drain(feedWith(), { first: 1, types: ['DealWon', 'DealLost'] }, ALL);
    expect(events.map((e) => e.type)).toEqual(['DealWon', 'DealLost']);
    const reps = await feedWith().page({ types: ['RepHired'] }, ALL);
    expect(reps.edges.map((e) => e.node.data)).toEqual(
      log.filter((e) => e.type === 'RepHired').map((e) => e.data),
    );
  });

  it('answers first: 0 with no edges and whether more exist', async () => {
    expect(await feedWith().page({ first: 0 }, ALL)).toEqual({
      edges: [],
      pageInfo: { hasNextPage: true, endCursor: null },
    });
  });

  it('refuses a cursor that is not a position, unknown types and oversized pages with BAD_USER_INPUT', async () => {
    const feed = feedWith();
    await expect(feed.page({ after: 'abc' }, ALL)).rejects.toMatchObject({
      code: 'BAD_USER_INPUT',
      fields: [{ field: 'after', message: expect.any(String) }],
    });
    await expect(feed.page({ types: ['DealWon', 'DealWonTwice'] }, ALL)).rejects.toMatchObject({
      code: 'BAD_USER_INPUT',
      fields: [{ field: 'types', message: expect.stringContaining('DealWonTwice') }],
    });
    await expect(feed.page({ first: 501 }, ALL)).rejects.toMatchObject({ code: 'BAD_USER_INPUT' });
  });

  it('shows a rep the events of the streams in their scope only', async () => {
    const { events } = await drain(feedWith(), { first: 3 }, AS_REP_3);
    const streams = new Set(events.map((e) => e.streamId));
    expect([...streams].sort()).toEqual(
      [
        `rep-${REP_3}`,
        `account-${ACC_2}`,
        `deal-${DEAL_3}`,
        `deal-${DEAL_4}`,
        `training-${SESSION_2}`,
      ].sort(),
    );
    expect(events.map((e) => e.position)).toEqual(
      log.filter((e) => streams.has(e.streamId)).map((e) => e.position),
    );
  });

  it('shows a supervisor the events of their teams’ entities, and keeps going past a scan limit', async () => {
    const expected = [
      `team-${TEAM_A}`,
      `rep-${REP_2}`,
      `account-${ACC_3}`,
      `deal-${DEAL_2}`,
      `training-${SESSION_1}`,
    ].sort();
    const whole = await drain(feedWith(), { first: 50 }, SUP_A);
    expect([...new Set(whole.events.map((e) => e.streamId))].sort()).toEqual(expected);
    // With a tiny scan budget some pages come back empty but say there is more; nothing is lost or repeated.
    const small = await drain(feedWith(4), { first: 2 }, SUP_A);
    expect(small.events.map((e) => e.position)).toEqual(whole.events.map((e) => e.position));
    expect(small.pages.some((p) => p.size === 0 && p.hasNextPage)).toBe(true);
    expect(small.cursor).toBe(log[log.length - 1]!.position);
  });

  it('serves a deal’s whole history in stream order', async () => {
    const history = await feedWith().dealHistory(DEAL_1, ALL);
    expect(history.map((e) => [e.revision, e.type])).toEqual([
      [0, 'DealOpened'],
      [1, 'DealStageChanged'],
      [2, 'DealValueRevised'],
      [3, 'CompetitorRecorded'],
      [4, 'DealRescheduled'],
      [5, 'DealChannelChanged'],
    ]);
    expect(history[0]).toMatchObject({ metadata: { actor: 'admin', occurredAt: T.opened } });
  });

  it('answers NOT_FOUND for an unknown deal and for a deal outside the scope', async () => {
    const feed = feedWith();
    await expect(feed.dealHistory('00000000-0000-4000-8000-000000000000', ALL)).rejects.toMatchObject({
      code: 'NOT_FOUND',
    });
    await expect(feed.dealHistory(DEAL_1, AS_REP_3)).rejects.toMatchObject({ code: 'NOT_FOUND' });
    await expect(feed.dealHistory(DEAL_2, SUP_A)).resolves.toHaveLength(4);
    await expect(feed.dealHistory(DEAL_4, { kind: 'rep', repId: REP_2 })).rejects.toMatchObject({
      code: 'NOT_FOUND',
    });
  });
});
