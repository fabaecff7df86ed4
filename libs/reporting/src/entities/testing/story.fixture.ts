import { id, type Story } from './entities-test-kit';

/** Business times of the story, in order. */
export const T = {
  teamsFormed: '2026-01-05T09:00:00.000Z',
  hired: '2026-01-10T09:00:00.000Z',
  accounts: '2026-02-01T09:00:00.000Z',
  opened: '2026-02-10T09:00:00.000Z',
  revised: '2026-03-01T09:00:00.000Z',
  channelChanged: '2026-03-15T09:00:00.000Z',
  won: '2026-04-01T09:00:00.000Z',
  transferred: '2026-04-10T09:00:00.000Z',
  fulfilled: '2026-05-01T09:00:00.000Z',
  lost: '2026-05-10T09:00:00.000Z',
  reassigned: '2026-05-15T09:00:00.000Z',
  offboarded: '2026-05-20T09:00:00.000Z',
  training: '2026-06-01T09:00:00.000Z',
} as const;

export const TEAM_A = id('team', 1);
export const TEAM_B = id('team', 2);
export const REP_1 = id('rep', 1);
export const REP_2 = id('rep', 2);
export const REP_3 = id('rep', 3);
export const ACC_1 = id('acc', 1);
export const ACC_2 = id('acc', 2);
export const ACC_3 = id('acc', 3);
export const DEAL_1 = id('deal', 1);
export const DEAL_2 = id('deal', 2);
export const DEAL_3 = id('deal', 3);
export const DEAL_4 = id('deal', 4);
export const SESSION_1 = id('sess', 1);
export const SESSION_2 = id('sess', 2);

/**
 * A small organisation's history:
 * - team A (supervisor sup-a) with rep 1 (FIELD) and rep 2 (INSIDE); team B (sup-b, renamed
 *   "Bravo", then supervised by sup-c) with rep 3 (ONLINE);
 * - rep 1 opens deal 1 (10000.00, revised to 12000.00, competitor Rival) and deal 2 (500.00, won
 *   at 450.00, fulfilled 200.00 + 250.00), changes channel to PARTNER, then moves to team B —
 *   deal 1 (open) follows, deal 2 (closed) stays in team A, account 1 follows;
 * - rep 3 loses deal 3 to Rival; rep 2's deal 4 is reassigned to rep 3 (moves to team B) and rep 2
 *   is offboarded;
 * - session 1 (sup-a, NEGOTIATION): rep 1 and rep 2 enrolled, rep 1 attended with 80, completed;
 *   session 2 (sup-b): rep 3 enrolled, cancelled.
 */
