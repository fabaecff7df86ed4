import type { FastifyRequest } from 'fastify';
import type { DocumentNode, GraphQLSchema } from 'graphql';
import { buildExecutionContext } from 'graphql/execution/execute';
// Mercurius' own error type for variables that do not coerce (lib/errors.js has no typings).
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { MER_ERR_GQL_VALIDATION } = require('mercurius/lib/errors') as { MER_ERR_GQL_VALIDATION: new () => Error & { errors?: unknown } };

/**
 * Variables are coerced by graphql-js before a query runs compiled by graphql-jit, exactly as
 * Mercurius does before graphql-js executes one: Mercurius skips that step for a compiled query,
 * and graphql-jit's own coercion words its errors differently (it names the inner field as the
 * variable, drops a scalar's message and the path), which would change BAD_USER_INPUT's `field`.
 * Same call, same error, same formatting as the uncompiled path.
 */
export function coerceVariablesLikeGraphqlJs(
  schema: GraphQLSchema,
  document: DocumentNode,
  context: unknown,
  variables: Record<string, unknown> | undefined,
): void {
  if (variables === undefined) return;
  const executionContext = buildExecutionContext({
    schema,
    document,
    contextValue: context,
    variableValues: variables,
    operationName: operationNameOf((context as { reply?: { request?: FastifyRequest } }).reply?.request),
  });
  if (Array.isArray(executionContext)) {
    const error = new MER_ERR_GQL_VALIDATION();
    error.errors = executionContext;
    throw error;
  }
}

function operationNameOf(request: FastifyRequest | undefined): string | undefined {
  const source = (request?.method === 'GET' ? request.query : request?.body) as { operationName?: unknown } | undefined;
  return typeof source?.operationName === 'string' ? source.operationName : undefined;
}
