import { perRequest } from './per-request';

describe('perRequest', () => {
  it('makes a value once per owner and key, and keeps it off the owner’s enumerable keys', () => {
    const key = Symbol('test');
    const other = Symbol('other');
    const first = {};
    const second = {};
    let made = 0;
    const make = () => ({ n: ++made });

    const a = perRequest(first, key, make);
    expect(perRequest(first, key, make)).toBe(a);
    expect(made).toBe(1);
    expect(perRequest(second, key, make)).not.toBe(a);
    expect(perRequest(first, other, make)).not.toBe(a);
    expect(made).toBe(3);
    expect(Object.keys(first)).toEqual([]);
    expect(JSON.stringify(first)).toBe('{}');
  });

  it('makes a fresh value at every call for an owner that cannot take one', () => {
    const key = Symbol('test');
    const frozen = Object.freeze({});
    let made = 0;
    perRequest(frozen, key, () => ++made);
    perRequest(frozen, key, () => ++made);
    expect(made).toBe(2);
  });
});
