import { comparePositions } from '@kam/event-store';

/**
 * Lag in events between a checkpoint and the log head. SQLite positions are the global sequence,
 * so the difference is exact. EventStoreDB positions ("commit:prepare") are byte offsets in the
 * transaction log: the difference of commit positions divided by an average event footprint is
 * only an estimate, good enough for a gauge and a progress bar.
 */
export function approxEventsBetween(from: string | null | undefined, to: string | null | undefined, bytesPerEvent = 512): number {
  if (to === undefined || to === null) return 0;
  const a = (from ?? '0').split(':');
  const b = to.split(':');
  const fromHead = BigInt(a[0] ?? '0');
  const toHead = BigInt(b[0] ?? '0');
  if (toHead <= fromHead) return 0;
  const diff = toHead - fromHead;
  if (a.length === 1 && b.length === 1) return Number(diff);
  return Math.max(1, Math.round(Number(diff) / bytesPerEvent));
}

const DIGITS = /^\d+$/;

/**
 * `comparePositions` without its BigInt parsing for the common case of two plain sequence numbers
 * (SQLite positions) written without leading zeros: longer is larger, equal lengths compare as
 * text. The engine compares every delivered event with a floor, so this is on a hot path.
 */
export function comparePositionsFast(a: string, b: string): number {
  if (DIGITS.test(a) && DIGITS.test(b) && (a.length === 1 || a[0] !== '0') && (b.length === 1 || b[0] !== '0')) {
    if (a.length !== b.length) return a.length < b.length ? -1 : 1;
    return a < b ? -1 : a > b ? 1 : 0;
  }
  return comparePositions(a, b);
}
