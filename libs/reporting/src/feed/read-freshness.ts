/**
 * What the read side needs from the application, as tokens the app provides globally (the API
 * wires them; tests provide their own): the read store to query, and the wait behind every
 * query's `atLeastPosition` (read-your-writes, product.md §4).
 */

/** Waits until the read models have projected `position` (no-op for null/undefined); throws StaleReadModelError after the deadline. */
export interface ReadFreshness {
  waitFor(position?: string | null): Promise<void>;
}

/** Dependency-injection token of the ReadFreshness implementation. */
export const READ_FRESHNESS = 'kam:ReadFreshness';

/** Dependency-injection token of the `ReadModelAccess` (from @kam/read-store) the queries read through. */
export const READ_MODEL_ACCESS = 'kam:ReadModelAccess';
