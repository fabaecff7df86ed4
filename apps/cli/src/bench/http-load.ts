import { Agent, request } from 'node:http';
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
  return graphqlData<T>(response.status, await response.text());
}

/** The `data` of a GraphQL reply; throws on an HTTP error, GraphQL errors or a body that is not JSON. */
function graphqlData<T>(status: number | undefined, text: string): T {
  let reply: { data?: T; errors?: unknown[] };
  try {
    reply = JSON.parse(text) as typeof reply;
  } catch {
    throw new Error(`GraphQL request failed (${status}): ${text.slice(0, 500)}`);
  }
  if (status !== 200 || reply.errors?.length) {
    throw new Error(`GraphQL request failed (${status}): ${JSON.stringify(reply.errors ?? reply).slice(0, 500)}`);
  }
  return reply.data as T;
}

/**
 * GraphQL requests over node:http with kept-alive sockets, for the lag probes. They share two cores
 * with the server: with fetch the probe process took ≈ 0.9 s of CPU per second at 500 probes/s
 * (two requests each), as much as the API's request thread, and the lag measured the contention.
 */
export class GraphqlClient {
  private readonly agent: Agent;
  private readonly target: URL;
  private readonly headers: Record<string, string>;

  constructor(url: string, token: string, maxSockets = 256) {
    this.agent = new Agent({ keepAlive: true, maxSockets });
    this.target = new URL('/graphql', url);
    this.headers = { 'content-type': 'application/json', authorization: `Bearer ${token}` };
  }

  /** One request; throws on HTTP or GraphQL errors, like gql. */
  query<T>(query: string, variables?: Record<string, unknown>): Promise<T> {
    return this.post<T>(JSON.stringify({ query, variables }));
  }

  /** One request with a body serialized already (`{ query, variables }`). */
  post<T>(body: string): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      const req = request(
        this.target,
        { method: 'POST', agent: this.agent, headers: { ...this.headers, 'content-length': Buffer.byteLength(body) } },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (chunk: Buffer) => chunks.push(chunk));
          res.on('error', reject);
          res.on('end', () => {
            try {
              resolve(graphqlData<T>(res.statusCode, Buffer.concat(chunks).toString('utf8')));
            } catch (error) {
              reject(error);
            }
          });
        },
      );
      req.on('error', reject);
      req.end(body);
    });
  }

  close(): void {
    this.agent.destroy();
  }
}

