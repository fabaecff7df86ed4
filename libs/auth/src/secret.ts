import { randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export const SECRET_FILE = 'jwt-secret';

/**
 * The signing secret: `AUTH_JWT_SECRET` when set; otherwise (embedded default, not production) a
 * random secret generated once into the data directory with mode 600. It is never printed.
 */
export function resolveJwtSecret(options: { configured?: string; dataDir: string; production: boolean }): string {
  if (options.configured) return options.configured;
  if (options.production) throw new Error('AUTH_JWT_SECRET is required in production');
  const file = join(options.dataDir, SECRET_FILE);
  if (existsSync(file)) return readFileSync(file, 'utf8').trim();
  mkdirSync(options.dataDir, { recursive: true });
  const secret = randomBytes(48).toString('base64url');
  writeFileSync(file, `${secret}\n`, { mode: 0o600, flag: 'wx' });
  chmodSync(file, 0o600);
  return secret;
}
