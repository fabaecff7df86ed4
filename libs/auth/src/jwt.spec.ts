import { SignJWT } from 'jose';
import { bearerToken, mintToken, parseTtl, verifyToken } from './jwt';

const SECRET = 'a-test-secret-that-is-at-least-32-bytes-long';

async function sign(payload: Record<string, unknown>, secret = SECRET, alg = 'HS256'): Promise<string> {
  return new SignJWT(payload).setProtectedHeader({ alg }).sign(new TextEncoder().encode(secret));
}

describe('verifyToken', () => {
  it('accepts a minted token and returns sub and role', async () => {
    const token = await mintToken({ sub: 'kam-1', role: 'SUPERVISOR' }, SECRET, 60);
    await expect(verifyToken(token, SECRET)).resolves.toEqual({ sub: 'kam-1', role: 'SUPERVISOR' });
  });

  it.each([
    ['a wrong signature', () => mintToken({ sub: 'x', role: 'ADMIN' }, 'another-secret-that-is-32-bytes-long!!')],
    ['an expired token', () => sign({ sub: 'x', role: 'ADMIN', exp: Math.floor(Date.now() / 1000) - 3600 })],
    ['a token not yet valid', () => sign({ sub: 'x', role: 'ADMIN', nbf: Math.floor(Date.now() / 1000) + 3600 })],
    ['a missing sub', () => sign({ role: 'ADMIN' })],
    ['an unknown role', () => sign({ sub: 'x', role: 'ROOT' })],
    ['a missing role', () => sign({ sub: 'x' })],
    ['garbage', async () => 'not.a.jwt'],
  ])('refuses %s as UNAUTHENTICATED', async (_name, make) => {
    const token = await make();
    await expect(verifyToken(token, SECRET)).rejects.toMatchObject({ code: 'UNAUTHENTICATED' });
  });

  it('keeps the key of each secret apart (keys are imported once per secret)', async () => {
    const other = 'another-secret-that-is-32-bytes-long!!';
    const mine = await mintToken({ sub: 'a', role: 'ADMIN' }, SECRET, 60);
    const theirs = await mintToken({ sub: 'b', role: 'REP' }, other, 60);
    for (let round = 0; round < 2; round++) {
      await expect(verifyToken(mine, SECRET)).resolves.toEqual({ sub: 'a', role: 'ADMIN' });
      await expect(verifyToken(theirs, other)).resolves.toEqual({ sub: 'b', role: 'REP' });
      await expect(verifyToken(mine, other)).rejects.toMatchObject({ code: 'UNAUTHENTICATED' });
      await expect(verifyToken(theirs, SECRET)).rejects.toMatchObject({ code: 'UNAUTHENTICATED' });
    }
  });

  it('refuses a token that expired after it was first accepted (verified tokens are remembered, their time claims are not)', async () => {
    const start = Date.now();
    jest.useFakeTimers({ now: start, doNotFake: ['nextTick', 'setImmediate', 'queueMicrotask'] });
    try {
      const token = await mintToken({ sub: 'late', role: 'ADMIN' }, SECRET, 60);
      await expect(verifyToken(token, SECRET)).resolves.toEqual({ sub: 'late', role: 'ADMIN' });
      jest.setSystemTime(start + 80_000); // exp + 20 s: within the 30 s leeway
      await expect(verifyToken(token, SECRET)).resolves.toEqual({ sub: 'late', role: 'ADMIN' });
      jest.setSystemTime(start + 95_000); // exp + 35 s
      await expect(verifyToken(token, SECRET)).rejects.toMatchObject({ code: 'UNAUTHENTICATED', message: 'Token expired' });
    } finally {
      jest.useRealTimers();
    }
  });

  it('refuses a remembered token with its signature changed', async () => {
    const token = await mintToken({ sub: 'x', role: 'REP' }, SECRET, 60);
    await expect(verifyToken(token, SECRET)).resolves.toEqual({ sub: 'x', role: 'REP' });
    const [header, payload, signature] = token.split('.') as [string, string, string];
    const flipped = `${signature.slice(0, -2)}${signature.endsWith('AA') ? 'BA' : 'AA'}`;
    await expect(verifyToken(`${header}.${payload}.${flipped}`, SECRET)).rejects.toMatchObject({ code: 'UNAUTHENTICATED' });
    const forged = Buffer.from(JSON.stringify({ sub: 'x', role: 'ADMIN' })).toString('base64url');
    await expect(verifyToken(`${header}.${forged}.${signature}`, SECRET)).rejects.toMatchObject({ code: 'UNAUTHENTICATED' });
  });

  it('refuses alg none', async () => {
    const header = Buffer.from(JSON.stringify({ alg: 'none', typ: 'JWT' })).toString('base64url');
    const body = Buffer.from(JSON.stringify({ sub: 'x', role: 'ADMIN' })).toString('base64url');
    await expect(verifyToken(`${header}.${body}.`, SECRET)).rejects.toMatchObject({ code: 'UNAUTHENTICATED' });
  });
});

describe('bearerToken', () => {
  it('reads the token from the header', () => {
    expect(bearerToken('Bearer abc.def.ghi')).toBe('abc.def.ghi');
    expect(bearerToken(undefined)).toBeUndefined();
  });
  it('refuses another scheme', () => {
    expect(() => bearerToken('Basic dXNlcjpwYXNz')).toThrow(/Bearer/);
  });
});

describe('parseTtl', () => {
  it('parses units', () => {
    expect(parseTtl('90s')).toBe(90);
    expect(parseTtl('1h')).toBe(3600);
    expect(parseTtl('7d')).toBe(604800);
    expect(() => parseTtl('soon')).toThrow(/TTL/);
  });
});
