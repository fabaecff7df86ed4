import type { FastifyInstance, FastifyRequest } from 'fastify';

export const GRAPHQL_RESPONSE_TYPE = 'application/graphql-response+json';

/** Whether the client asked for the GraphQL-over-HTTP media type (then request errors are 4xx). */
export function wantsGraphqlResponse(request: FastifyRequest | undefined): boolean {
  const accept = request?.headers.accept ?? '';
  return accept.includes(GRAPHQL_RESPONSE_TYPE);
}

/**
 * What Mercurius alone leaves out of the GraphQL-over-HTTP specification: a JSON body with
 * `"extensions": null` must be accepted, and a client that accepts
 * `application/graphql-response+json` gets that media type back.
 */
export function registerGraphqlHttpCompliance(fastify: FastifyInstance, path = '/graphql'): void {
  fastify.addHook('preValidation', async (request) => {
    if (request.method !== 'POST' || request.routeOptions.url !== path) return;
    const body = request.body as Record<string, unknown> | null | undefined;
    if (body && typeof body === 'object' && !Array.isArray(body)) {
      for (const key of ['extensions', 'variables', 'operationName'] as const) {
        if (body[key] === null) delete body[key];
      }
    }
  });
  fastify.addHook('onSend', async (request, reply, payload) => {
    if (request.routeOptions.url !== path || !wantsGraphqlResponse(request)) return payload;
    const type = String(reply.getHeader('content-type') ?? '');
    if (type.startsWith('application/json')) reply.header('content-type', `${GRAPHQL_RESPONSE_TYPE}; charset=utf-8`);
    return payload;
  });
}
