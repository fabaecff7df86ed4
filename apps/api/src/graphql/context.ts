import type { FastifyRequest } from 'fastify';
import type { Actor, GqlContext } from '@kam/graphql';

/**
 * Who is calling. Until authentication lands (security issue) every caller is treated as ADMIN;
 * this function is the single place that will verify the bearer token instead.
 */
export function resolveActor(_request: FastifyRequest): Actor {
  return { sub: 'admin', role: 'ADMIN' };
}

export function buildContext(request: FastifyRequest): GqlContext {
  return { actor: resolveActor(request), request };
}
