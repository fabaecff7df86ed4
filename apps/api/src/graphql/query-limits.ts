import {
  GraphQLError,
  Kind,
  type ASTVisitor,
  type DocumentNode,
  type FieldNode,
  type FragmentDefinitionNode,
  type SelectionSetNode,
  type ValidationContext,
  type ValidationRule,
} from 'graphql';

export interface QueryLimits {
  maxDepth: number;
  maxComplexity: number;
}

export const DEFAULT_QUERY_LIMITS: QueryLimits = { maxDepth: 12, maxComplexity: 100_000 };

/** A list field's size for cost purposes: its `first` argument, else a default page. */
const DEFAULT_LIST_SIZE = 50;

function tooComplex(message: string): GraphQLError {
  return new GraphQLError(message, { extensions: { code: 'QUERY_TOO_COMPLEX' } });
}

/**
 * Depth and cost of a document, computed before execution: every field costs 1, and the cost of
 * what is selected under a field with a `first` argument is multiplied by that page size.
 */
export function measure(
  selectionSet: SelectionSetNode,
  fragments: Record<string, FragmentDefinitionNode>,
  variables: Record<string, unknown>,
  visited: Set<string> = new Set(),
): { depth: number; cost: number } {
  let depth = 0;
  let cost = 0;
  for (const selection of selectionSet.selections) {
    if (selection.kind === Kind.FIELD) {
      const { depth: d, cost: c } = measureField(selection, fragments, variables, visited);
      depth = Math.max(depth, d);
      cost += c;
    } else if (selection.kind === Kind.INLINE_FRAGMENT) {
      const inner = measure(selection.selectionSet, fragments, variables, visited);
      depth = Math.max(depth, inner.depth);
      cost += inner.cost;
    } else {
      const name = selection.name.value;
      const fragment = fragments[name];
      if (!fragment || visited.has(name)) continue;
      const inner = measure(fragment.selectionSet, fragments, variables, new Set([...visited, name]));
      depth = Math.max(depth, inner.depth);
      cost += inner.cost;
    }
  }
  return { depth, cost };
}

function pageSize(field: FieldNode, variables: Record<string, unknown>): number {
  const first = field.arguments?.find((a) => a.name.value === 'first');
  if (!first) return 1;
  if (first.value.kind === Kind.INT) return Number(first.value.value);
  if (first.value.kind === Kind.VARIABLE) {
    const value = variables[first.value.name.value];
    return typeof value === 'number' ? value : DEFAULT_LIST_SIZE;
  }
  return DEFAULT_LIST_SIZE;
}

function measureField(
  field: FieldNode,
  fragments: Record<string, FragmentDefinitionNode>,
  variables: Record<string, unknown>,
  visited: Set<string>,
): { depth: number; cost: number } {
  if (!field.selectionSet) return { depth: 1, cost: 1 };
  const inner = measure(field.selectionSet, fragments, variables, visited);
  return { depth: inner.depth + 1, cost: 1 + pageSize(field, variables) * inner.cost };
}

/** Throws QUERY_TOO_COMPLEX when an operation of the document is deeper or costlier than the limits. */
export function assertWithinLimits(document: DocumentNode, variables: Record<string, unknown>, limits: QueryLimits): void {
  const errors = validateLimits(document, variables, limits);
  if (errors.length > 0) throw errors[0];
}

function validateLimits(document: DocumentNode, variables: Record<string, unknown>, limits: QueryLimits): GraphQLError[] {
  const fragments: Record<string, FragmentDefinitionNode> = {};
  for (const definition of document.definitions) {
    if (definition.kind === Kind.FRAGMENT_DEFINITION) fragments[definition.name.value] = definition;
  }
  const errors: GraphQLError[] = [];
  for (const definition of document.definitions) {
    if (definition.kind !== Kind.OPERATION_DEFINITION) continue;
    const { depth, cost } = measure(definition.selectionSet, fragments, variables);
    if (depth > limits.maxDepth) errors.push(tooComplex(`Query depth ${depth} exceeds the limit of ${limits.maxDepth}`));
    else if (cost > limits.maxComplexity) errors.push(tooComplex(`Query cost ${cost} exceeds the limit of ${limits.maxComplexity}`));
  }
  return errors;
}

/** A validation rule that refuses documents deeper or costlier than the limits (QUERY_TOO_COMPLEX). */
export function queryLimitsRule(limits: QueryLimits, variables: Record<string, unknown> = {}): ValidationRule {
  return (context: ValidationContext): ASTVisitor => {
    return {
      Document(document) {
        for (const error of validateLimits(document, variables, limits)) context.reportError(error);
      },
    };
  };
}
