import { HttpException, Logger } from '@nestjs/common';
import { GraphQLError, type GraphQLFormattedError } from 'graphql';
import { KamError, RateLimitedError } from '@kam/kernel';

const logger = new Logger('GraphQL');

/** Codes a client may see; anything else became INTERNAL_SERVER_ERROR and was logged with its stack. */
const PUBLIC_CODES = new Set([
  'BAD_USER_INPUT',
  'UNAUTHENTICATED',
  'FORBIDDEN',
  'NOT_FOUND',
  'CONFLICT',
  'DOMAIN_RULE_VIOLATED',
  'QUERY_TOO_COMPLEX',
  'STALE_READ_MODEL',
  'SERVICE_UNAVAILABLE',
  'RATE_LIMITED',
  'GRAPHQL_PARSE_FAILED',
  'GRAPHQL_VALIDATION_FAILED',
]);

/** graphql-js reports a variable that failed coercion as: Variable "$input" got invalid value 1.5 at "input.value"; ... */
const VARIABLE_PATTERN = /^Variable "\$([^"]+)" got invalid value .*?(?: at "([^"]+)")?; (.*)$/s;
const VARIABLE_TYPE_PATTERN = /^Variable "\$([^"]+)" of (?:required|non-null) type .*$/s;
const ARGUMENT_PATTERN = /^(?:Argument|Field) "?([^" ]+)"? .*$/s;

function location(error: GraphQLError): Pick<GraphQLFormattedError, 'locations' | 'path'> {
  return {
    ...(error.locations ? { locations: error.locations } : {}),
    ...(error.path ? { path: error.path } : {}),
  };
}

/**
 * Fastify's own request errors (body too large, bad JSON, wrong content type) carry a 4xx status;
 * they are the client's fault and keep that status.
 */
export function httpStatusOf(error: GraphQLError): number | undefined {
  const nested = (error.originalError as { errors?: unknown } | undefined)?.errors;
  if (Array.isArray(nested)) {
    for (const inner of nested) {
      if (inner instanceof GraphQLError) {
        const status = httpStatusOf(inner);
        if (status !== undefined) return status;
      } else if (inner instanceof Error && /^body(\/\S*)? must /.test(inner.message)) return 400;
    }
  }
  if (error.originalError instanceof RateLimitedError) return error.originalError.statusCode;
  const original = error.originalError as { statusCode?: unknown; code?: unknown; message?: unknown } | undefined;
  if (
    typeof original?.statusCode === 'number' &&
    typeof original.code === 'string' &&
    (original.code.startsWith('FST_') || original.code.startsWith('MER_ERR_GQL_PERSISTED') || original.code === 'MER_ERR_GQL_QUERY_NOT_FOUND')
  ) {
    return original.statusCode >= 400 && original.statusCode < 500 ? original.statusCode : 400;
  }
  // graphql-js asserts a document exists; Mercurius reaches it for a request without a query.
  if (original?.message === 'Must provide document.' || original?.message === 'Unknown query') return 400;
  // Fastify's body schema refused the request (e.g. a batch array: batched operations are off).
  if (/^body(\/\S*)? must /.test(error.message)) return 400;
  return undefined;
}

/** Mercurius wraps document and variable validation failures in one error carrying `errors`. */
export function toPublicErrors(error: GraphQLError): GraphQLFormattedError[] {
  const nested = (error.originalError as { errors?: unknown } | undefined)?.errors;
  if (Array.isArray(nested)) {
    return nested.map((inner) =>
      toPublicError(inner instanceof GraphQLError ? inner : new GraphQLError(String((inner as Error)?.message ?? inner))),
    );
  }
  return [toPublicError(error)];
}

/**
 * The one place that decides what an error looks like on the wire: typed domain errors keep their
 * code and safe details; input problems become BAD_USER_INPUT naming the field; anything
 * unexpected is logged with its stack and answered without it.
 */
export function toPublicError(error: GraphQLError): GraphQLFormattedError {
  const original = error.originalError;
  const variable = VARIABLE_PATTERN.exec(error.message);
  if (variable) {
    const field = variable[2] ?? variable[1] ?? 'input';
    return {
      message: error.message,
      ...location(error),
      extensions: { code: 'BAD_USER_INPUT', fields: [{ field, message: variable[3] ?? error.message }] },
    };
  }
  if (original instanceof KamError) {
    return { message: original.message, ...location(error), extensions: { code: original.code, ...original.extensions() } };
  }
  if (original instanceof GraphQLError) return toPublicError(original);
  if (original instanceof HttpException) {
    const status = original.getStatus();
    const code = status === 401 ? 'UNAUTHENTICATED' : status === 403 ? 'FORBIDDEN' : status === 404 ? 'NOT_FOUND' : 'BAD_USER_INPUT';
    return { message: original.message, ...location(error), extensions: { code } };
  }
  const http = httpStatusOf(error);
  if (http !== undefined) {
    const code = http === 413 ? 'PAYLOAD_TOO_LARGE' : http === 415 ? 'UNSUPPORTED_MEDIA_TYPE' : 'BAD_REQUEST';
    return { message: original?.message ?? error.message, extensions: { code } };
  }
  if (original) {
    logger.error(`Unexpected error: ${original.message}`, original.stack);
    return { message: 'Internal server error', ...location(error), extensions: { code: 'INTERNAL_SERVER_ERROR' } };
  }
  const declared = error.extensions?.code;
  if (typeof declared === 'string' && PUBLIC_CODES.has(declared)) {
    return { message: error.message, ...location(error), extensions: { ...error.extensions } };
  }
  const variableType = VARIABLE_TYPE_PATTERN.exec(error.message);
  if (variableType) {
    return {
      message: error.message,
      ...location(error),
      extensions: { code: 'BAD_USER_INPUT', fields: [{ field: variableType[1], message: error.message }] },
    };
  }
  if (error.message.startsWith('Syntax Error')) {
    return { message: error.message, ...location(error), extensions: { code: 'GRAPHQL_PARSE_FAILED' } };
  }
  const argument = ARGUMENT_PATTERN.exec(error.message);
  if (argument && /required|invalid|Expected value/.test(error.message)) {
    return {
      message: error.message,
      ...location(error),
      extensions: { code: 'BAD_USER_INPUT', fields: [{ field: argument[1], message: error.message }] },
    };
  }
  return { message: error.message, ...location(error), extensions: { code: 'GRAPHQL_VALIDATION_FAILED' } };
}

/** HTTP status of a request that failed before execution, for clients of application/graphql-response+json. */
export function statusFor(errors: GraphQLFormattedError[]): number {
  const codes = new Set(errors.map((e) => e.extensions?.code));
  if (codes.has('UNAUTHENTICATED')) return 401;
  if (codes.has('FORBIDDEN')) return 403;
  return 400;
}
