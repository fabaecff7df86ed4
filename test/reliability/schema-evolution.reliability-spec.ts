import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EVENT_TYPES, type EventMetadata } from '@kam/kernel';
import { UpcasterRegistry, openSqliteEventStore, type RecordedEvent } from '@kam/event-store';
import { DEAL_CHANNEL_BEFORE_CHANNELS, SALES_UPCASTERS } from '@kam/sales';
import { readRawLog } from './support/log-audit';
import { diffReadModels, dumpReadModels, freshRebuild } from './support/read-models';
import { ServiceProcess, freePort, killAllChildren } from './support/service';
import { mutationDocument } from './support/workload';

interface FixtureEvent {
  streamId: string;
  id: string;
  type: string;
  data: Record<string, unknown>;
  metadata: EventMetadata;
}

interface Fixture {
  ids: { teamId: string; repId: string; accountId: string; openDealId: string; wonDealId: string };
  events: FixtureEvent[];
}

/** Written by "an older version": DealOpened at schemaVersion 1, before deals had a channel. */
const fixture = JSON.parse(readFileSync(join(__dirname, 'fixtures', 'deal-opened-v1.events.json'), 'utf8')) as Fixture;

const DEAL = `query($id: ID!, $at: String) { deal(id: $id, atLeastPosition: $at) { id channel stage value wonValue fulfilledValue revision } }`;

