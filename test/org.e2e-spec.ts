import { randomUUID } from 'node:crypto';
import { REP_DEALS_PORT, type RepDealsPort } from '@kam/org';
import { testMetadata } from '@kam/kernel/testing';
import { comparePositions, type EventStore } from '@kam/event-store';
import type { StoreKind, TestApp } from './support/test-app';
import {
  expectRejected,
  minutesFromNow,
  run,
  send,
  snapshot,
  startAdminApp,
  typesOf,
} from './support/write-side';

const STORES: StoreKind[] = ['sqlite', 'esdb-double'];

/** A deal owned by `repId`, written straight to the log so these tests do not depend on the sales API. */
async function openDealDirectly(store: EventStore, repId: string): Promise<string> {
  const dealId = randomUUID();
  await store.append(
    `deal-${dealId}`,
    [
      {
        id: randomUUID(),
        type: 'DealOpened',
        data: {
          dealId,
          accountId: randomUUID(),
          repId,
          title: 'Framework agreement',
          valueMinor: 1_250_000,
          channel: 'FIELD',
          expectedCloseDate: '2027-03-31',
          stage: 'PROSPECTING',
        },
        metadata: testMetadata('admin-e2e', minutesFromNow(-60)),
      },
    ],
    'no_stream',
  );
  return dealId;
}

