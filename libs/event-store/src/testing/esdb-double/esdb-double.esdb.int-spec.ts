import { randomUUID } from 'node:crypto';
import {
  BACKWARDS,
  END,
  EventStoreDBClient,
  NO_STREAM,
  START,
  StreamNotFoundError,
  eventTypeFilter,
  jsonEvent,
  type Position,
} from '@eventstore/db-client';
import { startEsdbDouble, type EsdbDouble } from './esdb-double';

/**
 * The double on its own, through the raw client: the wire behaviour the adapter relies on, so a
 * change of the double that drifts from the server shows here and not as a puzzling adapter failure.
 */
describe('EventStoreDB gRPC double (raw client)', () => {
  let double: EsdbDouble;
  let client: EventStoreDBClient;

  beforeEach(async () => {
    double = await startEsdbDouble();
    client = EventStoreDBClient.connectionString(double.url);
  });

  afterEach(async () => {
    await client.dispose();
    await double.stop();
  });

  const event = (type: string, data: Record<string, unknown> = {}) =>
    jsonEvent({ type, data, id: randomUUID() });

  it('reports an expected-revision conflict in the append response, not as a gRPC error', async () => {
    const lenient = EventStoreDBClient.connectionString(`${double.url}&throwOnAppendFailure=false`);
    try {
      await lenient.appendToStream('s-1', [event('A'), event('B')], { expectedRevision: NO_STREAM });
      const conflict = await lenient.appendToStream('s-1', [event('C')], { expectedRevision: 0n });
      expect(conflict).toMatchObject({ success: false, nextExpectedRevision: 1n });
    } finally {
      await lenient.dispose();
    }
  });

  it('dedupes a retry at the expected position and rejects ids that are not UUIDs', async () => {
    const batch = [event('A'), event('B')];
    const first = await client.appendToStream('s-2', batch, { expectedRevision: NO_STREAM });
    const again = await client.appendToStream('s-2', batch, { expectedRevision: NO_STREAM });
    expect(again).toEqual(first);

    await expect(
      client.appendToStream('s-2', [jsonEvent({ type: 'X', data: {}, id: 'not-a-uuid' })]),
    ).rejects.toThrow(/not a UUID/);
  });

  it('reads streams by revision both ways, reports a missing stream while iterating, sends created ticks', async () => {
    const before = Date.now();
    await client.appendToStream(
      's-3',
      [0, 1, 2, 3].map((i) => event('N', { i })),
    );

    const window = [];
    for await (const e of client.readStream('s-3', { direction: BACKWARDS, fromRevision: 2n, maxCount: 2 })) {
      window.push(e.event!.revision);
    }
    expect(window).toEqual([2n, 1n]);

    const [first] = await collect(client.readStream('s-3', { maxCount: 1 }));
    expect(Math.abs(first!.created.getTime() - before)).toBeLessThan(5_000);

    const missing = client.readStream('nope');
    await expect(collect(missing)).rejects.toBeInstanceOf(StreamNotFoundError);
  });

  it('reads $all forwards from a position inclusively and backwards from it exclusively', async () => {
    await client.appendToStream('s-4', [event('A'), event('B'), event('C')]);
    const all = (await collect(client.readAll({ fromPosition: START }))).filter((e) => e.streamId === 's-4');
    const middle = all[1]!.position!;

    const forwards = await collect(client.readAll({ fromPosition: middle, maxCount: 2 }));
    const backwards = await collect(
      client.readAll({ fromPosition: middle, direction: BACKWARDS, maxCount: 1 }),
    );
    const fromEnd = await collect(client.readAll({ fromPosition: END, direction: BACKWARDS, maxCount: 1 }));

    expect(forwards.map((e) => e.type)).toEqual(['B', 'C']);
    expect(backwards.map((e) => e.type)).toEqual(['A']);
    expect(fromEnd.map((e) => e.type)).toEqual(['C']);
  });

  it('subscribes to $all with a server-side filter, confirmation, checkpoints and caught-up', async () => {
    for (let i = 0; i < 70; i++) await client.appendToStream(`noise-${i}`, [event('Noise')]);
    await client.appendToStream('signal-1', [event('Signal')]);
    const checkpoints: Position[] = [];
    const seen: string[] = [];
    const signals: string[] = [];

    const sub = client.subscribeToAll({
      fromPosition: START,
      filter: eventTypeFilter({
        prefixes: ['Signal'],
        maxSearchWindow: 10,
        checkpointInterval: 2,
        checkpointReached: (_, position) => {
          checkpoints.push(position);
        },
      }),
    });
    sub.on('confirmation', () => signals.push('confirmation'));
    sub.on('caughtUp', () => signals.push('caughtUp'));
    for await (const resolved of sub) {
      seen.push(resolved.event!.type);
      if (seen.length === 1) {
        await client.appendToStream('signal-2', [event('Signal')]);
      }
      if (seen.length === 2) break;
    }
    await sub.unsubscribe();

    expect(seen).toEqual(['Signal', 'Signal']);
    expect(signals).toEqual(['confirmation', 'caughtUp']);
    // 3 system events + 71 user events scanned, a checkpoint every 10 × 2 = 20, one more at caught-up.
    expect(checkpoints).toHaveLength(4);
    for (let i = 1; i < checkpoints.length; i++)
      expect(checkpoints[i]!.commit).toBeGreaterThan(checkpoints[i - 1]!.commit);
  });

  it('subscribes to a stream after an exclusive revision, then live', async () => {
    await client.appendToStream('s-5', [event('A'), event('B')]);
    const sub = client.subscribeToStream('s-5', { fromRevision: 0n });
    const seen: bigint[] = [];
    for await (const resolved of sub) {
      seen.push(resolved.event!.revision);
      if (seen.length === 1) await client.appendToStream('s-5', [event('C')]);
      if (seen.length === 2) break;
    }
    await sub.unsubscribe();
    expect(seen).toEqual([1n, 2n]);
  });

  it('keeps its data and port across stop() and restart()', async () => {
    await client.appendToStream('s-6', [event('A')]);
    const length = double.logLength;
    await double.stop();
    await expect(collect(client.readStream('s-6'))).rejects.toThrow(/UNAVAILABLE/);

    await double.restart();

    expect(double.logLength).toBe(length);
    const read = await collect(client.readStream('s-6'));
    expect(read.map((e) => e.type)).toEqual(['A']);
  });
});

async function collect<E>(stream: AsyncIterable<{ event?: E }>): Promise<E[]> {
  const out: E[] = [];
  for await (const resolved of stream) if (resolved.event) out.push(resolved.event);
  return out;
}
