import { request } from 'node:http';

/** The connection failed or broke before a complete response: the outcome of the request is unknown. */
export class NetworkError extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = 'NetworkError';
  }
}

export interface HttpResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  text: string;
}

export interface HttpRequest {
  url: string;
  method?: string;
  headers?: Record<string, string>;
  body?: string | Buffer;
  timeoutMs?: number;
}

/**
 * One request on its own connection (no keep-alive pool): a service killed and restarted between
 * two requests cannot hand the second one a dead pooled socket, so "unknown outcome" means only
 * what it says — the request was in flight when the connection broke.
 */
export function httpRequest(options: HttpRequest): Promise<HttpResponse> {
  return new Promise<HttpResponse>((resolve, reject) => {
    const req = request(options.url, { method: options.method ?? 'POST', headers: options.headers, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('error', (error: NodeJS.ErrnoException) => reject(new NetworkError(error.code ?? 'ERESPONSE', error.message)));
      res.on('aborted', () => reject(new NetworkError('ECONNRESET', 'response aborted')));
      res.on('end', () => {
        if (!res.complete) {
          reject(new NetworkError('ECONNRESET', 'response incomplete'));
          return;
        }
        resolve({ status: res.statusCode ?? 0, headers: res.headers, text: Buffer.concat(chunks).toString('utf8') });
      });
    });
    req.setTimeout(options.timeoutMs ?? 30_000, () => req.destroy(new NetworkError('ETIMEDOUT', 'request timed out')));
    req.on('error', (error: NodeJS.ErrnoException) =>
      reject(error instanceof NetworkError ? error : new NetworkError(error.code ?? 'ECONNRESET', error.message)),
    );
    req.end(options.body);
  });
}

export interface GqlError {
  message: string;
  path?: Array<string | number>;
  extensions?: Record<string, any>;
}

export interface GqlResponse<T = any> {
  status: number;
  data: T | null | undefined;
  errors: GqlError[] | undefined;
}

/** POST /graphql with a JSON body; throws NetworkError when no complete response came back. */
export async function postGraphql<T = any>(
  baseUrl: string,
  token: string | null,
  query: string,
  variables?: Record<string, unknown>,
  timeoutMs?: number,
): Promise<GqlResponse<T>> {
  const response = await httpRequest({
    url: `${baseUrl}/graphql`,
    headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: JSON.stringify({ query, variables }),
    timeoutMs,
  });
  let body: { data?: T | null; errors?: GqlError[] };
  try {
    body = JSON.parse(response.text) as typeof body;
  } catch {
    throw new Error(`HTTP ${response.status} with a body that is not JSON: ${response.text.slice(0, 300)}`);
  }
  return { status: response.status, data: body.data, errors: body.errors };
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
