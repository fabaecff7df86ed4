import fc from 'fast-check';
import type { EventType } from '@kam/kernel';
import type { RecordedEvent } from '@kam/event-store';
import { ProjectionEngine } from './projection-engine';
import { openReadStore } from './read-store';
import { rebuildProjections } from './rebuild';
import { amountOf, countingProjection, expectedCounts, readCounts } from './testing/counting-projection';
import { InMemoryEventStore } from './testing/in-memory-event-store';
import { MIXED_TYPES, appendEvents, quietLogger } from './testing/read-store-test-kit';

jest.setTimeout(120_000);

type Step =
  | { kind: 'append'; count: number; type: number }
  | { kind: 'restart'; batchSize: number }
  | { kind: 'crash' }
  | { kind: 'settle' };

const step: fc.Arbitrary<Step> = fc.oneof(
  { weight: 4, arbitrary: fc.record({ kind: fc.constant('append' as const), count: fc.integer({ min: 1, max: 120 }), type: fc.nat(MIXED_TYPES.length - 1) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('restart' as const), batchSize: fc.integer({ min: 1, max: 64 }) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('crash' as const) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('settle' as const) }) },
);

/** A connection reset in the middle of a batch, after its rows were written. */
function transientFailure(): Error {
  return Object.assign(new Error('read ECONNRESET'), { code: 'ECONNRESET' });
}

describe('projection engine property (SQLite read store, in-memory log)', () => {
  it('any interleaving of appends, restarts, crashes mid-batch and poison events ends where one rebuild ends', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(step, { minLength: 1, maxLength: 14 }), fc.integer({ min: 1, max: 200 }), async (steps, firstBatch) => {
        const store = new InMemoryEventStore({ pageSize: 37 });
        const readStore = await openReadStore({ sqliteFile: ':memory:', generationRefreshMs: 0 });
        let crashes = 0;
        const isPoison = (e: RecordedEvent): boolean => amountOf(e) % 29 === 0;
        const projection = countingProjection({
          eventTypes: ['DealOpened', 'DealWon', 'TeamFormed'],
          isPoison,
          afterWrite: () => {
            if (crashes > 0) {
              crashes -= 1;
              throw transientFailure();
            }
          },
        });
        const engineWith = (batchSize: number) =>
          new ProjectionEngine({ store, readStore, projections: [projection], batchSize, retryDelayMs: 1, logger: quietLogger, metricsRegistry: null });
        let engine = engineWith(firstBatch);
        let amount = 0;
        try {
          await engine.start();
          for (const s of steps) {
            if (s.kind === 'append') {
              const type: EventType = MIXED_TYPES[s.type]!;
              await appendEvents(store, s.count, { pick: (i) => (i % 3 === 0 ? 'DealWon' : type), perAppend: 17, amount: () => ++amount });
            } else if (s.kind === 'restart') {
              await engine.stop();
              engine = engineWith(s.batchSize);
              await engine.start();
            } else if (s.kind === 'crash') {
              crashes += 1;
            } else {
              const head = await store.headPosition();
              if (head) await engine.waitForPosition(head, 10_000);
            }
          }
          crashes = 0;
          const head = await store.headPosition();
          if (head) await engine.waitForPosition(head, 10_000);
          const log = store.all();
          const live = await readCounts(readStore, 'counting', projection.logicalTable);
          expect(live).toEqual(expectedCounts(log, projection.eventTypes, isPoison));
          const parkedLive = (await readStore.parkedEvents('counting')).map((p) => p.position);

          await engine.stop();
          const [rebuilt] = await rebuildProjections({ store, readStore, projections: [projection], dropOldAfterMs: 0 });
          expect(rebuilt!.generation).toBe(2);
          expect(await readCounts(readStore, 'counting', projection.logicalTable)).toEqual(live);
          expect((await readStore.parkedEvents('counting')).map((p) => p.position)).toEqual(parkedLive);
          expect((await readStore.readState('counting'))?.checkpoint ?? null).toBe(head ?? null);
        } finally {
          await engine.stop();
          await readStore.close();
        }
      }),
      { numRuns: 30 },
    );
  });
});
