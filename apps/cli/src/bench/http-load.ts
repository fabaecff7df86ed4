import autocannon from 'autocannon';

export interface LoadResult {
  /** Mean requests per second over the measured run. */
  rps: number;
  p50_ms: number;
  p99_ms: number;
  requests: number;
  non2xx: number;
  errors: number;
  /** Responses whose body carried GraphQL `errors` (a 200 with errors is a failure too). */
  mismatches: number;
  duration_s: number;
  connections: number;
}

export interface LoadOptions {
  url: string;
  headers: Record<string, string>;
  /** One JSON body for every request, or a function that makes a fresh one per request. */
  body: string | (() => string);
  connections: number;
  durationS: number;
  warmupS: number;
}

/**
 * autocannon through its programmatic API (its CLI hung here with -W plus -j): a warm-up run that
 * is thrown away, then the measured run. A run with any non-2xx, socket error or GraphQL error in
 * a body is refused (thrown), so a broken endpoint cannot pass as a fast one.
 */
export async function loadTest(options: LoadOptions): Promise<LoadResult> {
  if (options.warmupS > 0) await run({ ...options, durationS: options.warmupS });
  const result = await run(options);
  const failed = result.non2xx + result.errors + result.mismatches;
  if (failed > 0) {
    throw new Error(
      `${options.url}: ${result.non2xx} non-2xx, ${result.errors} socket errors, ${result.mismatches} bodies with GraphQL errors ` +
        `out of ${result.requests} requests`,
    );
  }
  return result;
}

async function run(options: LoadOptions): Promise<LoadResult> {
  const { body } = options;
  const result = await autocannon({
    url: `${options.url}/graphql`,
    method: 'POST',
    headers: { 'content-type': 'application/json', ...options.headers },
    connections: options.connections,
    duration: options.durationS,
    ...(typeof body === 'string'
      ? { body }
      : { requests: [{ setupRequest: (request: autocannon.Request) => ({ ...request, body: body() }) }] }),
    verifyBody: (responseBody) => !String(responseBody ?? '').includes('"errors"'),
  });
  return {
    rps: Math.round(result.requests.average),
    p50_ms: result.latency.p50,
    p99_ms: result.latency.p99,
    requests: result.requests.total,
    non2xx: result.non2xx,
    errors: result.errors + result.timeouts,
    mismatches: (result as unknown as { mismatches?: number }).mismatches ?? 0,
    duration_s: result.duration,
    connections: options.connections,
  };
}

/** One GraphQL request over fetch; throws on HTTP or GraphQL errors. */
export async function gql<T>(
  url: string,
  token: string,
  query: string,
  variables?: Record<string, unknown>,
): Promise<T> {
  const response = await fetch(`${url}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
    body: JSON.stringify({ query, variables }),
  });
  const reply = (await response.json()) as { data?: T; errors?: unknown[] };
  if (response.status !== 200 || reply.errors?.length) {
    throw new Error(
      `GraphQL request failed (${response.status}): ${JSON.stringify(reply.errors ?? reply).slice(0, 500)}`,
    );
  }
  return reply.data as T;
}
