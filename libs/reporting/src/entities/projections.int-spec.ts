import type { RecordedEvent } from '@kam/event-store';
import type { ReadScope } from '@kam/graphql';
import { AccountsQuery } from './accounts/accounts.query';
import { DealsQuery } from './deals/deals.query';
import { RepsQuery } from './reps/reps.query';
import { TeamsQuery } from './teams/teams.query';
import { TrainingSessionsQuery } from './training/training.query';
import { ENTITY_PROJECTIONS } from './entity-projections';
import { availableBackends, Story, type TestReadDb } from './testing/entities-test-kit';
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

describe.each(availableBackends())('entity projections on $name', (backend) => {
  let story: Story;
  let events: RecordedEvent[];
  let db: TestReadDb;

  beforeAll(async () => {
    story = await Story.open();
    await tellStory(story);
    events = await story.events();
  });

  afterAll(async () => {
    await story.close();
  });

  beforeEach(async () => {
    db = await backend.open();
    await db.setup();
  });

  afterEach(async () => {
    await db.dispose();
  });

  describe('after the whole story in one batch', () => {
    beforeEach(async () => {
      await db.apply(events);
    });

    it('keeps teams with their latest name, supervisor and stream revision', async () => {
      const teams = new TeamsQuery(db);
      expect(await teams.get(TEAM_A, ALL)).toMatchObject({
        name: 'Alpha',
        supervisorId: 'sup-a',
        revision: 0,
      });
      expect(await teams.get(TEAM_B, ALL)).toMatchObject({
        name: 'Bravo',
        supervisorId: 'sup-c',
        revision: 2,
        formedAt: T.teamsFormed,
      });
    });

    it('keeps reps current: transferred, channel changed, offboarded; revision counts every rep event', async () => {
      const reps = new RepsQuery(db);
      expect(await reps.get(REP_1, ALL)).toEqual({
        id: REP_1,
        name: 'Anna',
        email: 'anna@example.com',
        teamId: TEAM_B,
        channel: 'PARTNER',
        active: true,
        hiredAt: T.hired,
        offboardedAt: null,
        revision: 3,
      });
      expect(await reps.get(REP_2, ALL)).toMatchObject({
        teamId: TEAM_A,
        active: false,
        offboardedAt: T.offboarded,
        revision: 1,
      });
      expect(await reps.get(REP_3, ALL)).toMatchObject({
        teamId: TEAM_B,
        channel: 'ONLINE',
        active: true,
        revision: 0,
      });
    });

    it('answers a rep as of instants before, between and after its changes', async () => {
      const reps = new RepsQuery(db);
      await expect(reps.get(REP_1, ALL, '2026-01-10T08:59:59.999Z')).rejects.toMatchObject({
        code: 'NOT_FOUND',
      });
      expect(await reps.get(REP_1, ALL, T.hired)).toMatchObject({
        teamId: TEAM_A,
        channel: 'FIELD',
        revision: 1,
      });
      expect(await reps.get(REP_1, ALL, '2026-03-14T00:00:00.000Z')).toMatchObject({
        teamId: TEAM_A,
        channel: 'FIELD',
      });
      expect(await reps.get(REP_1, ALL, T.channelChanged)).toMatchObject({
        teamId: TEAM_A,
        channel: 'PARTNER',
        revision: 2,
      });
      expect(await reps.get(REP_1, ALL, '2026-04-10T08:59:59.999Z')).toMatchObject({
        teamId: TEAM_A,
        channel: 'PARTNER',
      });
      expect(await reps.get(REP_1, ALL, T.transferred)).toMatchObject({
        teamId: TEAM_B,
        channel: 'PARTNER',
        revision: 3,
      });
      expect(await reps.get(REP_1, ALL, '2030-01-01T00:00:00.000Z')).toMatchObject({
        teamId: TEAM_B,
        revision: 3,
      });
      expect(await reps.get(REP_2, ALL, '2026-05-19T00:00:00.000Z')).toMatchObject({ active: true });
      expect(await reps.get(REP_2, ALL, T.offboarded)).toMatchObject({ active: false });
    });

    it('stores rep intervals that tile time without gaps or overlaps', async () => {
      const rows = (await db.db
        .selectFrom(db.table('reps', 'rep_versions'))
        .select(['valid_from', 'valid_to', 'team_id', 'channel', 'revision'])
        .where('rep_id', '=', REP_1)
        .orderBy('valid_from')
        .execute()) as Array<{
        valid_from: string;
        valid_to: string | null;
        team_id: string;
        channel: string;
        revision: number;
      }>;
      // RepHired and RepQuotaSet share an instant: one interval holds the later state.
      expect(rows.map((r) => [r.valid_from, r.valid_to, r.team_id, r.channel, Number(r.revision)])).toEqual([
        [T.hired, T.channelChanged, TEAM_A, 'FIELD', 1],
        [T.channelChanged, T.transferred, TEAM_A, 'PARTNER', 2],
        [T.transferred, null, TEAM_B, 'PARTNER', 3],
      ]);
    });

    it('keeps accounts with the owner and the owner’s current team', async () => {
      const accounts = new AccountsQuery(db);
      expect(await accounts.get(ACC_1, ALL)).toMatchObject({
        name: 'Acme Łódź',
        taxId: 'PL123',
        industry: 'Retail',
        ownerRepId: REP_1,
        ownerTeamId: TEAM_B,
        revision: 0,
      });
      expect(await accounts.get(ACC_2, ALL)).toMatchObject({
        taxId: null,
        industry: null,
        ownerTeamId: TEAM_B,
      });
      expect(await accounts.get(ACC_3, ALL)).toMatchObject({ ownerRepId: REP_2, ownerTeamId: TEAM_A });
    });

    it('answers deal(id, asOf) after the last change with exactly the current deal (its stream folded to the end)', async () => {
      const deals = new DealsQuery(db, story.store);
      const later = '2030-01-01T00:00:00.000Z';
      for (const id of [DEAL_1, DEAL_2, DEAL_3, DEAL_4]) {
        const current = await deals.get(id, ALL);
        // Every field of the deal folded from its stream reads back as the current row.
        expect(await deals.get(id, ALL, later)).toEqual(current);
      }
      // A closed deal as it stood before it closed: every field of that interval, not the current row.
      expect(await deals.get(DEAL_2, ALL, T.revised)).toMatchObject({ stage: 'PROSPECTING', open: true, closedAt: null, wonValueMinor: null, contractNumber: null, fulfilledMinor: 0 });
    });

    it('keeps an open deal in its owner’s current team, revised, rescheduled and with its competitors', async () => {
      const deal = await new DealsQuery(db, story.store).get(DEAL_1, ALL);
      expect(deal).toEqual({
        id: DEAL_1,
        title: 'Big rollout',
        accountId: ACC_1,
        repId: REP_1,
        teamId: TEAM_B,
        channel: 'PARTNER',
        stage: 'QUALIFICATION',
        open: true,
        valueMinor: 1_200_000,
        wonValueMinor: null,
        expectedCloseDate: '2026-09-30',
        openedAt: T.opened,
        closedAt: null,
        lossReason: null,
        lostTo: null,
        competitors: ['Rival'],
        fulfilledMinor: 0,
        contractNumber: null,
        revision: 5,
      });
    });

    it('freezes a won deal’s team at close and sums fulfilment', async () => {
      expect(await new DealsQuery(db, story.store).get(DEAL_2, ALL)).toMatchObject({
        teamId: TEAM_A,
        stage: 'WON',
        open: false,
        valueMinor: 50_000,
        wonValueMinor: 45_000,
        closedAt: T.won,
        contractNumber: 'C-1',
        fulfilledMinor: 45_000,
        revision: 3,
      });
    });

    it('keeps a lost deal’s reason, value at loss and competitor', async () => {
      expect(await new DealsQuery(db, story.store).get(DEAL_3, ALL)).toMatchObject({
        stage: 'LOST',
        open: false,
        closedAt: T.lost,
        lossReason: 'COMPETITOR',
        lostTo: 'Rival',
        competitors: ['Rival'],
        valueMinor: 200_000,
        teamId: TEAM_B,
      });
    });

    it('moves a reassigned open deal to the new owner’s team', async () => {
      expect(await new DealsQuery(db, story.store).get(DEAL_4, ALL)).toMatchObject({
        repId: REP_3,
        teamId: TEAM_B,
        open: true,
        revision: 1,
      });
    });

    it('answers a deal as of instants before, between and after its changes', async () => {
      const deals = new DealsQuery(db, story.store);
      await expect(deals.get(DEAL_1, ALL, '2026-02-10T08:00:00.000Z')).rejects.toMatchObject({
        code: 'NOT_FOUND',
      });
      expect(await deals.get(DEAL_1, ALL, T.opened)).toMatchObject({
        stage: 'PROSPECTING',
        valueMinor: 1_000_000,
        teamId: TEAM_A,
        channel: 'FIELD',
        competitors: [],
        revision: 0,
      });
      expect(await deals.get(DEAL_1, ALL, '2026-03-10T00:00:00.000Z')).toMatchObject({
        stage: 'QUALIFICATION',
        valueMinor: 1_200_000,
        expectedCloseDate: '2026-09-30',
        competitors: ['Rival'],
        teamId: TEAM_A,
        revision: 4,
      });
      expect(await deals.get(DEAL_1, ALL, '2026-04-09T00:00:00.000Z')).toMatchObject({
        channel: 'PARTNER',
        teamId: TEAM_A,
        revision: 5,
      });
      // The rep's transfer moves the open deal's team at the transfer's business time; the deal's revision stays.
      expect(await deals.get(DEAL_1, ALL, T.transferred)).toMatchObject({ teamId: TEAM_B, revision: 5 });
      expect(await deals.get(DEAL_2, ALL, '2026-03-31T23:59:59.999Z')).toMatchObject({
        stage: 'PROSPECTING',
        open: true,
        closedAt: null,
      });
      expect(await deals.get(DEAL_2, ALL, T.won)).toMatchObject({
        stage: 'WON',
        wonValueMinor: 45_000,
        fulfilledMinor: 0,
      });
      expect(await deals.get(DEAL_2, ALL, T.fulfilled)).toMatchObject({
        fulfilledMinor: 45_000,
        teamId: TEAM_A,
      });
      expect(await deals.get(DEAL_4, ALL, '2026-05-14T00:00:00.000Z')).toMatchObject({
        repId: REP_2,
        teamId: TEAM_A,
      });
      expect(await deals.get(DEAL_4, ALL, T.reassigned)).toMatchObject({ repId: REP_3, teamId: TEAM_B });
    });

    it('keeps training sessions with enrolments, attendance and status', async () => {
      const training = new TrainingSessionsQuery(db);
      const s1 = await training.get(SESSION_1, ALL);
      expect(s1).toMatchObject({
        title: 'Closing',
        skill: 'NEGOTIATION',
        trainerId: 'sup-a',
        scheduledAt: '2026-06-01T10:00:00.000Z',
        durationMinutes: 90,
        status: 'COMPLETED',
        completedAt: T.training,
        revision: 4,
      });
      expect(s1.enrollments).toEqual([
        { repId: REP_1, enrolledAt: T.training, attended: true, score: 80, attendanceAt: T.training },
        { repId: REP_2, enrolledAt: T.training, attended: null, score: null, attendanceAt: null },
      ]);
      expect(await training.get(SESSION_2, ALL)).toMatchObject({
        status: 'CANCELLED',
        cancelReason: 'trainer ill',
        revision: 2,
      });
      const enrolments = await db.dump('training_enrollments');
      expect(enrolments).toHaveLength(3);
    });
  });

  it.each([1, 2, 3, 7])(
    'writes the same rows whatever the batch size (%i events per batch)',
    async (batchSize) => {
      await db.apply(events);
      const oneBatch: Record<string, unknown[]> = {};
      for (const p of ENTITY_PROJECTIONS) for (const t of p.tables) oneBatch[t] = await db.dump(t);

      const other = await backend.open();
      try {
        await other.setup();
        await other.apply(events, { batchSize });
        for (const p of ENTITY_PROJECTIONS) {
          for (const t of p.tables)
            expect({ table: t, rows: await other.dump(t) }).toEqual({ table: t, rows: oneBatch[t] });
        }
      } finally {
        await other.dispose();
      }
    },
  );

  it('creates its tables idempotently (a restart runs createTables again)', async () => {
    await expect(db.setup()).resolves.toBeUndefined();
    await db.apply(events.slice(0, 3));
    expect(await new TeamsQuery(db).list(ALL)).toHaveLength(2);
  });

  it('parks an event for an entity it never saw (the batch fails, nothing is written)', async () => {
    const renamed = events.find((e) => e.type === 'TeamRenamed')!;
    await expect(db.apply([renamed])).rejects.toThrow(/unknown team/);
    expect(await new TeamsQuery(db).list(ALL)).toEqual([]);
  });

  it('clamps a change dated before a deal’s open interval to that interval (cross-stream business time)', async () => {
    const story2 = await Story.open();
    try {
      await story2.emit(
        'team',
        TEAM_A,
        'TeamFormed',
        { teamId: TEAM_A, name: 'A', supervisorId: 's' },
        T.teamsFormed,
      );
      await story2.emit(
        'team',
        TEAM_B,
        'TeamFormed',
        { teamId: TEAM_B, name: 'B', supervisorId: 's' },
        T.teamsFormed,
      );
      await story2.emit(
        'rep',
        REP_1,
        'RepHired',
        { repId: REP_1, name: 'A', email: 'a@x', teamId: TEAM_A, channel: 'FIELD' },
        T.hired,
      );
      await story2.emit(
        'deal',
        DEAL_1,
        'DealOpened',
        {
          dealId: DEAL_1,
          accountId: ACC_1,
          repId: REP_1,
          title: 'x',
          valueMinor: 1,
          channel: 'FIELD',
          expectedCloseDate: '2026-12-31',
          stage: 'PROSPECTING',
        },
        T.revised,
      );
      // Imported later, dated before the deal's last change.
      await story2.emit(
        'rep',
        REP_1,
        'RepTransferred',
        { repId: REP_1, fromTeamId: TEAM_A, teamId: TEAM_B },
        T.opened,
      );
      await db.apply(await story2.events());
      const deals = new DealsQuery(db, story2.store);
      expect(await deals.get(DEAL_1, ALL)).toMatchObject({ teamId: TEAM_B });
      // As of its opening the deal is in the team the rep was in then, by business time.
      expect(await deals.get(DEAL_1, ALL, T.revised)).toMatchObject({ teamId: TEAM_B });
      await expect(deals.get(DEAL_1, ALL, T.opened)).rejects.toMatchObject({ code: 'NOT_FOUND' });
    } finally {
      await story2.close();
    }
  });
});
