import { deterministicId, eventIdFor, isUuid, newId } from './ids';

describe('newId', () => {
  afterEach(() => jest.restoreAllMocks());

  it('makes RFC 9562 version 7 UUIDs that isUuid accepts', () => {
    const id = newId();
    expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(isUuid(id)).toBe(true);
  });

  it('carries the time it was made in its first 48 bits', () => {
    const before = Date.now();
    const id = newId();
    const after = Date.now();
    const ms = parseInt(id.replace(/-/g, '').slice(0, 12), 16);
    expect(ms).toBeGreaterThanOrEqual(before);
    // Within one millisecond the sequence may have moved on to the next one.
    expect(ms).toBeLessThanOrEqual(after + 1);
  });

  it('sorts in the order the ids were made, as text, also many within one millisecond', () => {
    const ids = Array.from({ length: 20_000 }, () => newId());
    expect(new Set(ids).size).toBe(ids.length);
    expect([...ids].sort()).toEqual(ids);
  });

  it('keeps the order when the clock steps back or stands still', () => {
    const first = newId();
    const frozen = parseInt(first.replace(/-/g, '').slice(0, 12), 16) - 5_000;
    jest.spyOn(Date, 'now').mockReturnValue(frozen);
    const later = Array.from({ length: 5_000 }, () => newId());
    expect([first, ...later].sort()).toEqual([first, ...later]);
    expect(new Set(later).size).toBe(later.length);
  });

  it('has 62 random bits: ids made in the same millisecond differ beyond the sequence', () => {
    jest.spyOn(Date, 'now').mockReturnValue(Date.UTC(2030, 0, 1));
    const tails = new Set(Array.from({ length: 1_000 }, () => newId().slice(19)));
    expect(tails.size).toBe(1_000);
  });
});

describe('deterministicId', () => {
  it('is a version 5 UUID that depends only on its name', () => {
    expect(deterministicId('a')).toBe(deterministicId('a'));
    expect(deterministicId('a')).not.toBe(deterministicId('b'));
    expect(deterministicId('a')).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(eventIdFor('command-1', 0)).toBe(deterministicId('event:command-1:0'));
  });
});
