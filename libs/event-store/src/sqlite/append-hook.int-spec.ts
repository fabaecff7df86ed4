import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { testMetadata } from '@kam/kernel/testing';
import type { NewEvent, RecordedEvent } from '../event-store.port';
import { openSqliteEventStore } from './sqlite-event-store';

/**
 * The hook the API's projection worker relies on (docs/adr/0007): appends committed by one
 * connection wake the subscriptions of another connection on the same file at once, without
 * waiting for their poll.
 */
describe('SqliteEventStore append announcements', () => {
  const dir = mkdtempSync(join(tmpdir(), 'kam-append-hook-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('calls onAppended after each committed append, and wakeSubscriptions makes another connection read it before its poll', async () => {
    const file = join(dir, 'events.sqlite');
    const writer = await openSqliteEventStore({ file, backgroundCheckpoints: false });
    // A poll far longer than the test: only the wake-up can deliver the event in time.
    const reader = await openSqliteEventStore({ file, pollIntervalMs: 60_000, backgroundCheckpoints: false });
    const seen: RecordedEvent[] = [];
    const subscription = reader.subscribeToAll({}, { onEvent: (e) => void seen.push(e) });
    let announced = 0;
    const detach = writer.onAppended(() => {
      announced += 1;
      reader.wakeSubscriptions();
    });
    try {
      await new Promise((resolve) => setTimeout(resolve, 50));
      const { position } = await writer.append('deal-1', [event('DealOpened')], 'no_stream');
      const deadline = Date.now() + 2000;
      while (seen.length === 0 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 5));
      expect(announced).toBe(1);
      expect(seen.map((e) => e.position)).toEqual([position]);
      detach();
      await writer.append('deal-2', [event('DealOpened')], 'no_stream');
      expect(announced).toBe(1);
    } finally {
      await subscription.stop();
      await reader.close();
      await writer.close();
    }
  });
});

function event(type: string): NewEvent {
  return { id: randomUUID(), type, data: {}, metadata: testMetadata('append-hook-spec', '2026-02-01T12:00:00.000Z') };
}
