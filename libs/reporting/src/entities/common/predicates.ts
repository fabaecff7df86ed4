import { sql, type Expression, type SqlBool } from 'kysely';
import { NEVER } from './sql';

/**
 * Small SQL predicates shared by the scope filters, written as `sql` fragments so one helper
 * serves every table alias on both dialects. Column and table names are identifiers from code,
 * never from input; values are always parameters.
 */
export type Predicate = Expression<SqlBool>;

export function isIn(column: string, values: readonly string[]): Predicate {
  if (values.length === 0) return NEVER;
  return sql<SqlBool>`${sql.ref(column)} in (${sql.join(values)})`;
}

export function eq(column: string, value: string | number): Predicate {
  return sql<SqlBool>`${sql.ref(column)} = ${value}`;
}

export function anyOf(...predicates: Predicate[]): Predicate {
  if (predicates.length === 0) return NEVER;
  return sql<SqlBool>`(${sql.join(predicates, sql` or `)})`;
}

/** `exists (select 1 from <table> <alias> where <predicate>)`. */
export function exists(table: string, alias: string, where: Predicate): Predicate {
  return sql<SqlBool>`exists (select 1 from ${sql.table(table)} as ${sql.id(alias)} where ${where})`;
}

/** `<column> in (select <selected> from <table> <alias> where <predicate>)`. */
export function inSubquery(
  column: string,
  table: string,
  alias: string,
  selected: string,
  where: Predicate,
): Predicate {
  return sql<SqlBool>`${sql.ref(column)} in (select ${sql.ref(`${alias}.${selected}`)} from ${sql.table(table)} as ${sql.id(alias)} where ${where})`;
}

export function allOf(...predicates: Predicate[]): Predicate {
  if (predicates.length === 0) return sql<SqlBool>`1 = 1`;
  return sql<SqlBool>`(${sql.join(predicates, sql` and `)})`;
}

/** `<left> = <right>` between two columns. */
export function sameAs(left: string, right: string): Predicate {
  return sql<SqlBool>`${sql.ref(left)} = ${sql.ref(right)}`;
}
