import 'reflect-metadata';
import { ConfigError } from '@kam/api';
import { tokenCommand } from './token.command';
import { seedCommand } from './seed/seed.command';
import { rebuildCommand } from './rebuild.command';
import { benchCommand } from './bench/bench.command';

const COMMANDS: Record<string, (argv: string[]) => Promise<void>> = {
  token: tokenCommand,
  seed: seedCommand,
  rebuild: rebuildCommand,
  bench: benchCommand,
};

async function main(): Promise<void> {
  const [name, ...argv] = process.argv.slice(2);
  const command = name ? COMMANDS[name] : undefined;
  if (!command) {
    process.stderr.write(`usage: kam <${Object.keys(COMMANDS).join('|')}> [options]\n`);
    process.exit(2);
  }
  await command(argv);
}

main().catch((error: unknown) => {
  const message = error instanceof ConfigError ? `invalid configuration: ${error.message}` : error instanceof Error ? error.message : String(error);
  process.stderr.write(`kam: ${message}\n`);
  process.exit(1);
});
