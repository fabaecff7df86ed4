import type { ConnectionShape, ReadScope } from '@kam/graphql';
import { AccountsQuery } from './accounts/accounts.query';
import { DealsQuery } from './deals/deals.query';
import { RepsQuery } from './reps/reps.query';
import { TeamsQuery } from './teams/teams.query';
import { TrainingSessionsQuery } from './training/training.query';
import { availableBackends, id, Story, type TestReadDb } from './testing/entities-test-kit';
import {
  ACC_1,
  ACC_2,
  ACC_3,
  DEAL_1,
  DEAL_2,
  DEAL_3,
  DEAL_4,
  REP_1,
  REP_2,
  REP_3,
  SESSION_1,
  SESSION_2,
  T,
  TEAM_A,
  TEAM_B,
  tellStory,
} from './testing/story.fixture';

jest.setTimeout(30_000);

const ALL: ReadScope = { kind: 'all' };
const SUP_A: ReadScope = { kind: 'teams', teamIds: [TEAM_A], trainerId: 'sup-a' };
const SUP_C: ReadScope = { kind: 'teams', teamIds: [TEAM_B], trainerId: 'sup-c' };
const NO_TEAMS: ReadScope = { kind: 'teams', teamIds: [], trainerId: 'nobody' };
const AS_REP_3: ReadScope = { kind: 'rep', repId: REP_3 };
const AS_REP_2: ReadScope = { kind: 'rep', repId: REP_2 };

/** Pages through a connection with `first` until the end; returns every node id in order and the page count. */
async function pageAll<N extends { id: string }>(
  fetch: (after: string | null) => Promise<ConnectionShape<N>>,
): Promise<{ ids: string[]; pages: number }> {
  const ids: string[] = [];
  let after: string | null = null;
  let pages = 0;
  for (;;) {
    const page = await fetch(after);
    pages++;
    ids.push(...page.edges.map((e) => e.node.id));
    if (page.edges.length > 0)
      expect(page.pageInfo.endCursor).toBe(page.edges[page.edges.length - 1]!.cursor);
    if (!page.pageInfo.hasNextPage) return { ids, pages };
    after = page.pageInfo.endCursor;
    if (pages > 100) throw new Error('paging does not end');
  }
}

const sorted = (ids: string[]) => [...ids].sort();

