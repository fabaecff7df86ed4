import type { FastifyRequest } from 'fastify';
import { Logger } from '@nestjs/common';
import { KamError, UnauthenticatedError } from '@kam/kernel';
import { bearerToken, verifyToken } from '@kam/auth';
import { perRequest, type Actor, type GqlContext, type ReadScope } from '@kam/graphql';

/** Resolves what a verified caller may read (SUPERVISOR: their teams, from the read model). */
export interface ScopeResolver {
  scopeOf(actor: Actor): Promise<ReadScope>;
}

export const SCOPE_RESOLVER = 'kam:ScopeResolver';

/** The scope every role has without looking anything up; SUPERVISOR needs the read model. */
export function staticScope(actor: Actor): ReadScope | undefined {
  switch (actor.role) {
    case 'ADMIN':
    case 'BI_READER':
      return { kind: 'all' };
    case 'REP':
      // A REP token's `sub` is the rep's id.
      return { kind: 'rep', repId: actor.sub };
    case 'SUPERVISOR':
      return undefined;
  }
}

export interface AuthenticatedContext extends GqlContext {
  /** Set when the bearer token was missing or invalid; the preValidation hook answers with it. */
  authError?: KamError;
}

const logger = new Logger('Auth');

/**
 * The single place a request becomes an actor: bearer token verified (HS256), role and scope
 * resolved. Failures are logged without the token and answered UNAUTHENTICATED before validation,
 * so even introspection needs a valid token.
 */
export async function buildContext(
  request: FastifyRequest,
  secret: string,
  scopes: ScopeResolver,
): Promise<AuthenticatedContext> {
  let token: string | undefined;
  try {
    token = bearerToken(request.headers.authorization);
    if (!token) {
      return { authError: new UnauthenticatedError('A bearer token is required (Authorization: Bearer <token>)'), request };
    }
    const actor = await verifyToken(token, secret);
    const scope = staticScope(actor) ?? (await scopes.scopeOf(actor));
    return { actor, scope, request };
  } catch (error) {
    if (error instanceof KamError) {
      logger.warn(`Authentication failed from ${request.ip}: ${error.message}`);
      return { authError: error, request };
    }
    throw error;
  }
}

/** Dependency-injection token of the request → context function (memoized per request). */
export const GRAPHQL_CONTEXT = 'kam:GraphqlContext';

/**
 * buildContext, once per request: the response cache (response-cache.ts) needs the caller's scope
 * before Mercurius asks for the context of the same request.
 */
export function memoizedContext(secret: string, scopes: ScopeResolver): (request: FastifyRequest) => Promise<AuthenticatedContext> {
  // Kept on the request (perRequest): in a WeakMap keyed by it, every request's objects outlived the young generation.
  const key = Symbol('kam.graphqlContext');
  return (request) => perRequest(request, key, () => buildContext(request, secret, scopes));
}

/** The context of a graphql-ws connection, from the token in its connection_init payload; undefined refuses it. */
export async function connectionContext(
  payload: unknown,
  secret: string,
  scopes: ScopeResolver,
): Promise<{ actor: Actor; scope: ReadScope } | undefined> {
  const fields = (payload ?? {}) as Record<string, unknown>;
  const header = fields.authorization ?? fields.Authorization;
  try {
    const token = bearerToken(typeof header === 'string' ? header : undefined);
    if (!token) return undefined;
    const actor = await verifyToken(token, secret);
    return { actor, scope: staticScope(actor) ?? (await scopes.scopeOf(actor)) };
  } catch (error) {
    if (error instanceof KamError) {
      logger.warn(`Subscription authentication failed: ${error.message}`);
      return undefined;
    }
    throw error;
  }
}