export async function tellStory(story: Story): Promise<void> {
  const e = story.emit.bind(story);
  await e(
    'team',
    TEAM_A,
    'TeamFormed',
    { teamId: TEAM_A, name: 'Alpha', supervisorId: 'sup-a' },
    T.teamsFormed,
  );
  await e(
    'team',
    TEAM_B,
    'TeamFormed',
    { teamId: TEAM_B, name: 'Beta', supervisorId: 'sup-b' },
    T.teamsFormed,
  );
  await e('team', TEAM_B, 'TeamRenamed', { teamId: TEAM_B, name: 'Bravo' }, T.hired);
  await e(
    'team',
    TEAM_B,
    'TeamSupervisorChanged',
    { teamId: TEAM_B, supervisorId: 'sup-c', previousSupervisorId: 'sup-b' },
    T.hired,
  );

  const hire = (repId: string, name: string, teamId: string, channel: string) =>
    e(
      'rep',
      repId,
      'RepHired',
      { repId, name, email: `${name.toLowerCase()}@example.com`, teamId, channel },
      T.hired,
    );
  await hire(REP_1, 'Anna', TEAM_A, 'FIELD');
  await hire(REP_2, 'Bartek', TEAM_A, 'INSIDE');
  await hire(REP_3, 'Celina', TEAM_B, 'ONLINE');
  await e('rep', REP_1, 'RepQuotaSet', { repId: REP_1, month: '2026-02', amountMinor: 5_000_000 }, T.hired);

  await e(
    'account',
    ACC_1,
    'AccountRegistered',
    { accountId: ACC_1, name: 'Acme Łódź', taxId: 'PL123', industry: 'Retail', ownerRepId: REP_1 },
    T.accounts,
  );
  await e(
    'account',
    ACC_2,
    'AccountRegistered',
    { accountId: ACC_2, name: 'Beta GmbH', taxId: null, industry: null, ownerRepId: REP_3 },
    T.accounts,
  );
  await e(
    'account',
    ACC_3,
    'AccountRegistered',
    { accountId: ACC_3, name: 'Gamma_100% S.A.', taxId: null, industry: 'Energy', ownerRepId: REP_2 },
    T.accounts,
  );

  const open = (
    dealId: string,
    accountId: string,
    repId: string,
    title: string,
    valueMinor: number,
    channel: string,
  ) =>
    e(
      'deal',
      dealId,
      'DealOpened',
      {
        dealId,
        accountId,
        repId,
        title,
        valueMinor,
        channel,
        expectedCloseDate: '2026-06-30',
        stage: 'PROSPECTING',
      },
      T.opened,
    );
  await open(DEAL_1, ACC_1, REP_1, 'Big rollout', 1_000_000, 'FIELD');
  await open(DEAL_2, ACC_1, REP_1, 'Pilot', 50_000, 'FIELD');
  await open(DEAL_3, ACC_2, REP_3, 'Renewal', 200_000, 'ONLINE');
  await open(DEAL_4, ACC_3, REP_2, 'Upsell', 70_000, 'INSIDE');

  await e(
    'deal',
    DEAL_1,
    'DealStageChanged',
    { dealId: DEAL_1, fromStage: 'PROSPECTING', stage: 'QUALIFICATION' },
    T.revised,
  );
  await e(
    'deal',
    DEAL_1,
    'DealValueRevised',
    { dealId: DEAL_1, fromValueMinor: 1_000_000, valueMinor: 1_200_000, reason: null },
    T.revised,
  );
  await e('deal', DEAL_1, 'CompetitorRecorded', { dealId: DEAL_1, competitor: 'Rival' }, T.revised);
  await e(
    'deal',
    DEAL_1,
    'DealRescheduled',
    { dealId: DEAL_1, fromExpectedCloseDate: '2026-06-30', expectedCloseDate: '2026-09-30' },
    T.revised,
  );

  await e(
    'rep',
    REP_1,
    'RepChannelChanged',
    { repId: REP_1, fromChannel: 'FIELD', channel: 'PARTNER', reason: 'reorg' },
    T.channelChanged,
  );
  await e(
    'deal',
    DEAL_1,
    'DealChannelChanged',
    { dealId: DEAL_1, fromChannel: 'FIELD', channel: 'PARTNER' },
    T.channelChanged,
  );

  await e(
    'deal',
    DEAL_2,
    'DealWon',
    { dealId: DEAL_2, fromStage: 'PROSPECTING', wonValueMinor: 45_000, contractNumber: 'C-1' },
    T.won,
  );

  await e(
    'rep',
    REP_1,
    'RepTransferred',
    { repId: REP_1, fromTeamId: TEAM_A, teamId: TEAM_B },
    T.transferred,
  );

  await e(
    'deal',
    DEAL_2,
    'FulfilmentRecorded',
    { dealId: DEAL_2, amountMinor: 20_000, cumulativeMinor: 20_000, note: null },
    T.fulfilled,
  );
  await e(
    'deal',
    DEAL_2,
    'FulfilmentRecorded',
    { dealId: DEAL_2, amountMinor: 25_000, cumulativeMinor: 45_000, note: 'rest' },
    T.fulfilled,
  );

  await e('deal', DEAL_3, 'CompetitorRecorded', { dealId: DEAL_3, competitor: 'Rival' }, T.lost);
  await e(
    'deal',
    DEAL_3,
    'DealLost',
    {
      dealId: DEAL_3,
      fromStage: 'PROSPECTING',
      reason: 'COMPETITOR',
      competitor: 'Rival',
      valueMinor: 200_000,
    },
    T.lost,
  );

  await e('deal', DEAL_4, 'DealReassigned', { dealId: DEAL_4, fromRepId: REP_2, repId: REP_3 }, T.reassigned);
  await e('rep', REP_2, 'RepOffboarded', { repId: REP_2, reassignOpenDealsTo: REP_3 }, T.offboarded);

  const s1 = (
    type: 'RepEnrolled' | 'AttendanceRecorded' | 'TrainingCompleted',
    data: Record<string, unknown>,
  ) => e('training', SESSION_1, type, { sessionId: SESSION_1, ...data }, T.training);
  await e(
    'training',
    SESSION_1,
    'TrainingScheduled',
    {
      sessionId: SESSION_1,
      title: 'Closing',
      skill: 'NEGOTIATION',
      trainerId: 'sup-a',
      scheduledAt: '2026-06-01T10:00:00Z',
      durationMinutes: 90,
    },
    T.opened,
  );
  await s1('RepEnrolled', { repId: REP_1 });
  await s1('RepEnrolled', { repId: REP_2 });
  await s1('AttendanceRecorded', { repId: REP_1, attended: true, score: 80 });
  await s1('TrainingCompleted', {});
  await e(
    'training',
    SESSION_2,
    'TrainingScheduled',
    {
      sessionId: SESSION_2,
      title: 'Calm under pressure',
      skill: 'STRESS_RESILIENCE',
      trainerId: 'sup-b',
      scheduledAt: '2026-07-01T10:00:00Z',
      durationMinutes: 60,
    },
    T.opened,
  );
  await e('training', SESSION_2, 'RepEnrolled', { sessionId: SESSION_2, repId: REP_3 }, T.training);
  await e(
    'training',
    SESSION_2,
    'TrainingCancelled',
    { sessionId: SESSION_2, reason: 'trainer ill' },
    T.training,
  );
}
