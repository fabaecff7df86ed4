import { BadUserInputError } from '@kam/kernel';
import { MAX_PAGE_SIZE, decodeCursor, encodeCursor, type ConnectionShape } from '@kam/graphql';

/** Page size when `first` is omitted. */
export const DEFAULT_PAGE_SIZE = 50;

export interface PageArgs {
  first?: number | null;
  after?: string | null;
}

/** Validates `first` (0…MAX_PAGE_SIZE, default DEFAULT_PAGE_SIZE); BAD_USER_INPUT otherwise. */
export function pageSize(first: number | null | undefined): number {
  if (first === null || first === undefined) return DEFAULT_PAGE_SIZE;
  if (!Number.isInteger(first) || first < 0 || first > MAX_PAGE_SIZE) {
    throw new BadUserInputError([
      { field: 'first', message: `first must be an integer from 0 to ${MAX_PAGE_SIZE}` },
    ]);
  }
  return first;
}

interface IdCursor {
  id: string;
}

/** Entity connections are ordered by id; a cursor is the opaque encoding of the last id seen. */
export function idCursor(id: string): string {
  return encodeCursor({ id } satisfies IdCursor);
}

/** The id an `after` cursor points at (undefined when absent); BAD_USER_INPUT for a cursor we did not make. */
export function afterId(after: string | null | undefined): string | undefined {
  if (after === null || after === undefined) return undefined;
  const key = decodeCursor<Partial<IdCursor>>(after);
  if (!key || typeof key !== 'object' || typeof key.id !== 'string') {
    throw new BadUserInputError([
      { field: 'after', message: 'after is not a cursor returned by this connection' },
    ]);
  }
  return key.id;
}

/**
 * A connection from `size + 1` rows fetched in id order after the cursor: the extra row only
 * says whether another page exists.
 */
export function connectionOf<Row extends { id: string }, Node>(
  rows: readonly Row[],
  size: number,
  toNode: (row: Row) => Node,
): ConnectionShape<Node> {
  const page = rows.slice(0, size);
  const last = page[page.length - 1];
  return {
    edges: page.map((row) => ({ cursor: idCursor(row.id), node: toNode(row) })),
    pageInfo: { hasNextPage: rows.length > size, endCursor: last ? idCursor(last.id) : null },
  };
}
