import { GraphQLError, GraphQLScalarType, Kind, type ValueNode } from 'graphql';
import { formatMoney, isCalendarDate, parseInstant, parseMoney, MoneyFormatError } from '@kam/kernel';

function badInput(message: string): GraphQLError {
  return new GraphQLError(message, { extensions: { code: 'BAD_USER_INPUT' } });
}

/**
 * Money: a decimal string with at most 2 fraction digits, >= 0, <= 999999999999.99. Floats are
 * refused even in literals: 0.1 + 0.2 is not money. Internally: integer minor units.
 */
export const MoneyScalar = new GraphQLScalarType<number, string>({
  name: 'Money',
  description: 'Decimal string with at most two fraction digits, e.g. "1250.00"; never a float.',
  serialize(value) {
    if (typeof value === 'number') return formatMoney(value);
    if (typeof value === 'string') return formatMoney(parseMoney(value));
    throw new TypeError('Money must serialize from minor units');
  },
  parseValue(value) {
    try {
      return parseMoney(value);
    } catch (error) {
      throw badInput(error instanceof MoneyFormatError ? error.message : 'Invalid Money');
    }
  },
  parseLiteral(ast: ValueNode) {
    if (ast.kind !== Kind.STRING) throw badInput('Money must be a decimal string such as "1250.00", not a number');
    try {
      return parseMoney(ast.value);
    } catch (error) {
      throw badInput(error instanceof MoneyFormatError ? error.message : 'Invalid Money');
    }
  },
});

function parseDate(value: unknown): string {
  if (!isCalendarDate(value)) throw badInput('Date must be a real calendar date YYYY-MM-DD');
  return value;
}

/** Date: a calendar date `YYYY-MM-DD` (UTC); impossible dates such as 2026-02-30 are refused. */
export const DateScalar = new GraphQLScalarType<string, string>({
  name: 'Date',
  description: 'Calendar date YYYY-MM-DD (UTC).',
  serialize(value) {
    if (typeof value === 'string') return value.slice(0, 10);
    if (value instanceof Date) return value.toISOString().slice(0, 10);
    throw new TypeError('Date must serialize from a string');
  },
  parseValue: parseDate,
  parseLiteral(ast) {
    if (ast.kind !== Kind.STRING) throw badInput('Date must be a string YYYY-MM-DD');
    return parseDate(ast.value);
  },
});

function parseDateTime(value: unknown): string {
  const date = parseInstant(value);
  if (!date) throw badInput('DateTime must be an ISO-8601 instant with an offset, e.g. 2026-11-27T10:00:00Z');
  return date.toISOString();
}

/** DateTime: ISO-8601 with an explicit offset; normalised to UTC (`...Z`). */
export const DateTimeScalar = new GraphQLScalarType<string, string>({
  name: 'DateTime',
  description: 'ISO-8601 instant with an explicit offset; answered in UTC.',
  serialize(value) {
    if (value instanceof Date) return value.toISOString();
    if (typeof value === 'string') return new Date(value).toISOString();
    if (typeof value === 'number') return new Date(value).toISOString();
    throw new TypeError('DateTime must serialize from a Date or ISO string');
  },
  parseValue: parseDateTime,
  parseLiteral(ast) {
    if (ast.kind !== Kind.STRING) throw badInput('DateTime must be a string');
    return parseDateTime(ast.value);
  },
});

export { GraphQLJSON as JSONScalar } from 'graphql-scalars';