describe.each(STORES)('org write side over HTTP on %s', (storeKind) => {
  let app: TestApp;

  beforeAll(async () => {
    app = await startAdminApp(storeKind);
  }, 60_000);

  afterAll(async () => {
    await app?.close();
  });

  async function formTeam(name = 'Key accounts North'): Promise<string> {
    return (await run(app, 'formTeam', { name, supervisorId: 'kam-1' })).id;
  }

  async function hireRep(teamId: string, input: Record<string, unknown> = {}): Promise<string> {
    const result = await run(app, 'hireRep', {
      name: 'Anna Nowak',
      email: `anna.${randomUUID().slice(0, 8)}@example.com`,
      teamId,
      channel: 'FIELD',
      ...input,
    });
    return result.id;
  }

  describe('Team', () => {
    it('forms, renames and hands over a team, one event and one revision each', async () => {
      const formed = await run(app, 'formTeam', { name: 'Key accounts South', supervisorId: 'kam-1' });
      const renamed = await run(app, 'renameTeam', { teamId: formed.id, name: 'Key accounts South-West' });
      const handed = await run(app, 'changeTeamSupervisor', { teamId: formed.id, supervisorId: 'kam-2' });

      expect([formed.revision, renamed.revision, handed.revision]).toEqual([0, 1, 2]);
      const events = await app.store.readStream(`team-${formed.id}`);
      expect(events.map((e) => [e.type, e.data])).toEqual([
        ['TeamFormed', { teamId: formed.id, name: 'Key accounts South', supervisorId: 'kam-1' }],
        ['TeamRenamed', { teamId: formed.id, name: 'Key accounts South-West' }],
        [
          'TeamSupervisorChanged',
          { teamId: formed.id, supervisorId: 'kam-2', previousSupervisorId: 'kam-1' },
        ],
      ]);
      expect(handed.position).toBe(events[2]!.position);
      expect(events[2]!.metadata.actor).toBe('admin');
    });

    it('answers a rename to the current name with the current revision and writes nothing', async () => {
      const teamId = await formTeam('Unchanged');
      const before = await snapshot(app.store);
      const result = await run(app, 'renameTeam', { teamId, name: 'Unchanged' });
      expect(result).toMatchObject({ id: teamId, revision: 0 });
      expect(await snapshot(app.store)).toEqual(before);
    });

    it('refuses formTeam for an id that exists (TEAM_ALREADY_EXISTS)', async () => {
      const teamId = await formTeam();
      await expectRejected(
        app,
        'formTeam',
        { teamId, name: 'Again', supervisorId: 'kam-1' },
        { code: 'DOMAIN_RULE_VIOLATED', reason: 'TEAM_ALREADY_EXISTS' },
      );
    });

    it('refuses renameTeam: unknown team, blank name, empty name, malformed id', async () => {
      const teamId = await formTeam();
      await expectRejected(app, 'renameTeam', { teamId: randomUUID(), name: 'X' }, { code: 'NOT_FOUND' });
      await expectRejected(
        app,
        'renameTeam',
        { teamId, name: '   ' },
        { code: 'DOMAIN_RULE_VIOLATED', reason: 'NAME_REQUIRED' },
      );
      await expectRejected(
        app,
        'renameTeam',
        { teamId, name: '' },
        { code: 'BAD_USER_INPUT', field: 'name' },
      );
      await expectRejected(
        app,
        'renameTeam',
        { teamId: 'team-1', name: 'X' },
        { code: 'BAD_USER_INPUT', field: 'teamId' },
      );
    });

    it('refuses changeTeamSupervisor: unknown team, blank supervisor, oversized supervisor', async () => {
      const teamId = await formTeam();
      await expectRejected(
        app,
        'changeTeamSupervisor',
        { teamId: randomUUID(), supervisorId: 'kam-2' },
        { code: 'NOT_FOUND' },
      );
      await expectRejected(
        app,
        'changeTeamSupervisor',
        { teamId, supervisorId: '  ' },
        { code: 'DOMAIN_RULE_VIOLATED', reason: 'SUPERVISOR_REQUIRED' },
      );
      await expectRejected(
        app,
        'changeTeamSupervisor',
        { teamId, supervisorId: 'k'.repeat(201) },
        { code: 'BAD_USER_INPUT', field: 'supervisorId' },
      );
    });
  });

  describe('Rep', () => {
    it('hires a rep with the given id into an existing team', async () => {
      const teamId = await formTeam();
      const repId = randomUUID();
      const result = await run(app, 'hireRep', {
        repId,
        name: ' Jan Kowalski ',
        email: 'jan.kowalski@example.com',
        teamId,
        channel: 'INSIDE',
      });
      expect(result).toMatchObject({ id: repId, revision: 0 });
      const [hired] = await app.store.readStream(`rep-${repId}`);
      expect(hired).toMatchObject({
        type: 'RepHired',
        data: { repId, name: 'Jan Kowalski', email: 'jan.kowalski@example.com', teamId, channel: 'INSIDE' },
      });
    });

    it('refuses hireRep: unknown team, bad e-mail, unknown channel, the same rep twice', async () => {
      const teamId = await formTeam();
      const input = { name: 'Ewa Lis', email: 'ewa@example.com', teamId, channel: 'ONLINE' };
      await expectRejected(app, 'hireRep', { ...input, teamId: randomUUID() }, { code: 'NOT_FOUND' });
      await expectRejected(
        app,
        'hireRep',
        { ...input, email: 'ewa-at-example' },
        { code: 'BAD_USER_INPUT', field: 'email' },
      );
      await expectRejected(
        app,
        'hireRep',
        { ...input, channel: 'CARRIER_PIGEON' },
        { code: 'BAD_USER_INPUT', field: 'channel' },
      );
      const repId = await hireRep(teamId);
      await expectRejected(
        app,
        'hireRep',
        { ...input, repId },
        { code: 'DOMAIN_RULE_VIOLATED', reason: 'REP_ALREADY_HIRED' },
      );
    });

    it('transfers a rep to another team, and refuses the same team, an unknown team and an unknown rep', async () => {
      const [from, to] = [await formTeam('From'), await formTeam('To')];
      const repId = await hireRep(from);
      const result = await run(app, 'transferRep', { repId, teamId: to });
      expect(result).toMatchObject({ id: repId, revision: 1 });
      const events = await app.store.readStream(`rep-${repId}`);
      expect(events[1]).toMatchObject({
        type: 'RepTransferred',
        data: { repId, fromTeamId: from, teamId: to },
      });

      await expectRejected(
        app,
        'transferRep',
        { repId, teamId: to },
        { code: 'DOMAIN_RULE_VIOLATED', reason: 'REP_ALREADY_IN_TEAM' },
      );
      await expectRejected(app, 'transferRep', { repId, teamId: randomUUID() }, { code: 'NOT_FOUND' });
      await expectRejected(app, 'transferRep', { repId: randomUUID(), teamId: from }, { code: 'NOT_FOUND' });
    });

    it('changes a rep channel with a reason; the current channel changes nothing', async () => {
      const repId = await hireRep(await formTeam());
      const result = await run(app, 'changeRepChannel', {
        repId,
        channel: 'PARTNER',
        reason: 'Partner programme',
      });
      expect(result.revision).toBe(1);
      const events = await app.store.readStream(`rep-${repId}`);
      expect(events[1]).toMatchObject({
        type: 'RepChannelChanged',
        data: { repId, fromChannel: 'FIELD', channel: 'PARTNER', reason: 'Partner programme' },
      });
      const before = await snapshot(app.store);
      expect(await run(app, 'changeRepChannel', { repId, channel: 'PARTNER' })).toMatchObject({
        revision: 1,
      });
      expect(await snapshot(app.store)).toEqual(before);

      await expectRejected(
        app,
        'changeRepChannel',
        { repId, channel: 'TENDER', reason: 'r'.repeat(501) },
        { code: 'BAD_USER_INPUT', field: 'reason' },
      );
      await expectRejected(
        app,
        'changeRepChannel',
        { repId: randomUUID(), channel: 'TENDER' },
        { code: 'NOT_FOUND' },
      );
    });

    it('sets a monthly quota in minor units and replaces it when set again', async () => {
      const repId = await hireRep(await formTeam());
      await run(app, 'setRepQuota', { repId, month: '2026-11', amount: '125000.50' });
      await run(app, 'setRepQuota', { repId, month: '2026-11', amount: '130000' });
      const quotas = (await app.store.readStream(`rep-${repId}`)).filter((e) => e.type === 'RepQuotaSet');
      expect(quotas.map((e) => e.data)).toEqual([
        { repId, month: '2026-11', amountMinor: 12_500_050 },
        { repId, month: '2026-11', amountMinor: 13_000_000 },
      ]);
    });

    it('refuses setRepQuota: month 2026-13, amount 1.234, a float amount, an unknown rep', async () => {
      const repId = await hireRep(await formTeam());
      await expectRejected(
        app,
        'setRepQuota',
        { repId, month: '2026-13', amount: '1000' },
        { code: 'BAD_USER_INPUT', field: 'month' },
      );
      await expectRejected(
        app,
        'setRepQuota',
        { repId, month: '2026-12', amount: '1.234' },
        { code: 'BAD_USER_INPUT', field: 'amount' },
      );
      await expectRejected(
        app,
        'setRepQuota',
        { repId, month: '2026-12', amount: 1000.5 },
        { code: 'BAD_USER_INPUT', field: 'amount' },
      );
      await expectRejected(
        app,
        'setRepQuota',
        { repId: randomUUID(), month: '2026-12', amount: '1' },
        { code: 'NOT_FOUND' },
      );
    });

    it('offboards a rep without open deals; an offboarded rep then takes no change', async () => {
      const teamId = await formTeam();
      const repId = await hireRep(teamId);
      const result = await run(app, 'offboardRep', { repId });
      expect(result).toMatchObject({ id: repId, revision: 1 });
      const events = await app.store.readStream(`rep-${repId}`);
      expect(events[1]).toMatchObject({ type: 'RepOffboarded', data: { repId, reassignOpenDealsTo: null } });

      const offboarded = { code: 'DOMAIN_RULE_VIOLATED', reason: 'REP_OFFBOARDED' };
      await expectRejected(app, 'offboardRep', { repId }, offboarded);
      await expectRejected(app, 'setRepQuota', { repId, month: '2026-12', amount: '1' }, offboarded);
      await expectRejected(app, 'changeRepChannel', { repId, channel: 'TENDER' }, offboarded);
      await expectRejected(app, 'transferRep', { repId, teamId: await formTeam() }, offboarded);
      await expectRejected(app, 'offboardRep', { repId: randomUUID() }, { code: 'NOT_FOUND' });
      await expectRejected(
        app,
        'offboardRep',
        { repId: 'rep-1' },
        { code: 'BAD_USER_INPUT', field: 'repId' },
      );
    });

    it('refuses to offboard a rep with open deals unless a valid reassignment target is given', async () => {
      const teamId = await formTeam();
      const repId = await hireRep(teamId);
      const gone = await hireRep(teamId);
      await run(app, 'offboardRep', { repId: gone });
      await openDealDirectly(app.store, repId);

      await expectRejected(
        app,
        'offboardRep',
        { repId },
        { code: 'DOMAIN_RULE_VIOLATED', reason: 'REP_HAS_OPEN_DEALS' },
      );
      await expectRejected(
        app,
        'offboardRep',
        { repId, reassignOpenDealsTo: repId },
        { code: 'DOMAIN_RULE_VIOLATED', reason: 'REASSIGN_TARGET_IS_SAME_REP' },
      );
      await expectRejected(
        app,
        'offboardRep',
        { repId, reassignOpenDealsTo: gone },
        { code: 'DOMAIN_RULE_VIOLATED', reason: 'REASSIGN_TARGET_INACTIVE' },
      );
      await expectRejected(
        app,
        'offboardRep',
        { repId, reassignOpenDealsTo: randomUUID() },
        { code: 'NOT_FOUND' },
      );
    });

    it('moves every open deal to the target before the rep is offboarded', async () => {
      const teamId = await formTeam();
      const [repId, heir] = [await hireRep(teamId), await hireRep(teamId)];
      const deals = [await openDealDirectly(app.store, repId), await openDealDirectly(app.store, repId)];

      const result = await run(app, 'offboardRep', {
        repId,
        reassignOpenDealsTo: heir,
        commandId: randomUUID(),
      });
      expect(result).toMatchObject({ id: repId, revision: 1 });
      const offboarded = (await app.store.readStream(`rep-${repId}`))[1]!;
      expect(offboarded).toMatchObject({ type: 'RepOffboarded', data: { repId, reassignOpenDealsTo: heir } });
      for (const dealId of deals) {
        const [, reassigned] = await app.store.readStream(`deal-${dealId}`);
        expect(reassigned).toMatchObject({
          type: 'DealReassigned',
          data: { dealId, fromRepId: repId, repId: heir },
        });
        // The deals moved first, and they trace back to the offboarding.
        expect(comparePositions(reassigned!.position, offboarded.position)).toBeLessThan(0);
        expect(reassigned!.metadata.causationId).toBe(offboarded.metadata.commandId);
      }
    });

    it('skips the deals won or handed to someone else after they were listed, and completes', async () => {
      const teamId = await formTeam();
      const [repId, heir, colleague] = [await hireRep(teamId), await hireRep(teamId), await hireRep(teamId)];
      const [kept, won, movedAway] = [
        await openDealDirectly(app.store, repId),
        await openDealDirectly(app.store, repId),
        await openDealDirectly(app.store, repId),
      ];
      const port = app.app.get<RepDealsPort>(REP_DEALS_PORT, { strict: false });
      const reassign = port.reassignDeal.bind(port);
      // Other clients act on two of the listed deals before the first hand-over runs.
      const race = jest.spyOn(port, 'reassignDeal').mockImplementationOnce(async (...args) => {
        await run(app, 'winDeal', { dealId: won });
        await run(app, 'reassignDeal', { dealId: movedAway, repId: colleague });
        return reassign(...args);
      });
      try {
        const result = await run(app, 'offboardRep', { repId, reassignOpenDealsTo: heir, commandId: randomUUID() });
        expect(result).toMatchObject({ id: repId, revision: 1 });
      } finally {
        race.mockRestore();
      }
      expect(await typesOf(app.store, `deal-${kept}`)).toEqual(['DealOpened', 'DealReassigned']);
      expect(await typesOf(app.store, `deal-${won}`)).toEqual(['DealOpened', 'DealWon']);
      const [, toColleague, ...after] = await app.store.readStream(`deal-${movedAway}`);
      expect(toColleague).toMatchObject({ type: 'DealReassigned', data: { fromRepId: repId, repId: colleague } });
      expect(after).toEqual([]);
    });

    it('finishes an offboarding that crashed half-way when the same commandId is retried', async () => {
      const teamId = await formTeam();
      const [repId, heir] = [await hireRep(teamId), await hireRep(teamId)];
      const deals = [await openDealDirectly(app.store, repId), await openDealDirectly(app.store, repId)];
      const port = app.app.get<RepDealsPort>(REP_DEALS_PORT, { strict: false });
      const reassign = port.reassignDeal.bind(port);
      const crash = jest
        .spyOn(port, 'reassignDeal')
        .mockImplementationOnce(reassign)
        .mockImplementationOnce(() => Promise.reject(new Error('process died')));
      const input = { repId, reassignOpenDealsTo: heir, commandId: randomUUID() };
      try {
        const crashed = await send(app, 'offboardRep', input);
        expect(crashed.errors?.[0]?.extensions?.code).toBe('INTERNAL_SERVER_ERROR');
      } finally {
        crash.mockRestore();
      }
      expect(await typesOf(app.store, `rep-${repId}`)).toEqual(['RepHired']);
      // One deal moved before the crash, the other did not (which one depends on the read model's order).
      const moved = await Promise.all(deals.map(async (dealId) => (await typesOf(app.store, `deal-${dealId}`)).join(',')));
      expect(moved.sort()).toEqual(['DealOpened', 'DealOpened,DealReassigned']);

      const retried = await run(app, 'offboardRep', input);
      expect(retried.revision).toBe(1);
      expect(await typesOf(app.store, `rep-${repId}`)).toEqual(['RepHired', 'RepOffboarded']);
      for (const dealId of deals) {
        expect(await typesOf(app.store, `deal-${dealId}`)).toEqual(['DealOpened', 'DealReassigned']);
      }

      const before = await snapshot(app.store);
      expect(await run(app, 'offboardRep', input)).toEqual(retried);
      expect(await snapshot(app.store)).toEqual(before);
    });
  });

  describe('idempotency and concurrency', () => {
    it('answers a retried commandId with the first result and appends nothing', async () => {
      const teamId = await formTeam();
      const commandId = randomUUID();
      const first = await run(app, 'renameTeam', { teamId, name: 'Retried', commandId });
      const before = await snapshot(app.store);
      // Even with other field values: the command id names the command, not its content.
      expect(await run(app, 'renameTeam', { teamId, name: 'Retried again', commandId })).toEqual(first);
      expect(await snapshot(app.store)).toEqual(before);

      const hire = {
        name: 'Retry Rep',
        email: 'retry@example.com',
        teamId,
        channel: 'FIELD',
        commandId: randomUUID(),
      };
      const hired = await run(app, 'hireRep', hire);
      const afterHire = await snapshot(app.store);
      expect(await run(app, 'hireRep', hire)).toEqual(hired);
      expect(await snapshot(app.store)).toEqual(afterHire);
    });

    it('refuses a stale expectedRevision with CONFLICT and the actual revision', async () => {
      const teamId = await formTeam();
      await run(app, 'renameTeam', { teamId, name: 'Now at revision 1' });
      const reply = await expectRejected(
        app,
        'renameTeam',
        { teamId, name: 'Stale', expectedRevision: 0 },
        { code: 'CONFLICT' },
      );
      expect(reply.errors?.[0]?.extensions?.actualRevision).toBe(1);
    });

    it('lets exactly one of 10 concurrent writers with the same expectedRevision win', async () => {
      const teamId = await formTeam();
      const before = await snapshot(app.store);
      const replies = await Promise.all(
        Array.from({ length: 10 }, (_, i) =>
          send(app, 'renameTeam', { teamId, name: `Writer ${i}`, expectedRevision: 0 }),
        ),
      );
      const codes = replies.map((r) => (r.errors?.length ? r.errors[0]!.extensions?.code : 'OK'));
      expect(codes.filter((c) => c === 'OK')).toHaveLength(1);
      expect(codes.filter((c) => c === 'CONFLICT')).toHaveLength(9);
      expect(await typesOf(app.store, `team-${teamId}`)).toEqual(['TeamFormed', 'TeamRenamed']);
      expect((await snapshot(app.store)).count).toBe(before.count + 1);
    });
  });

  describe('business time (ADMIN history import)', () => {
    it('imports history with occurredAt in the past and keeps it on the events', async () => {
      const teamId = await formTeam();
      const repId = await hireRep(teamId, { occurredAt: '2025-01-15T09:00:00+01:00' });
      await run(app, 'setRepQuota', {
        repId,
        month: '2025-02',
        amount: '50000',
        occurredAt: '2025-01-31T12:00:00Z',
      });
      const events = await app.store.readStream(`rep-${repId}`);
      expect(events.map((e) => e.metadata.occurredAt)).toEqual([
        '2025-01-15T08:00:00.000Z',
        '2025-01-31T12:00:00.000Z',
      ]);
    });

    it('refuses occurredAt more than 5 minutes ahead (OCCURRED_IN_FUTURE)', async () => {
      const teamId = await formTeam();
      await expectRejected(
        app,
        'renameTeam',
        { teamId, name: 'From the future', occurredAt: minutesFromNow(10) },
        { code: 'DOMAIN_RULE_VIOLATED', reason: 'OCCURRED_IN_FUTURE' },
      );
      await expectRejected(
        app,
        'hireRep',
        { name: 'Future', email: 'f@example.com', teamId, channel: 'FIELD', occurredAt: minutesFromNow(6) },
        { code: 'DOMAIN_RULE_VIOLATED', reason: 'OCCURRED_IN_FUTURE' },
      );
    });

    it("refuses occurredAt before the stream's last event (OCCURRED_BEFORE_STREAM)", async () => {
      const teamId = await formTeam();
      const repId = await hireRep(teamId, { occurredAt: '2026-01-10T10:00:00Z' });
      await expectRejected(
        app,
        'changeRepChannel',
        { repId, channel: 'TENDER', occurredAt: '2026-01-09T10:00:00Z' },
        { code: 'DOMAIN_RULE_VIOLATED', reason: 'OCCURRED_BEFORE_STREAM' },
      );
      await expectRejected(
        app,
        'offboardRep',
        { repId, occurredAt: '2026-01-01T00:00:00Z' },
        { code: 'DOMAIN_RULE_VIOLATED', reason: 'OCCURRED_BEFORE_STREAM' },
      );
    });
  });
});
