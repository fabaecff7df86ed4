import { randomUUID } from 'node:crypto';
import type { CommandEnvelope } from '@kam/event-store';
import { RepDealsService } from '@kam/sales';
import { allEvents, startTestApp, type GqlReply, type StoreKind, type TestApp } from './support/test-app';
import { formTeamDirect, hireRepDirect, offboardRepDirect } from './support/org-fixtures';

type MutationName =
  | 'registerAccount'
  | 'reassignAccount'
  | 'openDeal'
  | 'advanceDeal'
  | 'reviseDealValue'
  | 'rescheduleDeal'
  | 'reassignDeal'
  | 'changeDealChannel'
  | 'recordCompetitor'
  | 'winDeal'
  | 'loseDeal'
  | 'recordFulfilment';

interface Result {
  id: string;
  revision: number;
  position: string;
}

function documentOf(name: MutationName): string {
  const inputType = `${name[0]!.toUpperCase()}${name.slice(1)}Input`;
  return `mutation($input: ${inputType}!) { ${name}(input: $input) { id revision position } }`;
}

const stores: StoreKind[] = ['sqlite', 'esdb-double'];

describe.each(stores)('Sales write side over HTTP (%s store)', (store) => {
  let app: TestApp;
  let teamId: string;
  /** Active reps: FIELD and INSIDE; one offboarded rep. */
  let repA: string;
  let repB: string;
  let repGone: string;
  let accountId: string;

  beforeAll(async () => {
    app = await startTestApp({ store });
    teamId = await formTeamDirect(app.store);
    repA = await hireRepDirect(app.store, { teamId, channel: 'FIELD' });
    repB = await hireRepDirect(app.store, { teamId, channel: 'INSIDE' });
    repGone = await hireRepDirect(app.store, { teamId, channel: 'ONLINE' });
    await offboardRepDirect(app.store, repGone);
    accountId = (await ok('registerAccount', { name: 'Acme Sp. z o.o.', ownerRepId: repA })).id;
  });
  afterAll(async () => {
    await app?.close();
  });

  function run(name: MutationName, input: Record<string, unknown>): Promise<GqlReply> {
    return app.gql(documentOf(name), { input });
  }

  async function ok(name: MutationName, input: Record<string, unknown>): Promise<Result> {
    const reply = await run(name, input);
    expect(reply.errors).toBeUndefined();
    return reply.data[name] as Result;
  }

  async function logState(): Promise<{ count: number; last: string | undefined }> {
    const events = await allEvents(app.store);
    return { count: events.length, last: events[events.length - 1]?.position };
  }

  /** Runs a mutation that must fail with `code` (and `reason` / offending `field`) and write nothing. */
  async function rejected(
    name: MutationName,
    input: Record<string, unknown>,
    expected: { code: string; reason?: string; field?: string },
  ): Promise<NonNullable<GqlReply['errors']>[number]> {
    const before = await logState();
    const reply = await run(name, input);
    expect(reply.data?.[name] ?? null).toBeNull();
    expect(reply.errors).toHaveLength(1);
    const error = reply.errors![0]!;
    expect(error.extensions?.code).toBe(expected.code);
    if (expected.reason) expect(error.extensions?.reason).toBe(expected.reason);
    if (expected.field) {
      const fields = (error.extensions?.fields ?? []) as Array<{ field: string }>;
      expect(fields.map((f) => f.field)).toContain(`input.${expected.field}`);
    }
    expect(await logState()).toEqual(before);
    return error;
  }

  async function streamTypes(streamId: string): Promise<string[]> {
    return (await app.store.readStream(streamId)).map((e) => e.type);
  }

  async function openDeal(overrides: Record<string, unknown> = {}): Promise<string> {
    const result = await ok('openDeal', {
      accountId,
      repId: repA,
      title: 'Fleet renewal',
      value: '1250.50',
      expectedCloseDate: '2026-12-31',
      ...overrides,
    });
    return result.id;
  }

  async function wonDeal(value = '1000.00'): Promise<string> {
    const dealId = await openDeal({ value });
    await ok('winDeal', { dealId });
    return dealId;
  }

  describe('registerAccount', () => {
    it('records AccountRegistered and answers id, revision and position', async () => {
      const id = randomUUID();
      const result = await ok('registerAccount', {
        accountId: id,
        name: '  Globex  ',
        taxId: 'PL1234567890',
        industry: 'Logistics',
        ownerRepId: repB,
      });
      expect(result.id).toBe(id);
      expect(result.revision).toBe(0);
      const [event] = await app.store.readStream(`account-${id}`);
      expect(event!.position).toBe(result.position);
      expect(event!.type).toBe('AccountRegistered');
      expect(event!.data).toEqual({
        accountId: id,
        name: 'Globex',
        taxId: 'PL1234567890',
        industry: 'Logistics',
        ownerRepId: repB,
      });
      expect(event!.metadata).toMatchObject({ actor: 'admin', schemaVersion: 1 });
    });

    it('refuses an offboarded owner (REP_OFFBOARDED)', async () => {
      await rejected(
        'registerAccount',
        { name: 'Initech', ownerRepId: repGone },
        { code: 'DOMAIN_RULE_VIOLATED', reason: 'REP_OFFBOARDED' },
      );
    });

    it('refuses an unknown owner (NOT_FOUND)', async () => {
      await rejected('registerAccount', { name: 'Initech', ownerRepId: randomUUID() }, { code: 'NOT_FOUND' });
    });

    it('refuses a blank name (NAME_REQUIRED) and an account id that is taken', async () => {
      await rejected(
        'registerAccount',
        { name: '   ', ownerRepId: repA },
        { code: 'DOMAIN_RULE_VIOLATED', reason: 'NAME_REQUIRED' },
      );
      await rejected(
        'registerAccount',
        { accountId, name: 'Acme again', ownerRepId: repA },
        { code: 'DOMAIN_RULE_VIOLATED', reason: 'ACCOUNT_ALREADY_EXISTS' },
      );
    });

    it('refuses malformed input naming the field', async () => {
      await rejected(
        'registerAccount',
        { accountId: 'not-a-uuid', name: 'Initech', ownerRepId: repA },
        { code: 'BAD_USER_INPUT', field: 'accountId' },
      );
      await rejected(
        'registerAccount',
        { name: 'Initech', taxId: 'x'.repeat(51), ownerRepId: repA },
        { code: 'BAD_USER_INPUT', field: 'taxId' },
      );
      await rejected(
        'registerAccount',
        { name: 'Initech', industry: 'x'.repeat(101), ownerRepId: repA },
        { code: 'BAD_USER_INPUT', field: 'industry' },
      );
      await rejected(
        'registerAccount',
        { name: '', ownerRepId: repA },
        { code: 'BAD_USER_INPUT', field: 'name' },
      );
    });
  });

  describe('reassignAccount', () => {
    it('records AccountReassigned from the old owner to the new one', async () => {
      const id = (await ok('registerAccount', { name: 'Umbrella', ownerRepId: repA })).id;
      const result = await ok('reassignAccount', { accountId: id, ownerRepId: repB });
      expect(result).toMatchObject({ id, revision: 1 });
      const events = await app.store.readStream(`account-${id}`);
      expect(events[1]).toMatchObject({
        type: 'AccountReassigned',
        data: { accountId: id, fromRepId: repA, ownerRepId: repB },
      });
    });

    it('refuses an offboarded new owner, an unknown account and a malformed id', async () => {
      await rejected(
        'reassignAccount',
        { accountId, ownerRepId: repGone },
        { code: 'DOMAIN_RULE_VIOLATED', reason: 'REP_OFFBOARDED' },
      );
      await rejected('reassignAccount', { accountId: randomUUID(), ownerRepId: repB }, { code: 'NOT_FOUND' });
      await rejected(
        'reassignAccount',
        { accountId, ownerRepId: 'rep-1' },
        { code: 'BAD_USER_INPUT', field: 'ownerRepId' },
      );
    });
  });

  describe('openDeal', () => {
    it("opens in PROSPECTING with money in minor units and the rep's channel by default", async () => {
      const dealId = randomUUID();
      const result = await ok('openDeal', {
        dealId,
        accountId,
        repId: repB,
        title: 'Warehouse scanners',
        value: '1250.5',
        expectedCloseDate: '2026-11-30',
      });
      expect(result).toMatchObject({ id: dealId, revision: 0 });
      const [event] = await app.store.readStream(`deal-${dealId}`);
      expect(event!.position).toBe(result.position);
      expect(event).toMatchObject({
        type: 'DealOpened',
        data: {
          dealId,
          accountId,
          repId: repB,
          title: 'Warehouse scanners',
          valueMinor: 125050,
          channel: 'INSIDE',
          expectedCloseDate: '2026-11-30',
          stage: 'PROSPECTING',
        },
      });
    });

    it('takes an explicit channel', async () => {
      const dealId = await openDeal({ channel: 'TENDER' });
      const [event] = await app.store.readStream(`deal-${dealId}`);
      expect(event!.data).toMatchObject({ channel: 'TENDER', valueMinor: 125050 });
    });

    it('refuses an offboarded rep, an unknown rep and an unknown account', async () => {
      const base = { accountId, repId: repA, title: 'T', value: '10.00', expectedCloseDate: '2026-12-01' };
      await rejected(
        'openDeal',
        { ...base, repId: repGone },
        { code: 'DOMAIN_RULE_VIOLATED', reason: 'REP_OFFBOARDED' },
      );
      await rejected('openDeal', { ...base, repId: randomUUID() }, { code: 'NOT_FOUND' });
      await rejected('openDeal', { ...base, accountId: randomUUID() }, { code: 'NOT_FOUND' });
      await rejected(
        'openDeal',
        { ...base, title: '   ' },
        { code: 'DOMAIN_RULE_VIOLATED', reason: 'TITLE_REQUIRED' },
      );
    });

    it('refuses money that is not a decimal string with at most 2 fraction digits', async () => {
      const base = { accountId, repId: repA, title: 'T', expectedCloseDate: '2026-12-01' };
      await rejected('openDeal', { ...base, value: '12.345' }, { code: 'BAD_USER_INPUT', field: 'value' });
      await rejected('openDeal', { ...base, value: 12.5 }, { code: 'BAD_USER_INPUT', field: 'value' });
      await rejected('openDeal', { ...base, value: '-1.00' }, { code: 'BAD_USER_INPUT', field: 'value' });
      await rejected(
        'openDeal',
        { ...base, value: '1000000000000.00' },
        { code: 'BAD_USER_INPUT', field: 'value' },
      );
    });

    it('refuses money written as a float literal in the document', async () => {
      const before = await logState();
      const reply = await app.gql(
        `mutation { openDeal(input: { accountId: "${accountId}", repId: "${repA}", title: "T", value: 12.5, expectedCloseDate: "2026-12-01" }) { id } }`,
      );
      expect(reply.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
      expect(await logState()).toEqual(before);
    });

    it('refuses impossible dates, unknown channels, long titles and malformed ids', async () => {
      const base = { accountId, repId: repA, title: 'T', value: '10.00', expectedCloseDate: '2026-12-01' };
      await rejected(
        'openDeal',
        { ...base, expectedCloseDate: '2026-02-30' },
        { code: 'BAD_USER_INPUT', field: 'expectedCloseDate' },
      );
      await rejected(
        'openDeal',
        { ...base, channel: 'CARRIER_PIGEON' },
        { code: 'BAD_USER_INPUT', field: 'channel' },
      );
      await rejected(
        'openDeal',
        { ...base, title: 'x'.repeat(201) },
        { code: 'BAD_USER_INPUT', field: 'title' },
      );
      await rejected('openDeal', { ...base, dealId: 'deal-1' }, { code: 'BAD_USER_INPUT', field: 'dealId' });
    });
  });

  describe('changes to an open deal', () => {
    it('advanceDeal moves between open stages in either direction', async () => {
      const dealId = await openDeal();
      await ok('advanceDeal', { dealId, stage: 'PROPOSAL' });
      const result = await ok('advanceDeal', { dealId, stage: 'QUALIFICATION' });
      expect(result).toMatchObject({ id: dealId, revision: 2 });
      const events = await app.store.readStream(`deal-${dealId}`);
      expect(events.slice(1).map((e) => e.data)).toEqual([
        { dealId, fromStage: 'PROSPECTING', stage: 'PROPOSAL' },
        { dealId, fromStage: 'PROPOSAL', stage: 'QUALIFICATION' },
      ]);
    });

    it('advanceDeal refuses WON/LOST as a stage, an unknown deal and an unknown stage', async () => {
      const dealId = await openDeal();
      await rejected(
        'advanceDeal',
        { dealId, stage: 'WON' },
        { code: 'DOMAIN_RULE_VIOLATED', reason: 'STAGE_NOT_OPEN' },
      );
      await rejected('advanceDeal', { dealId: randomUUID(), stage: 'PROPOSAL' }, { code: 'NOT_FOUND' });
      await rejected('advanceDeal', { dealId, stage: 'CLOSING' }, { code: 'BAD_USER_INPUT', field: 'stage' });
    });

    it('reviseDealValue records the old and new value and an optional reason', async () => {
      const dealId = await openDeal({ value: '100.00' });
      await ok('reviseDealValue', { dealId, value: '250.75', reason: 'scope grew' });
      const events = await app.store.readStream(`deal-${dealId}`);
      expect(events[1]).toMatchObject({
        type: 'DealValueRevised',
        data: { dealId, fromValueMinor: 10000, valueMinor: 25075, reason: 'scope grew' },
      });
    });

    it('reviseDealValue refuses a closed deal and bad money', async () => {
      const dealId = await wonDeal();
      await rejected(
        'reviseDealValue',
        { dealId, value: '5.00' },
        { code: 'DOMAIN_RULE_VIOLATED', reason: 'DEAL_ALREADY_CLOSED' },
      );
      await rejected(
        'reviseDealValue',
        { dealId, value: '5.001' },
        { code: 'BAD_USER_INPUT', field: 'value' },
      );
      await rejected(
        'reviseDealValue',
        { dealId, value: '5.00', reason: 'x'.repeat(1001) },
        { code: 'BAD_USER_INPUT', field: 'reason' },
      );
    });

    it('rescheduleDeal moves the expected close date', async () => {
      const dealId = await openDeal();
      await ok('rescheduleDeal', { dealId, expectedCloseDate: '2027-01-15' });
      expect(await streamTypes(`deal-${dealId}`)).toEqual(['DealOpened', 'DealRescheduled']);
    });

    it('rescheduleDeal refuses an impossible date and a closed deal', async () => {
      const dealId = await wonDeal();
      await rejected(
        'rescheduleDeal',
        { dealId, expectedCloseDate: '2027-02-29' },
        { code: 'BAD_USER_INPUT', field: 'expectedCloseDate' },
      );
      await rejected(
        'rescheduleDeal',
        { dealId, expectedCloseDate: '2027-02-28' },
        { code: 'DOMAIN_RULE_VIOLATED', reason: 'DEAL_ALREADY_CLOSED' },
      );
    });

    it('reassignDeal hands the deal to another active rep', async () => {
      const dealId = await openDeal();
      await ok('reassignDeal', { dealId, repId: repB });
      const events = await app.store.readStream(`deal-${dealId}`);
      expect(events[1]).toMatchObject({
        type: 'DealReassigned',
        data: { dealId, fromRepId: repA, repId: repB },
      });
    });

    it('reassignDeal refuses an offboarded target and an unknown target', async () => {
      const dealId = await openDeal();
      await rejected(
        'reassignDeal',
        { dealId, repId: repGone },
        { code: 'DOMAIN_RULE_VIOLATED', reason: 'REP_OFFBOARDED' },
      );
      await rejected('reassignDeal', { dealId, repId: randomUUID() }, { code: 'NOT_FOUND' });
    });

    it('changeDealChannel records the channel change', async () => {
      const dealId = await openDeal();
      await ok('changeDealChannel', { dealId, channel: 'PARTNER' });
      const events = await app.store.readStream(`deal-${dealId}`);
      expect(events[1]).toMatchObject({
        type: 'DealChannelChanged',
        data: { dealId, fromChannel: 'FIELD', channel: 'PARTNER' },
      });
    });

    it('changeDealChannel refuses a closed deal and an unknown channel', async () => {
      const dealId = await wonDeal();
      await rejected(
        'changeDealChannel',
        { dealId, channel: 'ONLINE' },
        { code: 'DOMAIN_RULE_VIOLATED', reason: 'DEAL_ALREADY_CLOSED' },
      );
      await rejected(
        'changeDealChannel',
        { dealId, channel: 'FAX' },
        { code: 'BAD_USER_INPUT', field: 'channel' },
      );
    });

    it('recordCompetitor records a competitor once, case-insensitively', async () => {
      const dealId = await openDeal();
      await ok('recordCompetitor', { dealId, competitor: ' Contoso  Ltd ' });
      const again = await ok('recordCompetitor', { dealId, competitor: 'contoso ltd' });
      expect(again.revision).toBe(1);
      const events = await app.store.readStream(`deal-${dealId}`);
      expect(events.map((e) => e.type)).toEqual(['DealOpened', 'CompetitorRecorded']);
      expect(events[1]!.data).toEqual({ dealId, competitor: 'Contoso Ltd' });
    });

    it('recordCompetitor refuses a blank name and a name over 100 characters', async () => {
      const dealId = await openDeal();
      await rejected(
        'recordCompetitor',
        { dealId, competitor: '   ' },
        { code: 'DOMAIN_RULE_VIOLATED', reason: 'COMPETITOR_REQUIRED' },
      );
      await rejected(
        'recordCompetitor',
        { dealId, competitor: 'x'.repeat(101) },
        { code: 'BAD_USER_INPUT', field: 'competitor' },
      );
    });
  });

  describe('closing and fulfilment', () => {
    it('winDeal closes at the deal value by default, or at an explicit won value', async () => {
      const byDefault = await openDeal({ value: '999.99' });
      await ok('winDeal', { dealId: byDefault, contractNumber: 'K/2026/17' });
      const explicit = await openDeal({ value: '999.99' });
      await ok('winDeal', { dealId: explicit, wonValue: '800' });
      const [, wonByDefault] = await app.store.readStream(`deal-${byDefault}`);
      const [, wonExplicit] = await app.store.readStream(`deal-${explicit}`);
      expect(wonByDefault).toMatchObject({
        type: 'DealWon',
        data: { fromStage: 'PROSPECTING', wonValueMinor: 99999, contractNumber: 'K/2026/17' },
      });
      expect(wonExplicit!.data).toMatchObject({ wonValueMinor: 80000, contractNumber: null });
    });

    it('winDeal refuses a closed deal and a long contract number', async () => {
      const dealId = await wonDeal();
      await rejected('winDeal', { dealId }, { code: 'DOMAIN_RULE_VIOLATED', reason: 'DEAL_ALREADY_CLOSED' });
      await rejected(
        'winDeal',
        { dealId, contractNumber: 'x'.repeat(101) },
        { code: 'BAD_USER_INPUT', field: 'contractNumber' },
      );
    });

    it('loseDeal closes with a reason and records a new competitor first', async () => {
      const dealId = await openDeal({ value: '300.00' });
      await ok('loseDeal', { dealId, reason: 'COMPETITOR', competitor: 'Contoso' });
      const events = await app.store.readStream(`deal-${dealId}`);
      expect(events.map((e) => e.type)).toEqual(['DealOpened', 'CompetitorRecorded', 'DealLost']);
      expect(events[2]!.data).toEqual({
        dealId,
        fromStage: 'PROSPECTING',
        reason: 'COMPETITOR',
        competitor: 'Contoso',
        valueMinor: 30000,
      });
    });

    it('loseDeal refuses a won deal and an unknown reason', async () => {
      const dealId = await wonDeal();
      await rejected(
        'loseDeal',
        { dealId, reason: 'PRICE' },
        { code: 'DOMAIN_RULE_VIOLATED', reason: 'DEAL_ALREADY_CLOSED' },
      );
      await rejected('loseDeal', { dealId, reason: 'BAD_LUCK' }, { code: 'BAD_USER_INPUT', field: 'reason' });
    });

    it('recordFulfilment accumulates up to the won value', async () => {
      const dealId = await wonDeal('1000.00');
      await ok('recordFulfilment', { dealId, amount: '400.00', note: 'first delivery' });
      const result = await ok('recordFulfilment', { dealId, amount: '600' });
      expect(result.revision).toBe(3);
      const events = await app.store.readStream(`deal-${dealId}`);
      expect(events.slice(2).map((e) => e.data)).toEqual([
        { dealId, amountMinor: 40000, cumulativeMinor: 40000, note: 'first delivery' },
        { dealId, amountMinor: 60000, cumulativeMinor: 100000, note: null },
      ]);
    });

    it('recordFulfilment refuses more than the won value, an open deal and a zero amount', async () => {
      const dealId = await wonDeal('1000.00');
      await ok('recordFulfilment', { dealId, amount: '999.99' });
      await rejected(
        'recordFulfilment',
        { dealId, amount: '0.02' },
        { code: 'DOMAIN_RULE_VIOLATED', reason: 'FULFILMENT_EXCEEDS_WON_VALUE' },
      );
      await rejected(
        'recordFulfilment',
        { dealId, amount: '0' },
        { code: 'DOMAIN_RULE_VIOLATED', reason: 'AMOUNT_MUST_BE_POSITIVE' },
      );
      const open = await openDeal();
      await rejected(
        'recordFulfilment',
        { dealId: open, amount: '1.00' },
        { code: 'DOMAIN_RULE_VIOLATED', reason: 'DEAL_NOT_WON' },
      );
      await rejected(
        'recordFulfilment',
        { dealId, amount: '1', note: 'x'.repeat(1001) },
        { code: 'BAD_USER_INPUT', field: 'note' },
      );
    });
  });

  it.each([
    ['reviseDealValue', { value: '1.00' }],
    ['rescheduleDeal', { expectedCloseDate: '2027-01-01' }],
    ['reassignDeal', { repId: '00000000-0000-4000-8000-000000000000' }],
    ['changeDealChannel', { channel: 'ONLINE' }],
    ['recordCompetitor', { competitor: 'Contoso' }],
    ['winDeal', {}],
    ['loseDeal', { reason: 'PRICE' }],
    ['recordFulfilment', { amount: '1.00' }],
  ] as const)('%s on an unknown deal is NOT_FOUND', async (name, fields) => {
    await rejected(name, { dealId: randomUUID(), ...fields }, { code: 'NOT_FOUND' });
  });

  describe('idempotency, concurrency and business time', () => {
    it('a retried commandId appends nothing and answers the first result', async () => {
      const commandId = randomUUID();
      const input = {
        commandId,
        accountId,
        repId: repA,
        title: 'Retry me',
        value: '10.00',
        expectedCloseDate: '2026-12-01',
      };
      const first = await ok('openDeal', input);
      const before = await logState();
      const second = await ok('openDeal', input);
      expect(second).toEqual(first);
      expect(await logState()).toEqual(before);

      const advanceId = randomUUID();
      const advanced = await ok('advanceDeal', { commandId: advanceId, dealId: first.id, stage: 'PROPOSAL' });
      await ok('advanceDeal', { dealId: first.id, stage: 'NEGOTIATION' });
      const afterMore = await logState();
      // A late retry of the earlier command still answers what it did then, not what the deal is now.
      expect(await ok('advanceDeal', { commandId: advanceId, dealId: first.id, stage: 'PROPOSAL' })).toEqual(
        advanced,
      );
      expect(await logState()).toEqual(afterMore);
      expect(await streamTypes(`deal-${first.id}`)).toEqual([
        'DealOpened',
        'DealStageChanged',
        'DealStageChanged',
      ]);
    });

    it('an expectedRevision that does not match is CONFLICT with the actual revision', async () => {
      const dealId = await openDeal();
      await ok('advanceDeal', { dealId, stage: 'QUALIFICATION', expectedRevision: 0 });
      const error = await rejected(
        'advanceDeal',
        { dealId, stage: 'PROPOSAL', expectedRevision: 0 },
        { code: 'CONFLICT' },
      );
      expect(error.extensions).toMatchObject({ actualRevision: 1 });
    });

    it('of 10 concurrent advanceDeal with the same expectedRevision exactly one wins, nine are CONFLICT', async () => {
      const dealId = await openDeal();
      const replies = await Promise.all(
        Array.from({ length: 10 }, () =>
          run('advanceDeal', { dealId, stage: 'PROPOSAL', expectedRevision: 0 }),
        ),
      );
      const successes = replies.filter((r) => !r.errors);
      const conflicts = replies.filter((r) => r.errors?.[0]?.extensions?.code === 'CONFLICT');
      expect(successes).toHaveLength(1);
      expect(conflicts).toHaveLength(9);
      for (const conflict of conflicts)
        expect(conflict.errors![0]!.extensions).toMatchObject({ actualRevision: 1 });
      expect(await streamTypes(`deal-${dealId}`)).toEqual(['DealOpened', 'DealStageChanged']);
    });

    it('refuses an occurredAt earlier than the deal stream (OCCURRED_BEFORE_STREAM)', async () => {
      const dealId = await openDeal();
      await rejected(
        'advanceDeal',
        { dealId, stage: 'PROPOSAL', occurredAt: '2020-01-01T00:00:00Z' },
        { code: 'DOMAIN_RULE_VIOLATED', reason: 'OCCURRED_BEFORE_STREAM' },
      );
    });
  });

  describe('RepDealsService (offboarding support for Org)', () => {
    it("lists a rep's open deals: opened or reassigned to it, not won, lost or reassigned away", async () => {
      const owner = await hireRepDirect(app.store, { teamId });
      const other = await hireRepDirect(app.store, { teamId });
      const open1 = await openDeal({ repId: owner });
      const won = await openDeal({ repId: owner });
      await ok('winDeal', { dealId: won });
      const lost = await openDeal({ repId: owner });
      await ok('loseDeal', { dealId: lost, reason: 'TIMING' });
      const movedAway = await openDeal({ repId: owner });
      await ok('reassignDeal', { dealId: movedAway, repId: other });
      const movedIn = await openDeal({ repId: other });
      await ok('reassignDeal', { dealId: movedIn, repId: owner });

      const service = app.app.get(RepDealsService);
      expect(await service.openDealIds(owner)).toEqual([open1, movedIn]);
      expect(await service.openDealIds(other)).toEqual([movedAway]);
      expect(await service.openDealIds(randomUUID())).toEqual([]);
    });

    it('reassigns a deal under a derived command id, so a retried offboarding appends nothing', async () => {
      const owner = await hireRepDirect(app.store, { teamId });
      const heir = await hireRepDirect(app.store, { teamId });
      const dealId = await openDeal({ repId: owner });
      const service = app.app.get(RepDealsService);
      const envelope: CommandEnvelope = { actor: 'admin', commandId: randomUUID() };

      const first = await service.reassignDeal(dealId, owner, heir, envelope);
      const before = await logState();
      const retry = await service.reassignDeal(dealId, owner, heir, envelope);
      expect(retry).toEqual(first);
      expect(await logState()).toEqual(before);

      const events = await app.store.readStream(`deal-${dealId}`);
      expect(events[1]).toMatchObject({
        type: 'DealReassigned',
        data: { fromRepId: owner, repId: heir },
        metadata: {
          commandId: `${envelope.commandId}:reassign:${dealId}`,
          causationId: envelope.commandId,
          correlationId: envelope.commandId,
        },
      });
      expect(await service.openDealIds(owner)).toEqual([]);
    });
  });
});
