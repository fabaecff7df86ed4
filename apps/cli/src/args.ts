/** Minimal `--name value` / `--flag` parsing for the CLI scripts; unknown options are an error. */
export function parseArgs(argv: string[], known: Record<string, 'string' | 'boolean'>): Record<string, string | boolean> {
  const out: Record<string, string | boolean> = {};
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (!arg.startsWith('--')) throw new Error(`Unexpected argument "${arg}"`);
    const [name, inline] = arg.slice(2).split('=', 2) as [string, string | undefined];
    const kind = known[name];
    if (!kind) throw new Error(`Unknown option --${name} (known: ${Object.keys(known).map((k) => `--${k}`).join(', ')})`);
    if (kind === 'boolean') {
      out[name] = true;
      continue;
    }
    const value = inline ?? argv[++i];
    if (value === undefined || value.startsWith('--')) throw new Error(`Option --${name} needs a value`);
    out[name] = value;
  }
  return out;
}
