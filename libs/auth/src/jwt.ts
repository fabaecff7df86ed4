import { webcrypto } from 'node:crypto';
import { SignJWT, errors as joseErrors, jwtVerify } from 'jose';
import { ROLES, UnauthenticatedError, type Role } from '@kam/kernel';

export interface TokenClaims {
  sub: string;
  role: Role;
}

const ALGORITHM = 'HS256';

/** Imported HMAC keys, per secret (there is one in practice; the bound keeps a test run with many small). */
const keys = new Map<string, Promise<webcrypto.CryptoKey>>();
const MAX_KEYS = 16;

/**
 * The HMAC key of a secret, imported once: jose imports a raw secret through WebCrypto on every
 * call otherwise (~5 % of the API's CPU under load, docs/benchmarks.md).
 */
function key(secret: string): Promise<webcrypto.CryptoKey> {
  let imported = keys.get(secret);
  if (imported === undefined) {
    if (keys.size >= MAX_KEYS) keys.clear();
    imported = webcrypto.subtle.importKey('raw', new TextEncoder().encode(secret), { name: 'HMAC', hash: 'SHA-256' }, false, [
      'sign',
      'verify',
    ]);
    // A failed import is not kept: the next call tries again.
    imported.catch(() => keys.delete(secret));
    keys.set(secret, imported);
  }
  return imported;
}

const CLOCK_TOLERANCE_S = 30;

interface Verified {
  claims: TokenClaims;
  nbf: number | undefined;
  exp: number | undefined;
}

/**
 * Tokens whose signature and claims were verified, per secret: a client sends the same token on
 * every request, and checking an HMAC through WebCrypto was ~10 % of the API's CPU under load.
 * Only the time claims can change their verdict; they are checked again on every use, exactly as
 * jose checks them, and a token that fails them is verified from scratch (the error is jose's).
 */
const verifiedTokens = new Map<string, Map<string, Verified>>();
const MAX_VERIFIED_TOKENS = 1000;

function numericDate(value: unknown): number | undefined {
  return typeof value === 'number' && Number.isFinite(value) ? value : undefined;
}

function stillValid(entry: Verified): boolean {
  const now = Math.floor(Date.now() / 1000);
  if (entry.nbf !== undefined && entry.nbf > now + CLOCK_TOLERANCE_S) return false;
  if (entry.exp !== undefined && entry.exp <= now - CLOCK_TOLERANCE_S) return false;
  return true;
}

/**
 * Verifies a bearer token: HS256 signature, `exp` and `nbf` when present (30 s leeway), and the
 * `sub` and `role` claims. Any failure is UNAUTHENTICATED with a reason that never echoes the token.
 */
export async function verifyToken(token: string, secret: string): Promise<TokenClaims> {
  let known = verifiedTokens.get(secret);
  const cached = known?.get(token);
  if (cached !== undefined && stillValid(cached)) return { ...cached.claims };
  const verified = await verifyFully(token, secret);
  if (!known) {
    if (verifiedTokens.size >= MAX_KEYS) verifiedTokens.clear();
    known = new Map();
    verifiedTokens.set(secret, known);
  }
  if (known.size >= MAX_VERIFIED_TOKENS) known.clear();
  known.set(token, verified);
  return { ...verified.claims };
}

async function verifyFully(token: string, secret: string): Promise<Verified> {
  let payload;
  try {
    ({ payload } = await jwtVerify(token, await key(secret), { algorithms: [ALGORITHM], clockTolerance: CLOCK_TOLERANCE_S }));
  } catch (error) {
    if (error instanceof joseErrors.JWTExpired) throw new UnauthenticatedError('Token expired');
    if (error instanceof joseErrors.JWTClaimValidationFailed) throw new UnauthenticatedError(`Token not valid: ${error.claim}`);
    throw new UnauthenticatedError('Invalid token');
  }
  const { sub, role } = payload as { sub?: unknown; role?: unknown };
  if (typeof sub !== 'string' || sub.length === 0 || sub.length > 200) throw new UnauthenticatedError('Token has no valid sub');
  if (typeof role !== 'string' || !(ROLES as readonly string[]).includes(role)) {
    throw new UnauthenticatedError('Token has no valid role');
  }
  return { claims: { sub, role: role as Role }, nbf: numericDate(payload.nbf), exp: numericDate(payload.exp) };
}

/** Parses `Authorization: Bearer <token>`; undefined when the header is absent. */
export function bearerToken(header: string | string[] | undefined): string | undefined {
  const value = Array.isArray(header) ? header[0] : header;
  if (value === undefined) return undefined;
  const match = /^Bearer\s+(\S+)$/i.exec(value.trim());
  if (!match) throw new UnauthenticatedError('Authorization header must be "Bearer <token>"');
  return match[1];
}

const TTL_PATTERN = /^(\d+)([smhd])$/;

/** Parses a TTL such as 30m, 1h, 7d into seconds. */
export function parseTtl(ttl: string): number {
  const match = TTL_PATTERN.exec(ttl);
  if (!match) throw new Error(`TTL must look like 30m, 1h or 7d, got "${ttl}"`);
  const unit = { s: 1, m: 60, h: 3600, d: 86400 }[match[2] as 's' | 'm' | 'h' | 'd'];
  return Number(match[1]) * unit;
}

export async function mintToken(claims: TokenClaims, secret: string, ttlSeconds = 3600): Promise<string> {
  const now = Math.floor(Date.now() / 1000);
  return new SignJWT({ role: claims.role })
    .setProtectedHeader({ alg: ALGORITHM, typ: 'JWT' })
    .setSubject(claims.sub)
    .setIssuedAt(now)
    .setNotBefore(now - 1)
    .setExpirationTime(now + ttlSeconds)
    .sign(await key(secret));
}
