/**
 * Money is never a float. On the wire it is a decimal string with at most two fraction digits;
 * inside the system it is an integer count of minor units (grosze for PLN). The upper bound
 * 999999999999.99 is 99_999_999_999_999 minor units, well inside Number.MAX_SAFE_INTEGER.
 */
export type MinorUnits = number;

export const MAX_MONEY_MINOR: MinorUnits = 99_999_999_999_999;

const MONEY_PATTERN = /^(0|[1-9]\d{0,11})(\.\d{1,2})?$/;

export class MoneyFormatError extends Error {
  constructor(readonly input: unknown, reason: string) {
    super(reason);
    this.name = 'MoneyFormatError';
  }
}

/** Parses a decimal string ("1250", "1250.5", "1250.50") into minor units; throws MoneyFormatError. */
export function parseMoney(input: unknown): MinorUnits {
  if (typeof input !== 'string') {
    throw new MoneyFormatError(input, 'Money must be a decimal string such as "1250.00", not a number');
  }
  const match = MONEY_PATTERN.exec(input);
  if (!match) {
    throw new MoneyFormatError(
      input,
      'Money must be a non-negative decimal string with at most 2 fraction digits and at most 999999999999.99',
    );
  }
  const whole = Number(match[1]);
  const fraction = match[2] ? Number(match[2].slice(1).padEnd(2, '0')) : 0;
  return whole * 100 + fraction;
}

/** Formats minor units as a decimal string with exactly two fraction digits: 125000 → "1250.00". */
export function formatMoney(minor: MinorUnits): string {
  const rounded = Math.round(minor);
  const sign = rounded < 0 ? '-' : '';
  const abs = Math.abs(rounded);
  const whole = Math.floor(abs / 100);
  const fraction = abs % 100;
  return `${sign}${whole}.${fraction.toString().padStart(2, '0')}`;
}

export function isValidMinor(minor: MinorUnits): boolean {
  return Number.isSafeInteger(minor) && minor >= 0 && minor <= MAX_MONEY_MINOR;
}