describe.each(availableBackends())('entity queries on $name', (backend) => {
  let story: Story;
  let db: TestReadDb;

  beforeAll(async () => {
    story = await Story.open();
    await tellStory(story);
    // 23 more accounts and deals (rep 3, team B) so that connections have pages to turn.
    for (let n = 10; n < 33; n++) {
      await story.emit(
        'account',
        id('acc', n),
        'AccountRegistered',
        { accountId: id('acc', n), name: `Client ${n}`, taxId: null, industry: null, ownerRepId: REP_3 },
        T.accounts,
      );
      await story.emit(
        'deal',
        id('deal', n),
        'DealOpened',
        {
          dealId: id('deal', n),
          accountId: id('acc', n),
          repId: REP_3,
          title: `Deal ${n}`,
          valueMinor: n * 100,
          channel: n % 2 === 0 ? 'TENDER' : 'ONLINE',
          expectedCloseDate: '2026-12-31',
          stage: 'PROSPECTING',
        },
        T.opened,
      );
    }
    db = await backend.open();
    await db.setup();
    await db.apply(await story.events(), { batchSize: 10 });
  });

  afterAll(async () => {
    await db.dispose();
    await story.close();
  });

  describe('connections', () => {
    it.each([1, 4, 7, 50])(
      'pages through every deal exactly once, in id order, with first = %i',
      async (first) => {
        const deals = new DealsQuery(db, story.store);
        const { ids, pages } = await pageAll((after) => deals.list(null, { first, after }, ALL));
        expect(ids).toHaveLength(27);
        expect(new Set(ids).size).toBe(27);
        expect(ids).toEqual(sorted(ids));
        expect(pages).toBe(Math.ceil(27 / first));
      },
    );

    it('pages accounts, reps and training sessions the same way', async () => {
      const accounts = await pageAll((after) => new AccountsQuery(db).list(null, { first: 5, after }, ALL));
      expect(accounts.ids).toEqual(
        sorted([ACC_1, ACC_2, ACC_3, ...Array.from({ length: 23 }, (_, i) => id('acc', i + 10))]),
      );
      const reps = await pageAll((after) => new RepsQuery(db).list(null, { first: 2, after }, ALL));
      expect(reps).toEqual({ ids: sorted([REP_1, REP_2, REP_3]), pages: 2 });
      const sessions = await pageAll((after) =>
        new TrainingSessionsQuery(db).list(null, { first: 1, after }, ALL),
      );
      expect(sessions).toEqual({ ids: [SESSION_1, SESSION_2], pages: 2 });
    });

    it('pages a filtered list exactly once', async () => {
      const deals = new DealsQuery(db, story.store);
      const { ids } = await pageAll((after) => deals.list({ channel: 'TENDER' }, { first: 3, after }, ALL));
      expect(ids).toEqual(sorted(Array.from({ length: 12 }, (_, i) => id('deal', 10 + i * 2))));
    });

    it('defaults to 50, accepts 500, refuses more or negative with BAD_USER_INPUT', async () => {
      const deals = new DealsQuery(db, story.store);
      expect((await deals.list(null, {}, ALL)).edges).toHaveLength(27);
      expect((await deals.list(null, { first: 500 }, ALL)).pageInfo.hasNextPage).toBe(false);
      await expect(deals.list(null, { first: 501 }, ALL)).rejects.toMatchObject({
        code: 'BAD_USER_INPUT',
        fields: [expect.objectContaining({ field: 'first' })],
      });
      await expect(deals.list(null, { first: -1 }, ALL)).rejects.toMatchObject({ code: 'BAD_USER_INPUT' });
    });

    it('refuses a cursor it did not make with BAD_USER_INPUT', async () => {
      await expect(new RepsQuery(db).list(null, { after: 'not a cursor' }, ALL)).rejects.toMatchObject({
        code: 'BAD_USER_INPUT',
        fields: [expect.objectContaining({ field: 'after' })],
      });
    });

    it('answers an empty page at the end', async () => {
      const reps = new RepsQuery(db);
      const last = await reps.list(null, { first: 3 }, ALL);
      const after = await reps.list(null, { first: 3, after: last.pageInfo.endCursor }, ALL);
      expect(after).toEqual({ edges: [], pageInfo: { hasNextPage: false, endCursor: null } });
    });
  });

  describe('filters', () => {
    it('filters reps by team, channel and active', async () => {
      const reps = new RepsQuery(db);
      const ids = async (filter: Parameters<RepsQuery['list']>[0]) =>
        (await reps.list(filter, {}, ALL)).edges.map((e) => e.node.id);
      expect(await ids({ teamId: TEAM_B })).toEqual(sorted([REP_1, REP_3]));
      expect(await ids({ channel: 'PARTNER' })).toEqual([REP_1]);
      expect(await ids({ active: false })).toEqual([REP_2]);
      expect(await ids({ active: true, teamId: TEAM_A })).toEqual([]);
    });

    it('filters accounts by owner, owner’s current team and name (case-insensitive, literal)', async () => {
      const accounts = new AccountsQuery(db);
      const ids = async (filter: Parameters<AccountsQuery['list']>[0]) =>
        (await accounts.list(filter, { first: 100 }, ALL)).edges.map((e) => e.node.id);
      expect(await ids({ ownerRepId: REP_1 })).toEqual([ACC_1]);
      expect(await ids({ teamId: TEAM_A })).toEqual([ACC_3]);
      expect(await ids({ teamId: TEAM_B })).toHaveLength(25);
      expect(await ids({ nameContains: 'ŁÓDŹ' })).toEqual([ACC_1]);
      expect(await ids({ nameContains: '_100%' })).toEqual([ACC_3]);
      expect(await ids({ nameContains: '%' })).toEqual([ACC_3]);
      expect(await ids({ nameContains: 'client 1' })).toHaveLength(10);
    });

    it('filters deals by team, rep, account, stage, channel and open', async () => {
      const deals = new DealsQuery(db, story.store);
      const ids = async (filter: Parameters<DealsQuery['list']>[0]) =>
        (await deals.list(filter, { first: 100 }, ALL)).edges.map((e) => e.node.id);
      expect(await ids({ teamId: TEAM_A })).toEqual([DEAL_2]);
      expect(await ids({ repId: REP_1 })).toEqual(sorted([DEAL_1, DEAL_2]));
      expect(await ids({ accountId: ACC_1 })).toEqual(sorted([DEAL_1, DEAL_2]));
      expect(await ids({ stage: 'WON' })).toEqual([DEAL_2]);
      expect(await ids({ stage: 'QUALIFICATION', channel: 'PARTNER' })).toEqual([DEAL_1]);
      expect(await ids({ open: false })).toEqual(sorted([DEAL_2, DEAL_3]));
      expect(await ids({ open: true, repId: REP_3 })).toHaveLength(24);
    });

    it('filters deals closed in a period (dates inclusive, UTC)', async () => {
      const deals = new DealsQuery(db, story.store);
      const ids = async (from: string, to: string) =>
        (await deals.list({ closedIn: { from, to } }, {}, ALL)).edges.map((e) => e.node.id);
      expect(await ids('2026-04-01', '2026-04-01')).toEqual([DEAL_2]);
      expect(await ids('2026-03-01', '2026-03-31')).toEqual([]);
      expect(await ids('2026-04-02', '2026-05-10')).toEqual([DEAL_3]);
      expect(await ids('2026-01-01', '2026-12-31')).toEqual(sorted([DEAL_2, DEAL_3]));
      await expect(ids('2026-05-01', '2026-04-01')).rejects.toMatchObject({ code: 'BAD_USER_INPUT' });
    });

    it('filters deals updated since an instant (when recorded)', async () => {
      const deals = new DealsQuery(db, story.store);
      const everything = await deals.list({ updatedSince: '2000-01-01T00:00:00.000Z' }, {}, ALL);
      expect(everything.edges).toHaveLength(27);
      expect((await deals.list({ updatedSince: '2999-01-01T00:00:00.000Z' }, {}, ALL)).edges).toEqual([]);
    });

    it('filters training sessions by skill, status, trainer and enrolled rep', async () => {
      const training = new TrainingSessionsQuery(db);
      const ids = async (filter: Parameters<TrainingSessionsQuery['list']>[0]) =>
        (await training.list(filter, {}, ALL)).edges.map((e) => e.node.id);
      expect(await ids({ skill: 'NEGOTIATION' })).toEqual([SESSION_1]);
      expect(await ids({ status: 'CANCELLED' })).toEqual([SESSION_2]);
      expect(await ids({ trainerId: 'sup-b' })).toEqual([SESSION_2]);
      expect(await ids({ repId: REP_2 })).toEqual([SESSION_1]);
      expect(await ids({ repId: REP_3, status: 'COMPLETED' })).toEqual([]);
    });
  });

  describe('scope', () => {
    it('shows a supervisor their teams only; a rep no team', async () => {
      const teams = new TeamsQuery(db);
      expect((await teams.list(SUP_A)).map((t) => t.id)).toEqual([TEAM_A]);
      expect((await teams.list(ALL)).map((t) => t.name)).toEqual(['Alpha', 'Bravo']);
      await expect(teams.get(TEAM_B, SUP_A)).rejects.toMatchObject({ code: 'NOT_FOUND' });
      await expect(teams.get(TEAM_A, AS_REP_3)).rejects.toMatchObject({ code: 'NOT_FOUND' });
      expect(await teams.list(NO_TEAMS)).toEqual([]);
    });

    it('shows reps of the supervisor’s teams, a rep only themself; out of scope is NOT_FOUND', async () => {
      const reps = new RepsQuery(db);
      expect((await reps.list(null, {}, SUP_A)).edges.map((e) => e.node.id)).toEqual([REP_2]);
      expect((await reps.list(null, {}, AS_REP_3)).edges.map((e) => e.node.id)).toEqual([REP_3]);
      await expect(reps.get(REP_1, SUP_A)).rejects.toMatchObject({ code: 'NOT_FOUND' });
      await expect(reps.get(REP_1, AS_REP_3)).rejects.toMatchObject({ code: 'NOT_FOUND' });
      expect(await reps.get(REP_3, AS_REP_3)).toMatchObject({ id: REP_3 });
    });

    it('lets a supervisor see a former member as of when they were in the team, not after', async () => {
      const reps = new RepsQuery(db);
      expect(await reps.get(REP_1, SUP_A, '2026-04-01T00:00:00.000Z')).toMatchObject({ teamId: TEAM_A });
      await expect(reps.get(REP_1, SUP_A, T.transferred)).rejects.toMatchObject({ code: 'NOT_FOUND' });
      // The new supervisor sees the whole history of a current member.
      expect(await reps.get(REP_1, SUP_C, T.hired)).toMatchObject({ teamId: TEAM_A });
    });

    it('shows accounts owned by reps now in the supervisor’s teams, or the rep’s own', async () => {
      const accounts = new AccountsQuery(db);
      expect((await accounts.list(null, {}, SUP_A)).edges.map((e) => e.node.id)).toEqual([ACC_3]);
      expect((await accounts.list(null, { first: 100 }, SUP_C)).edges).toHaveLength(25);
      expect((await accounts.list(null, {}, AS_REP_2)).edges.map((e) => e.node.id)).toEqual([ACC_3]);
      await expect(accounts.get(ACC_1, SUP_A)).rejects.toMatchObject({ code: 'NOT_FOUND' });
      await expect(accounts.get(ACC_2, AS_REP_2)).rejects.toMatchObject({ code: 'NOT_FOUND' });
    });

    it('shows deals of the supervisor’s teams and of reps now in them; a rep their own', async () => {
      const deals = new DealsQuery(db, story.store);
      // Team A: deal 2 (closed in team A); rep 1 has left, so deal 1 (moved with them) is not Team A's any more.
      expect((await deals.list(null, {}, SUP_A)).edges.map((e) => e.node.id)).toEqual([DEAL_2]);
      // Team B: every deal of rep 1 (incl. deal 2, closed in team A) and rep 3.
      expect((await deals.list(null, { first: 100 }, SUP_C)).edges).toHaveLength(27);
      expect((await deals.list(null, { first: 100 }, AS_REP_3)).edges.map((e) => e.node.id)).toEqual(
        sorted([DEAL_3, DEAL_4, ...Array.from({ length: 23 }, (_, i) => id('deal', i + 10))]),
      );
      expect((await deals.list(null, {}, AS_REP_2)).edges).toEqual([]);
      await expect(deals.get(DEAL_1, SUP_A)).rejects.toMatchObject({ code: 'NOT_FOUND' });
      await expect(deals.get(DEAL_4, AS_REP_2)).rejects.toMatchObject({ code: 'NOT_FOUND' });
      expect((await deals.list(null, {}, NO_TEAMS)).edges).toEqual([]);
    });

    it('answers a deal as of an instant when it was in scope then or is now', async () => {
      const deals = new DealsQuery(db, story.store);
      // Deal 4 was rep 2's (team A) until reassigned to rep 3 (team B).
      expect(await deals.get(DEAL_4, AS_REP_2, '2026-05-01T00:00:00.000Z')).toMatchObject({ repId: REP_2 });
      await expect(deals.get(DEAL_4, AS_REP_2, T.reassigned)).rejects.toMatchObject({ code: 'NOT_FOUND' });
      expect(await deals.get(DEAL_4, AS_REP_3, '2026-05-01T00:00:00.000Z')).toMatchObject({ repId: REP_2 });
      await expect(deals.get(DEAL_1, SUP_A, T.transferred)).rejects.toMatchObject({ code: 'NOT_FOUND' });
    });

    it('shows sessions the supervisor runs or with reps of their teams; a rep the sessions they are enrolled in', async () => {
      const training = new TrainingSessionsQuery(db);
      const ids = async (scope: ReadScope) =>
        (await training.list(null, {}, scope)).edges.map((e) => e.node.id);
      expect(await ids(SUP_A)).toEqual([SESSION_1]);
      expect(await ids({ kind: 'teams', teamIds: [], trainerId: 'sup-b' })).toEqual([SESSION_2]);
      expect(await ids(SUP_C)).toEqual([SESSION_1, SESSION_2]);
      expect(await ids(AS_REP_3)).toEqual([SESSION_2]);
      expect(await ids(AS_REP_2)).toEqual([SESSION_1]);
      expect(await ids(NO_TEAMS)).toEqual([]);
    });

    it('resolves batches by id within the scope (what the loaders use)', async () => {
      const reps = new RepsQuery(db);
      expect([...(await reps.byIds([REP_1, REP_2, REP_3, 'nope'], SUP_A)).keys()]).toEqual([REP_2]);
      const byTeam = await reps.byTeams([TEAM_A, TEAM_B, 'nope'], ALL);
      expect(byTeam.get(TEAM_A)!.map((r) => r.name)).toEqual(['Bartek']);
      expect(byTeam.get(TEAM_B)!.map((r) => r.name)).toEqual(['Anna', 'Celina']);
      expect(byTeam.get('nope')).toEqual([]);
      const accounts = await new AccountsQuery(db).byIds([ACC_1, ACC_2, ACC_3], AS_REP_3);
      expect([...accounts.keys()]).toEqual([ACC_2]);
    });
  });
});
