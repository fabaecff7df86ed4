import { ROLES, type Role } from '@kam/kernel';
import { mintToken, parseTtl, resolveJwtSecret } from '@kam/auth';
import { loadConfig } from '@kam/api';
import { parseArgs } from './args';

/** `npm run token -- --role ROLE --sub ID [--ttl 1h]`: mints a token with the configured secret. */
export async function tokenCommand(argv: string[]): Promise<void> {
  const args = parseArgs(argv, { role: 'string', sub: 'string', ttl: 'string' });
  const role = String(args.role ?? '');
  if (!(ROLES as readonly string[]).includes(role)) throw new Error(`--role must be one of ${ROLES.join(', ')}`);
  const sub = String(args.sub ?? '');
  if (!sub) throw new Error('--sub is required (ADMIN/BI any id; SUPERVISOR the supervisorId of their teams; REP the rep id)');
  const ttl = parseTtl(String(args.ttl ?? '1h'));
  const config = loadConfig();
  const secret = resolveJwtSecret({ configured: config.jwtSecret, dataDir: config.dataDir, production: config.production });
  process.stdout.write(`${await mintToken({ sub, role: role as Role }, secret, ttl)}\n`);
}