describe('schema evolution: DealOpened v1 (no channel) from an older version, read by the current one', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'kam-rel-upcast-'));
  const eventsFile = join(dataDir, 'events.sqlite');
  let service: ServiceProcess;
  const scratch: string[] = [];

  beforeAll(async () => {
    // Load the old events raw (no upcasters, their own ids and metadata), as an old version left them.
    const store = await openSqliteEventStore({ file: eventsFile });
    const revisions = new Map<string, number>();
    for (const event of fixture.events) {
      const last = revisions.get(event.streamId);
      await store.append(event.streamId, [{ id: event.id, type: event.type, data: event.data, metadata: event.metadata }], last === undefined ? 'no_stream' : last);
      revisions.set(event.streamId, (last ?? -1) + 1);
    }
    await store.close();
    service = await ServiceProcess.start({ dataDir, port: await freePort() });
    await service.waitCaughtUp();
  }, 120_000);

  afterAll(async () => {
    await service?.kill('SIGTERM');
    await killAllChildren();
    rmSync(dataDir, { recursive: true, force: true });
    for (const dir of scratch) rmSync(dir, { recursive: true, force: true });
  });

  it('the current version writes DealOpened v2; the fixture holds v1 events without a channel', () => {
    expect(EVENT_TYPES.DealOpened.schemaVersion).toBe(2);
    const opened = fixture.events.filter((e) => e.type === 'DealOpened');
    expect(opened).toHaveLength(2);
    for (const event of opened) {
      expect(event.metadata.schemaVersion).toBe(1);
      expect(event.data).not.toHaveProperty('channel');
    }
  });

  it('the upcaster lifts v1 to v2 with channel FIELD, keeps a recorded channel, and leaves v2 alone', () => {
    const registry = new UpcasterRegistry();
    for (const upcaster of SALES_UPCASTERS) registry.register(upcaster);
    const recorded = (data: Record<string, unknown>, schemaVersion: number): RecordedEvent => ({
      id: 'e',
      streamId: 'deal-x',
      revision: 0,
      position: '1',
      type: 'DealOpened',
      data,
      metadata: { ...fixture.events[0]!.metadata, schemaVersion },
      recordedAt: new Date(0),
    });
    const v1 = registry.apply(recorded({ dealId: 'x', title: 'T' }, 1));
    expect(DEAL_CHANNEL_BEFORE_CHANNELS).toBe('FIELD');
    expect(v1.data).toEqual({ dealId: 'x', title: 'T', channel: 'FIELD' });
    expect(v1.metadata.schemaVersion).toBe(2);
    expect(registry.apply(recorded({ dealId: 'x', channel: 'TENDER' }, 1)).data).toEqual({ dealId: 'x', channel: 'TENDER' });
    const v2 = recorded({ dealId: 'x', channel: 'ONLINE' }, 2);
    expect(registry.apply(v2)).toBe(v2);
  });

  it('the read models project the old deals with channel FIELD', async () => {
    const open = await service.gql(DEAL, { id: fixture.ids.openDealId });
    expect(open.errors).toBeUndefined();
    expect(open.data.deal).toMatchObject({ channel: 'FIELD', stage: 'QUALIFICATION', value: '45000.00' });
    const won = await service.gql(DEAL, { id: fixture.ids.wonDealId });
    expect(won.data.deal).toMatchObject({ channel: 'FIELD', stage: 'WON', wonValue: '12000.50' });
    const list = await service.gql(`{ deals(filter: { channel: FIELD }) { edges { node { id } } } }`);
    expect(list.data.deals.edges.map((e: { node: { id: string } }) => e.node.id).sort()).toEqual([fixture.ids.openDealId, fixture.ids.wonDealId].sort());
  });

  it('the deciders load the old deals and take further commands on them', async () => {
    const advanced = await service.gql(mutationDocument('advanceDeal'), { input: { dealId: fixture.ids.openDealId, stage: 'PROPOSAL' } });
    expect(advanced.errors).toBeUndefined();
    expect(advanced.data.advanceDeal.revision).toBe(2);
    // Same channel as the upcast one: nothing to record. Proves the decider's state says FIELD.
    const same = await service.gql(mutationDocument('changeDealChannel'), { input: { dealId: fixture.ids.openDealId, channel: 'FIELD' } });
    expect(same.errors).toBeUndefined();
    expect(same.data.changeDealChannel.revision).toBe(2);
    const changed = await service.gql(mutationDocument('changeDealChannel'), { input: { dealId: fixture.ids.openDealId, channel: 'INSIDE' } });
    expect(changed.errors).toBeUndefined();
    const fulfilled = await service.gql(mutationDocument('recordFulfilment'), { input: { dealId: fixture.ids.wonDealId, amount: '2000.50' } });
    expect(fulfilled.errors).toBeUndefined();

    const log = readRawLog(eventsFile);
    const channelChange = log.find((e) => e.type === 'DealChannelChanged' && e.streamId === `deal-${fixture.ids.openDealId}`);
    expect(channelChange?.data).toMatchObject({ fromChannel: 'FIELD', channel: 'INSIDE' });

    const after = await service.gql(DEAL, { id: fixture.ids.openDealId, at: changed.data.changeDealChannel.position });
    expect(after.data.deal).toMatchObject({ channel: 'INSIDE', stage: 'PROPOSAL', revision: 3 });
    const wonAfter = await service.gql(DEAL, { id: fixture.ids.wonDealId, at: fulfilled.data.recordFulfilment.position });
    expect(wonAfter.data.deal).toMatchObject({ channel: 'FIELD', fulfilledValue: '2000.50' });
  });

  it('new deals are stored as v2 with their channel; the old events stay as they were written', async () => {
    const opened = await service.gql(mutationDocument('openDeal'), {
      input: { accountId: fixture.ids.accountId, repId: fixture.ids.repId, title: 'New boiler', value: '10.00', expectedCloseDate: '2027-01-31' },
    });
    expect(opened.errors).toBeUndefined();
    const log = readRawLog(eventsFile);
    const fresh = log.find((e) => e.type === 'DealOpened' && e.streamId === `deal-${opened.data.openDeal.id}`);
    expect(fresh?.metadata.schemaVersion).toBe(2);
    expect(fresh?.data.channel).toBe('INSIDE'); // the rep's channel, as for any new deal
    for (const old of fixture.events) {
      const stored = log.find((e) => e.id === old.id);
      expect(stored).toMatchObject({ streamId: old.streamId, type: old.type, data: old.data, metadata: old.metadata });
    }
  });

  it('a fresh rebuild (through the same registry) equals the read models the service projected', async () => {
    await service.waitCaughtUp();
    const fresh = await freshRebuild(eventsFile);
    scratch.push(fresh.dataDir);
    expect(diffReadModels(dumpReadModels(join(dataDir, 'read-models.sqlite')).dump, fresh.dump)).toEqual([]);
  }, 60_000);
});
