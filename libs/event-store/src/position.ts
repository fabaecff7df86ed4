/**
 * Positions are opaque strings made of one or more non-negative decimal integers joined by ':'.
 * SQLite positions are the global sequence ("42"); EventStoreDB positions are "commit:prepare".
 * Comparison is numeric, part by part, so cursors of either adapter order correctly.
 */
const POSITION_PATTERN = /^\d{1,20}(:\d{1,20})?$/;

export function isPosition(value: unknown): value is string {
  return typeof value === 'string' && POSITION_PATTERN.test(value);
}

export function comparePositions(a: string, b: string): number {
  const pa = a.split(':').map(BigInt);
  const pb = b.split(':').map(BigInt);
  const n = Math.max(pa.length, pb.length);
  for (let i = 0; i < n; i++) {
    const x = pa[i] ?? 0n;
    const y = pb[i] ?? 0n;
    if (x !== y) return x < y ? -1 : 1;
  }
  return 0;
}
