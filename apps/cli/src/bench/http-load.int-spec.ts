import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { GraphqlClient } from './http-load';

/** A stand-in GraphQL endpoint: answers by the query text, and records what it was sent. */
function endpoint(): Promise<{ url: string; seen: Array<{ auth?: string; body: unknown }>; server: Server }> {
  const seen: Array<{ auth?: string; body: unknown }> = [];
  const server = createServer((req: IncomingMessage, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as { query: string };
      seen.push({ auth: req.headers.authorization, body });
      if (req.url !== '/graphql') return void res.writeHead(404).end('not here');
      if (body.query.includes('broken')) return void res.writeHead(500).end('<html>oops</html>');
      const reply = body.query.includes('fails')
        ? { errors: [{ message: 'STALE_READ_MODEL' }] }
        : { data: { echo: body } };
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(reply));
    });
  });
  return new Promise((resolve) =>
    server.listen(0, '127.0.0.1', () =>
      resolve({ url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, seen, server }),
    ),
  );
}

describe('GraphqlClient (the lag probes’ HTTP client)', () => {
  let stub: Awaited<ReturnType<typeof endpoint>>;
  let client: GraphqlClient;

  beforeAll(async () => {
    stub = await endpoint();
    client = new GraphqlClient(stub.url, 'token-1', 4);
  });

  afterAll(async () => {
    client.close();
    await new Promise((resolve) => stub.server.close(resolve));
  });

  it('posts the query and variables with the bearer token and resolves with data', async () => {
    const data = await client.query<{ echo: unknown }>('query($id: ID!) { deal(id: $id) { id } }', { id: 'd-1' });
    expect(data.echo).toEqual({ query: 'query($id: ID!) { deal(id: $id) { id } }', variables: { id: 'd-1' } });
    expect(stub.seen.at(-1)?.auth).toBe('Bearer token-1');
  });

  it('sends a body serialized already as it is', async () => {
    const data = await client.post<{ echo: unknown }>('{"query":"{ teams { id } }"}');
    expect(data.echo).toEqual({ query: '{ teams { id } }' });
  });

  it('rejects a reply with GraphQL errors, naming them', async () => {
    await expect(client.query('{ fails }')).rejects.toThrow(/GraphQL request failed \(200\).*STALE_READ_MODEL/);
  });

  it('rejects a reply that is not JSON, with its status and text', async () => {
    await expect(client.query('{ broken }')).rejects.toThrow(/GraphQL request failed \(500\): <html>oops/);
  });

  it('keeps up to its socket limit open and answers many requests in flight', async () => {
    const replies = await Promise.all(
      Array.from({ length: 40 }, (_, i) => client.query<{ echo: { variables: { i: number } } }>('{ n }', { i })),
    );
    expect(replies.map((r) => r.echo.variables.i)).toEqual(Array.from({ length: 40 }, (_, i) => i));
  });
});
