/**
 * The baseline: a bare Fastify + Mercurius GraphQL hello-world, nothing of ours. The bench starts
 * it as a child process (like the API), so both are measured the same way; it prints its port.
 */
import Fastify from 'fastify';
import mercurius from 'mercurius';

async function main(): Promise<void> {
  const app = Fastify({ logger: false });
  await app.register(mercurius, {
    schema: 'type Query { hello: String! }',
    resolvers: { Query: { hello: async () => 'world' } },
  });
  const address = await app.listen({ port: 0, host: '127.0.0.1' });
  process.stdout.write(`${new URL(address).port}\n`);
  const stop = (): void => void app.close().then(() => process.exit(0));
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}

main().catch((error: unknown) => {
  process.stderr.write(`hello server: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
