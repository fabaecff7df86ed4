/**
 * What a request computes once (its context, its batch loaders), kept on the request's own object
 * (the Fastify request, the GraphQL context) under `key` rather than in a WeakMap keyed by it.
 *
 * Measured on the API under the bench's teamPerformance load (32 connections, 10 s, sampling heap
 * profiler counting only objects freed by full collections): with the request context memoized in
 * a WeakMap keyed by the request, 297 MB of per-request objects (the request, its headers, body and
 * context) outlived the young generation and waited for a mark-compact, every ≈ 2 s; kept on the
 * request, 10.5 MB did. A sealed or frozen owner gets a fresh value at every call.
 */
export function perRequest<T>(owner: object, key: symbol, make: () => T): T {
  const holder = owner as Record<symbol, T | undefined>;
  const kept = holder[key];
  if (kept !== undefined) return kept;
  const made = make();
  if (Object.isExtensible(owner)) Object.defineProperty(owner, key, { value: made, configurable: true });
  return made;
}
