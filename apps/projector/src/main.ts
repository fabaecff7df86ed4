import 'reflect-metadata';
import { ConfigError, createEngine, loadConfig, openConfiguredReadStore, openEventStore } from '@kam/api';

/**
 * The projections alone, for scale-out: API instances run with KAM_RUN_PROJECTIONS=0 and one or
 * more projectors run this. With PostgreSQL only the holder of the advisory lock projects; the
 * others stand by and take over when it dies.
 */
async function main(): Promise<void> {
  const config = loadConfig();
  const store = await openEventStore(config);
  const readStore = await openConfiguredReadStore(config);
  const engine = createEngine(config, store, readStore, null);
  await engine.start();
  process.stdout.write(`kam-projector running (${engine.isActive ? 'active' : 'standby'})\n`);

  let stopping = false;
  const stop = async (signal: string): Promise<void> => {
    if (stopping) return;
    stopping = true;
    process.stdout.write(`kam-projector: ${signal}, committing the last batch\n`);
    await engine.stop();
    await readStore.close();
    await store.close();
    process.exit(0);
  };
  process.on('SIGTERM', () => void stop('SIGTERM'));
  process.on('SIGINT', () => void stop('SIGINT'));
}

main().catch((error: unknown) => {
  const message = error instanceof ConfigError ? `invalid configuration: ${error.message}` : error instanceof Error ? error.message : String(error);
  process.stderr.write(`kam-projector: ${message}\n`);
  process.exit(1);
});
