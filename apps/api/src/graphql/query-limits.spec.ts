import { buildSchema, parse, validate } from 'graphql';
import { queryLimitsRule } from './query-limits';

const schema = buildSchema(`
  type Node { id: ID!, children(first: Int): [Node!]! }
  type Query { node: Node, nodes(first: Int): [Node!]! }
`);

function codes(query: string, limits = { maxDepth: 4, maxComplexity: 1000 }, variables = {}): unknown[] {
  return validate(schema, parse(query), [queryLimitsRule(limits, variables)]).map((e) => e.extensions.code);
}

describe('query limits', () => {
  it('lets a modest query through', () => {
    expect(codes('{ nodes(first: 10) { id children(first: 5) { id } } }')).toEqual([]);
  });

  it('refuses a query deeper than the limit', () => {
    expect(codes('{ node { children { children { children { children { id } } } } } }')).toEqual(['QUERY_TOO_COMPLEX']);
  });

  it('multiplies the cost of nested pages', () => {
    // 1 + 500 * (1 + 1 + 500 * 1) = 251001 > 1000
    expect(codes('{ nodes(first: 500) { id children(first: 500) { id } } }')).toEqual(['QUERY_TOO_COMPLEX']);
  });

  it('reads page sizes from variables', () => {
    const query = 'query($n: Int) { nodes(first: $n) { id children(first: $n) { id } } }';
    expect(codes(query, undefined, { n: 5 })).toEqual([]);
    expect(codes(query, undefined, { n: 400 })).toEqual(['QUERY_TOO_COMPLEX']);
  });

  it('follows fragments without looping', () => {
    const query = 'fragment F on Node { id children(first: 100) { id children(first: 100) { id } } } { nodes(first: 100) { ...F } }';
    expect(codes(query)).toEqual(['QUERY_TOO_COMPLEX']);
  });
});
