import type { ReadScope } from '@kam/graphql';
import { QueryCache, normalize, periodDependsOnNow, scopeKey } from './query-cache';

const ALL: ReadScope = { kind: 'all' };

function harness(options: { maxBytes?: number; maxEntries?: number } = {}) {
  let version = 'v1';
  let now = 1_000_000;
  const cache = new QueryCache(async () => version, { ...options, nowStepMs: 1000, clock: () => now });
  let computed = 0;
  const compute = (value: unknown) => async () => {
    computed += 1;
    return value;
  };
  return {
    cache,
    compute,
    computed: () => computed,
    setVersion: (v: string) => (version = v),
    advance: (ms: number) => (now += ms),
  };
}

describe('QueryCache', () => {
  it('answers a repeated question at the same version from memory', async () => {
    const h = harness();
    await expect(h.cache.get('q', [1], ALL, h.compute({ n: 1 }))).resolves.toEqual({ n: 1 });
    await expect(h.cache.get('q', [1], ALL, h.compute({ n: 2 }))).resolves.toEqual({ n: 1 });
    expect(h.computed()).toBe(1);
    expect(h.cache.stats()).toMatchObject({ hits: 1, misses: 1, entries: 1 });
  });

  it('never serves an answer of another read-model version', async () => {
    const h = harness();
    await h.cache.get('q', [1], ALL, h.compute('old'));
    h.setVersion('v2');
    await expect(h.cache.get('q', [1], ALL, h.compute('new'))).resolves.toBe('new');
    // A request that still observed the old version neither gets nor replaces the new answer.
    h.setVersion('v1');
    await expect(h.cache.get('q', [1], ALL, h.compute('old again'))).resolves.toBe('old again');
    h.setVersion('v2');
    await expect(h.cache.get('q', [1], ALL, h.compute('newer'))).resolves.toBe('newer');
    expect(h.computed()).toBe(4);
  });

  it('keys by operation, arguments and scope', async () => {
    const h = harness();
    const supervisor: ReadScope = { kind: 'teams', teamIds: ['t1'], trainerId: 's1' };
    const other: ReadScope = { kind: 'teams', teamIds: ['t2'], trainerId: 's1' };
    const rep: ReadScope = { kind: 'rep', repId: 'r1' };
    await h.cache.get('q', [1], ALL, h.compute('all'));
    await expect(h.cache.get('q', [1], supervisor, h.compute('sup'))).resolves.toBe('sup');
    await expect(h.cache.get('q', [1], other, h.compute('other'))).resolves.toBe('other');
    await expect(h.cache.get('q', [1], rep, h.compute('rep'))).resolves.toBe('rep');
    await expect(h.cache.get('q', [2], ALL, h.compute('arg 2'))).resolves.toBe('arg 2');
    await expect(h.cache.get('p', [1], ALL, h.compute('op p'))).resolves.toBe('op p');
    await expect(h.cache.get('q', [1], { kind: 'teams', teamIds: ['t1'], trainerId: 's1' }, h.compute('x'))).resolves.toBe('sup');
    expect(h.computed()).toBe(6);
  });

  it('normalizes object key order but not array order, and tells null from a missing value', () => {
    expect(normalize([{ from: 'a', to: 'b' }])).toBe(normalize([{ to: 'b', from: 'a' }]));
    expect(normalize([['a', 'b']])).not.toBe(normalize([['b', 'a']]));
    expect(normalize([null])).not.toBe(normalize([{}]));
    expect(normalize({ b: { d: 1, c: [{ f: 2, e: undefined }] }, a: new Date(Date.UTC(2026, 6, 1)) })).toBe(
      '{"a":"2026-07-01T00:00:00.000Z","b":{"c":[{"f":2}],"d":1}}',
    );
    expect(normalize(undefined)).toBeUndefined();
    expect(normalize('x')).toBe('"x"');
    expect(scopeKey({ kind: 'teams', teamIds: ['b', 'a'], trainerId: 's' })).toBe(scopeKey({ kind: 'teams', teamIds: ['a', 'b'], trainerId: 's' }));
    expect(scopeKey({ kind: 'teams', teamIds: ['a'], trainerId: 's' })).not.toBe(scopeKey({ kind: 'teams', teamIds: ['a'], trainerId: 't' }));
    expect(scopeKey({ kind: 'rep', repId: 'all' })).not.toBe(scopeKey(ALL));
  });

  it('keeps an answer that depends on the clock for at most one clock step', async () => {
    const h = harness();
    await h.cache.get('now', [], ALL, h.compute('t0'), { dependsOnNow: true });
    await expect(h.cache.get('now', [], ALL, h.compute('t0+'), { dependsOnNow: true })).resolves.toBe('t0');
    h.advance(1000);
    await expect(h.cache.get('now', [], ALL, h.compute('t1'), { dependsOnNow: true })).resolves.toBe('t1');
  });

  it('shares one computation between concurrent identical requests, and keeps no error', async () => {
    const h = harness();
    let release!: (v: string) => void;
    let calls = 0;
    const slow = () => {
      calls += 1;
      return new Promise<string>((r) => (release = r));
    };
    const a = h.cache.get('q', [], ALL, slow);
    const b = h.cache.get('q', [], ALL, slow);
    await new Promise((r) => setImmediate(r));
    release('done');
    await expect(Promise.all([a, b])).resolves.toEqual(['done', 'done']);
    expect(calls).toBe(1);

    const failing = async () => {
      throw new Error('boom');
    };
    await expect(h.cache.get('e', [], ALL, failing)).rejects.toThrow('boom');
    await expect(h.cache.get('e', [], ALL, h.compute('ok'))).resolves.toBe('ok');
  });

  it('freezes what it keeps, so no request can change another one\'s answer', async () => {
    const h = harness();
    const value = await h.cache.get('q', [], ALL, h.compute({ list: [{ a: 1 }] }));
    expect(Object.isFrozen(value)).toBe(true);
    expect(() => {
      'use strict';
      (value as { list: Array<{ a: number }> }).list[0]!.a = 2;
    }).toThrow(TypeError);
  });

  it('stays within its memory bound, least recently used first', async () => {
    const h = harness({ maxBytes: 4000 });
    const big = 'x'.repeat(400); // ~ 870 estimated bytes each
    for (let i = 0; i < 4; i++) await h.cache.get('q', [i], ALL, h.compute(big));
    await h.cache.get('q', [0], ALL, h.compute('recomputed')); // touch 0: now most recent
    for (let i = 4; i < 8; i++) await h.cache.get('q', [i], ALL, h.compute(big));
    await new Promise((r) => setImmediate(r));
    expect(h.cache.stats().bytes).toBeLessThanOrEqual(4000);
    await expect(h.cache.get('q', [1], ALL, h.compute('gone'))).resolves.toBe('gone');
    // An answer larger than a quarter of the bound is not kept at all.
    await h.cache.get('huge', [], ALL, h.compute('y'.repeat(1000)));
    await expect(h.cache.get('huge', [], ALL, h.compute('again'))).resolves.toBe('again');
  });

  it('shares one version read among requests that came before it ran, never one that started earlier', async () => {
    const reads: Array<(v: string) => void> = [];
    const cache = new QueryCache(() => new Promise<string>((resolve) => reads.push(resolve)));
    const a = cache.observeVersion();
    const b = cache.observeVersion();
    await new Promise((r) => setImmediate(r));
    expect(reads).toHaveLength(1);
    // The read is under way: a request arriving now must not take its (possibly older) result.
    const c = cache.observeVersion();
    await new Promise((r) => setImmediate(r));
    expect(reads).toHaveLength(2);
    reads[0]!('v1');
    reads[1]!('v2');
    await expect(Promise.all([a, b, c])).resolves.toEqual(['v1', 'v1', 'v2']);
  });

  it('bounds the number of answers', async () => {
    const h = harness({ maxEntries: 3 });
    for (let i = 0; i < 5; i++) await h.cache.get('q', [i], ALL, h.compute(i));
    expect(h.cache.stats().entries).toBe(3);
    await expect(h.cache.get('q', [0], ALL, h.compute('recomputed'))).resolves.toBe('recomputed');
  });
});

describe('periodDependsOnNow', () => {
  const day = 86_400_000;
  const end = Date.parse('2026-09-30T00:00:00Z') + day;
  it('is true until the period has ended, false after', () => {
    expect(periodDependsOnNow({ to: '2026-09-30' }, end - 1)).toBe(true);
    expect(periodDependsOnNow({ to: '2026-09-30' }, end)).toBe(false);
    expect(periodDependsOnNow({ to: 'garbage' }, end)).toBe(true);
  });
});
