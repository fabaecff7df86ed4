import type { FastifyInstance, FastifyRequest } from 'fastify';
import { Kind, parse, type DocumentNode } from 'graphql';
import { normalize, type QueryCache } from '@kam/reporting';
import type { AuthenticatedContext } from './context';
import { wantsGraphqlResponse } from './http-compliance';

/**
 * Whole GraphQL responses kept per read-model version (on top of the answers the resolvers keep,
 * libs/reporting/src/common/query-cache.ts): a repeated read skips parsing, validation, execution
 * and serialization. Only a POST of one `query` operation whose root fields all read nothing but
 * read models (CACHEABLE_ROOT_FIELDS) and none of which asks for `atLeastPosition` is considered;
 * only a 200 answer without `errors` is kept. The key is the query text and operation name (as a
 * short id, CacheableDocuments), normalized variables, the caller's role, subject and resolved
 * scope, the media type asked for, and the clock in the cache's step (1 s): a response served
 * from here was produced at most one step earlier, and no read model has changed since (the
 * version is read per request, like the resolvers' cache does). Authentication, the rate limit
 * and the security headers still apply; depth/cost limits and validation passed for exactly this
 * text and variables when it was kept.
 */
export const CACHEABLE_ROOT_FIELDS: ReadonlySet<string> = new Set([
  'teamPerformance',
  'repPerformance',
  'leaderboard',
  'pipeline',
  'stageFunnel',
  'channelPerformance',
  'channelHistory',
  'keyAccounts',
  'competitorAnalysis',
  'repTraining',
  'trainingEffectiveness',
  'team',
  'teams',
  'rep',
  'reps',
  'account',
  'accounts',
  'deal',
  'deals',
  'trainingSessions',
  '__typename',
]);

const MAX_DOCUMENTS = 500;

/**
 * Which query texts can be answered from the response cache (each parsed once), under a short id
 * that stands for the text and operation name in the cache key: a key of a few characters instead
 * of the whole query text is cheaper to build and to look up on every request.
 */
export class CacheableDocuments {
  /** Text (and operation name) → its id, or null when it is not cacheable. */
  private readonly known = new Map<string, string | null>();
  /** Never reused, also after `known` is cleared, so an id names one text for the process's life. */
  private nextId = 0;

  /** The document's id, or undefined when its answers are not kept. */
  idOf(text: string, operationName: string | undefined): string | undefined {
    const key = operationName === undefined ? text : `${operationName}\u0000${text}`;
    let id = this.known.get(key);
    if (id === undefined) {
      id = analyse(text, operationName) ? `d${this.nextId++}` : null;
      if (this.known.size >= MAX_DOCUMENTS) this.known.clear();
      this.known.set(key, id);
    }
    return id ?? undefined;
  }
}

function analyse(text: string, operationName: string | undefined): boolean {
  let document: DocumentNode;
  try {
    document = parse(text, { noLocation: true });
  } catch {
    return false;
  }
  const operations = document.definitions.filter((d) => d.kind === Kind.OPERATION_DEFINITION);
  if (operations.length !== 1 || document.definitions.length !== 1) return false;
  const operation = operations[0]!;
  if (operation.kind !== Kind.OPERATION_DEFINITION || operation.operation !== 'query') return false;
  if (operationName !== undefined && operation.name?.value !== operationName) return false;
  if (operation.directives?.length) return false;
  for (const selection of operation.selectionSet.selections) {
    if (selection.kind !== Kind.FIELD) return false;
    if (!CACHEABLE_ROOT_FIELDS.has(selection.name.value)) return false;
    if (selection.directives?.length) return false;
    if (selection.arguments?.some((a) => a.name.value === 'atLeastPosition')) return false;
  }
  return true;
}

interface Pending {
  key: string;
  version: string;
}

const PENDING = Symbol('kam.responseCache.pending');
type WithPending = FastifyRequest & { [PENDING]?: Pending };

export function registerResponseCache(
  fastify: FastifyInstance,
  options: { cache: QueryCache; contextOf: (request: FastifyRequest) => Promise<AuthenticatedContext>; path?: string },
): void {
  const path = options.path ?? '/graphql';
  const { cache } = options;
  const documents = new CacheableDocuments();

  fastify.addHook('preHandler', async (request, reply) => {
    if (request.method !== 'POST' || request.routeOptions.url !== path || request.validationError) return;
    const body = request.body as { query?: unknown; variables?: unknown; operationName?: unknown; extensions?: unknown } | undefined;
    if (!body || typeof body !== 'object' || Array.isArray(body) || typeof body.query !== 'string' || body.extensions !== undefined) return;
    const operationName = typeof body.operationName === 'string' ? body.operationName : undefined;
    if (body.operationName !== undefined && operationName === undefined) return;
    const document = documents.idOf(body.query, operationName);
    if (document === undefined) return;
    const context = await options.contextOf(request);
    if (context.authError || !context.actor || !context.scope) return;
    const version = await cache.observeVersion();
    const question = `${document}\u0000${normalize(body.variables ?? null)}\u0000${normalize([context.actor.role, context.actor.sub, wantsGraphqlResponse(request)])}`;
    const key = cache.keyOf('response', question, context.scope, true);
    const kept = cache.peek(key, version);
    if (typeof kept === 'string') {
      reply.code(200).header('content-type', 'application/json; charset=utf-8');
      return reply.send(kept);
    }
    (request as WithPending)[PENDING] = { key, version };
  });

  fastify.addHook('onSend', async (request, reply, payload) => {
    const pending = (request as WithPending)[PENDING];
    if (pending === undefined) return payload;
    (request as WithPending)[PENDING] = undefined;
    // Only a plain success: a body that mentions "errors" anywhere is not kept (even in data).
    if (reply.statusCode === 200 && typeof payload === 'string' && payload.startsWith('{"data":') && !payload.includes('"errors"')) {
      cache.keep(pending.key, pending.version, payload);
    }
    return payload;
  });
}
