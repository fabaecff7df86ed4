import { DAY_MS } from './common/time';
import { ratio } from './common/sql';
import type { Kpis } from './kpis.model';

/** The additive parts of the KPIs, in minor units and ms; ratios derive from these. */
export interface KpiTotals {
  wonCount: number;
  wonValueMinor: number;
  lostCount: number;
  lostValueMinor: number;
  /** Σ (closedAt − openedAt) over won deals. */
  wonCycleMs: number;
  openValueMinor: number;
  /** Σ value × stage probability (may be fractional). */
  weightedMinor: number;
  /** Prorated quota, rounded to a whole minor unit per rep. */
  quotaMinor: number;
}

export const ZERO_TOTALS: KpiTotals = {
  wonCount: 0,
  wonValueMinor: 0,
  lostCount: 0,
  lostValueMinor: 0,
  wonCycleMs: 0,
  openValueMinor: 0,
  weightedMinor: 0,
  quotaMinor: 0,
};

export function addTotals(a: KpiTotals, b: KpiTotals): KpiTotals {
  return {
    wonCount: a.wonCount + b.wonCount,
    wonValueMinor: a.wonValueMinor + b.wonValueMinor,
    lostCount: a.lostCount + b.lostCount,
    lostValueMinor: a.lostValueMinor + b.lostValueMinor,
    wonCycleMs: a.wonCycleMs + b.wonCycleMs,
    openValueMinor: a.openValueMinor + b.openValueMinor,
    weightedMinor: a.weightedMinor + b.weightedMinor,
    quotaMinor: a.quotaMinor + b.quotaMinor,
  };
}

/** product.md §3, formula by formula; null where a denominator is 0, never NaN. */
export function kpisOf(t: KpiTotals): Kpis {
  const cycleDays = ratio(t.wonCycleMs, t.wonCount);
  return {
    wonCount: t.wonCount,
    wonValue: t.wonValueMinor,
    lostCount: t.lostCount,
    lostValue: t.lostValueMinor,
    winRate: ratio(t.wonCount, t.wonCount + t.lostCount),
    averageDealSize: ratio(t.wonValueMinor, t.wonCount),
    averageSalesCycleDays: cycleDays === null ? null : cycleDays / DAY_MS,
    openPipelineValue: t.openValueMinor,
    weightedPipelineValue: t.weightedMinor,
    quota: t.quotaMinor,
    quotaAttainment: ratio(t.wonValueMinor, t.quotaMinor),
    pipelineCoverage: ratio(t.openValueMinor, Math.max(t.quotaMinor - t.wonValueMinor, 0)),
  };
}
