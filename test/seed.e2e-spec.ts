import { CommandBus } from '@nestjs/cqrs';
import type { RecordedEvent } from '@kam/event-store';
import { seedOrganisation, type SeedOptions } from '../apps/cli/src/seed/generator';
import { MemoryEventStore } from '../apps/cli/src/seed/memory-event-store';
import { createWriteContext } from '../apps/cli/src/seed/write-context';
import { allEvents, startTestApp } from './support/test-app';

jest.setTimeout(60_000);

/** A fixed end: the history (and so the fingerprint) does not depend on the day the test runs. */
const END = new Date('2025-06-01T00:00:00Z');
const TINY: SeedOptions = { teams: 2, reps: 6, accounts: 20, months: 3, seed: 42, end: END };

/** What must replay identically for a seed: order, streams, types, data, business time, command ids. */
function fingerprint(events: RecordedEvent[]) {
  return events.map((e) => ({
    streamId: e.streamId,
    revision: e.revision,
    type: e.type,
    data: e.data,
    occurredAt: e.metadata.occurredAt,
    commandId: e.metadata.commandId,
    actor: e.metadata.actor,
  }));
}

/** Seeds through the real API application (SQLite store, projections running) and returns its log. */
async function seedThroughApi(options: SeedOptions) {
  const app = await startTestApp();
  try {
    const summary = await seedOrganisation(app.app.get(CommandBus), options);
    return { summary, events: await allEvents(app.store) };
  } finally {
    await app.close();
  }
}

/** The same handlers on the in-memory store (what the bench's data set uses). */
async function seedInMemory(options: SeedOptions) {
  const store = new MemoryEventStore();
  const context = await createWriteContext(store);
  try {
    const summary = await seedOrganisation(context.commandBus, options);
    return { summary, events: await store.readAll() };
  } finally {
    await context.close();
  }
}

describe('seed generator (through the real command handlers)', () => {
  it('replays the same history for the same seed and a different one for another seed', async () => {
    const first = await seedThroughApi(TINY);
    const again = await seedThroughApi(TINY);
    const other = await seedThroughApi({ ...TINY, seed: 43 });

    expect(first.events.length).toBeGreaterThan(200);
    // Every command ran (a failing one throws) and every event written is counted.
    expect(first.summary.events).toBe(first.events.length);
    expect(first.summary.teams).toBe(2);
    expect(first.summary.repsHired).toBeGreaterThanOrEqual(6);
    expect(first.summary.dealsWon + first.summary.dealsLost + first.summary.dealsOpen).toBe(
      first.summary.dealsOpened,
    );

    expect(fingerprint(again.events)).toEqual(fingerprint(first.events));
    expect(fingerprint(other.events)).not.toEqual(fingerprint(first.events));
    expect(new Set(other.events.map((e) => e.streamId))).not.toEqual(
      new Set(first.events.map((e) => e.streamId)),
    );

    // An ADMIN history import: actor 'seed', business time in the past, never before a stream's previous event.
    const now = Date.now();
    const lastByStream = new Map<string, number>();
    for (const e of first.events) {
      expect(e.metadata.actor).toBe('seed');
      const at = Date.parse(e.metadata.occurredAt);
      expect(at).toBeLessThanOrEqual(now + 5 * 60_000);
      expect(at).toBeGreaterThanOrEqual(lastByStream.get(e.streamId) ?? 0);
      lastByStream.set(e.streamId, at);
    }
  });

  it('keeps every stream in the same order when independent streams run concurrently', async () => {
    const sequential = await seedInMemory(TINY);
    const concurrent = await seedInMemory({ ...TINY, concurrency: 8 });
    const byStream = (events: RecordedEvent[]) => {
      const map = new Map<string, unknown[]>();
      for (const e of fingerprint(events)) map.set(e.streamId, [...(map.get(e.streamId) ?? []), e]);
      return map;
    };
    expect(concurrent.events.length).toBe(sequential.events.length);
    expect(byStream(concurrent.events)).toEqual(byStream(sequential.events));
  });

  it('writes a realistic organisation: every aggregate, moves, losses to named competitors, and an 80/20 revenue split', async () => {
    const { summary, events } = await seedInMemory({
      teams: 3,
      reps: 12,
      accounts: 200,
      months: 12,
      seed: 7,
      end: END,
    });
    const types = new Set(events.map((e) => e.type));
    for (const type of [
      'TeamFormed',
      'TeamRenamed',
      'RepHired',
      'RepTransferred',
      'RepChannelChanged',
      'RepQuotaSet',
      'RepOffboarded',
      'AccountRegistered',
      'AccountReassigned',
      'DealOpened',
      'DealStageChanged',
      'DealValueRevised',
      'DealRescheduled',
      'DealReassigned',
      'CompetitorRecorded',
      'DealWon',
      'DealLost',
      'FulfilmentRecorded',
      'TrainingScheduled',
      'RepEnrolled',
      'AttendanceRecorded',
      'TrainingCompleted',
    ]) {
      expect(types).toContain(type);
    }
    expect(summary.repsOffboarded).toBeGreaterThan(0);
    expect(summary.events).toBe(events.length);
    const absent = events.filter(
      (e) => e.type === 'AttendanceRecorded' && (e.data as { attended: boolean }).attended === false,
    );
    expect(absent.length).toBeGreaterThan(0);
    const lostTo = new Set(
      events
        .filter((e) => e.type === 'DealLost')
        .map((e) => (e.data as { competitor: string | null }).competitor)
        .filter(Boolean),
    );
    expect(lostTo.size).toBeGreaterThanOrEqual(5);

    // Revenue by account from the won deals: the top fifth of accounts brings most of it.
    const accountOf = new Map<string, string>();
    const revenue = new Map<string, number>();
    for (const e of events) {
      const data = e.data as { dealId: string; accountId?: string; wonValueMinor?: number };
      if (e.type === 'DealOpened') accountOf.set(data.dealId, data.accountId!);
      if (e.type === 'DealWon') {
        const account = accountOf.get(data.dealId)!;
        revenue.set(account, (revenue.get(account) ?? 0) + data.wonValueMinor!);
      }
    }
    const accounts = events.filter((e) => e.type === 'AccountRegistered').length;
    const sorted = [...revenue.values()].sort((a, b) => b - a);
    const total = sorted.reduce((s, v) => s + v, 0);
    const topFifth = sorted.slice(0, Math.ceil(accounts / 5)).reduce((s, v) => s + v, 0);
    expect(total).toBeGreaterThan(0);
    expect(topFifth / total).toBeGreaterThanOrEqual(0.6);
  });
});
