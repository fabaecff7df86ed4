import type { Projection } from '@kam/read-store';
import { readModelsCurrent, type DatasetMarker } from './dataset';

const projection = (name: string, version: number): Projection =>
  ({ name, version, tables: [name], eventTypes: ['DealOpened'], createTables: async () => undefined, applyBatch: async () => undefined }) as Projection;

const marker = (projectionVersions?: Record<string, number>): DatasetMarker => ({
  format: 1,
  organisation: { teams: 1, reps: 1, accounts: 1, months: 1, seed: 1, dealsPerRepPerMonth: 1 },
  end: '2026-11-27',
  events: 10,
  generatedAt: '2026-11-27T00:00:00.000Z',
  generation: { method: 'test', elapsedMs: 1, eventsPerSecond: 1, summary: '' },
  fullRebuild: { elapsedMs: 1, eventsPerSecond: 1, measuredAt: '2026-11-27T00:00:00.000Z', projections: [] },
  ...(projectionVersions ? { projectionVersions } : {}),
});

describe('the cached read models of the bench data set', () => {
  const projections = [projection('deals', 2), projection('reps', 1)];

  it('are reused only when every projection has the version that built them', () => {
    expect(readModelsCurrent(marker({ deals: 2, reps: 1 }), projections)).toBe(true);
    expect(readModelsCurrent(marker({ deals: 1, reps: 1 }), projections)).toBe(false);
    expect(readModelsCurrent(marker({ deals: 2 }), projections)).toBe(false);
    expect(readModelsCurrent(marker({ deals: 2, reps: 1, gone: 1 }), projections)).toBe(false);
  });

  it('are rebuilt when the marker predates recording versions', () => {
    expect(readModelsCurrent(marker(), projections)).toBe(false);
  });
});
