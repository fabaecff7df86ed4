import { BadUserInputError, DAY_MS, daysInMonth, isCalendarDate } from '@kam/kernel';

/**
 * Time as the report read models store it, identical on SQLite and PostgreSQL:
 * - an instant is epoch milliseconds (UTC) in a `bigint` column, so ranges and durations are
 *   plain integer arithmetic and no text collation can reorder them;
 * - a calendar day is the epoch-day number (`floor(ms / DAY_MS)`);
 * - a calendar month is `year * 12 + (month - 1)`.
 * An open-ended interval ends at OPEN_END, so "valid at t" is always `from <= t < to` and
 * indexable without `is null` branches.
 */
export const OPEN_END = 8_640_000_000_000_000;

export { DAY_MS };

/** Epoch ms of an ISO-8601 instant; throws on garbage so a malformed event is parked, not stored. */
export function instantMs(value: string): number {
  const ms = Date.parse(value);
  if (Number.isNaN(ms)) throw new Error(`Not an instant: ${value}`);
  return ms;
}

export function epochDay(ms: number): number {
  return Math.floor(ms / DAY_MS);
}

/** Epoch day of a calendar date `YYYY-MM-DD`. */
export function dayOfDate(date: string): number {
  return Date.parse(`${date}T00:00:00.000Z`) / DAY_MS;
}

export function monthIndexOfDay(day: number): number {
  const d = new Date(day * DAY_MS);
  return d.getUTCFullYear() * 12 + d.getUTCMonth();
}

/** Month index of `YYYY-MM`. */
export function monthIndexOf(month: string): number {
  const [y, m] = month.split('-').map(Number) as [number, number];
  if (!Number.isInteger(y) || !Number.isInteger(m) || m < 1 || m > 12) throw new Error(`Not a month: ${month}`);
  return y * 12 + (m - 1);
}

export function monthLabel(monthIndex: number): string {
  const y = Math.floor(monthIndex / 12);
  const m = (monthIndex % 12) + 1;
  return `${y.toString().padStart(4, '0')}-${m.toString().padStart(2, '0')}`;
}

/** First epoch day of a month index. */
export function firstDayOfMonth(monthIndex: number): number {
  return Date.UTC(Math.floor(monthIndex / 12), monthIndex % 12, 1) / DAY_MS;
}

export function daysInMonthIndex(monthIndex: number): number {
  return daysInMonth(monthLabel(monthIndex));
}

/** A report period: calendar dates, UTC, both inclusive (product.md §3). */
export interface Period {
  from: string;
  to: string;
}

export interface ResolvedPeriod {
  fromDay: number;
  /** Inclusive. */
  toDay: number;
  /** First instant of the period. */
  startMs: number;
  /** First instant after the period (exclusive end). */
  endMs: number;
}

/** Longest period a report accepts (about a century), so a typo cannot ask for millennia. */
const MAX_PERIOD_DAYS = 36_600;

export function resolvePeriod(period: Period, field = 'period'): ResolvedPeriod {
  const problems = [];
  if (!isCalendarDate(period.from)) problems.push({ field: `${field}.from`, message: 'must be a calendar date YYYY-MM-DD' });
  if (!isCalendarDate(period.to)) problems.push({ field: `${field}.to`, message: 'must be a calendar date YYYY-MM-DD' });
  if (problems.length > 0) throw new BadUserInputError(problems);
  const fromDay = dayOfDate(period.from);
  const toDay = dayOfDate(period.to);
  if (fromDay > toDay) throw new BadUserInputError([{ field, message: `from (${period.from}) must not be after to (${period.to})` }]);
  if (toDay - fromDay >= MAX_PERIOD_DAYS) throw new BadUserInputError([{ field, message: `a period spans at most ${MAX_PERIOD_DAYS} days` }]);
  return { fromDay, toDay, startMs: fromDay * DAY_MS, endMs: (toDay + 1) * DAY_MS };
}

/**
 * How a day range [fromDay, toDay] splits into whole calendar months (read from per-month rows)
 * and the days of the partial months at its edges (read from per-day rows).
 */
export interface DaySplit {
  /** Inclusive month-index range of whole months, or null when none. */
  months: { from: number; to: number } | null;
  /** Inclusive epoch-day ranges not covered by whole months (at most two). */
  days: Array<{ from: number; to: number }>;
}

export function splitDays(fromDay: number, toDay: number): DaySplit {
  const firstMonth = monthIndexOfDay(fromDay);
  const lastMonth = monthIndexOfDay(toDay);
  // Whole months: the first month counts when the range starts on its first day, the last when
  // the range ends on its last day.
  const wholeFrom = firstDayOfMonth(firstMonth) === fromDay ? firstMonth : firstMonth + 1;
  const wholeTo = firstDayOfMonth(lastMonth + 1) - 1 === toDay ? lastMonth : lastMonth - 1;
  if (wholeFrom > wholeTo) return { months: null, days: [{ from: fromDay, to: toDay }] };
  const days: Array<{ from: number; to: number }> = [];
  const wholeStartDay = firstDayOfMonth(wholeFrom);
  const wholeEndDay = firstDayOfMonth(wholeTo + 1) - 1;
  if (fromDay < wholeStartDay) days.push({ from: fromDay, to: wholeStartDay - 1 });
  if (toDay > wholeEndDay) days.push({ from: wholeEndDay + 1, to: toDay });
  return { months: { from: wholeFrom, to: wholeTo }, days };
}

/**
 * The days a membership interval [fromMs, toMs) gives its team: a day counts when the rep was a
 * member at the end of it, so the hire or transfer-in day counts for the new team and the
 * transfer-out or offboarding day does not count for the old one. Inclusive epoch days, or null.
 */
export function membershipDays(fromMs: number, toMs: number): { from: number; to: number } | null {
  const from = epochDay(fromMs);
  const to = toMs >= OPEN_END ? Number.MAX_SAFE_INTEGER : epochDay(toMs) - 1;
  return from <= to ? { from, to } : null;
}

/**
 * Σ over months of monthly quota × (days of that month inside [fromDay, toDay] ÷ days in the
 * month), in minor units (fractional; rounded only when formatted as Money).
 */
export function proratedQuota(quotas: ReadonlyMap<number, number>, fromDay: number, toDay: number): number {
  if (fromDay > toDay) return 0;
  let total = 0;
  for (let month = monthIndexOfDay(fromDay); month <= monthIndexOfDay(toDay); month++) {
    const amount = quotas.get(month);
    if (!amount) continue;
    const first = Math.max(fromDay, firstDayOfMonth(month));
    const last = Math.min(toDay, firstDayOfMonth(month + 1) - 1);
    total += (amount * (last - first + 1)) / daysInMonthIndex(month);
  }
  return total;
}
