import { ConfigError, loadConfig } from './config/config';
import { createApp } from './bootstrap';
import { demoBanner, seedDemoIfEmpty } from './demo/demo';

async function main(): Promise<void> {
  let config;
  try {
    config = loadConfig();
  } catch (error) {
    if (error instanceof ConfigError) {
      // One clear line naming the variable, never a stack trace.
      process.stderr.write(`kam-ledger: invalid configuration: ${error.message}\n`);
      process.exit(2);
    }
    throw error;
  }
  const app = await createApp(config);
  await app.listen(config.port, config.host);
  const url = `http://${config.host}:${config.port}`;
  process.stdout.write(`kam-ledger listening on ${url}/graphql${config.production ? '' : ` (GraphiQL: ${url}/graphiql)`}\n`);
  const demo = await seedDemoIfEmpty(app, config);
  if (demo) process.stdout.write(`${await demoBanner(demo, config, url)}\n`);
}

main().catch((error: unknown) => {
  process.stderr.write(`kam-ledger: failed to start: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
