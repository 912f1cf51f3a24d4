import { describe, expect, it } from 'vitest';
import { ID_PATTERN, newId } from '../../src/store/ids.js';

describe('newId', () => {
  it('is prefix_ plus 26 Crockford base32 characters', () => {
    for (const prefix of ['req', 'dlv', 'key']) {
      const id = newId(prefix);
      expect(id).toMatch(new RegExp(`^${prefix}_[0-9a-hjkmnp-tv-z]{26}$`));
      expect(id).toMatch(ID_PATTERN);
      expect(id.slice(prefix.length + 1)).not.toMatch(/[ilou]/);
    }
  });

  it('encodes the time in the first 10 characters', () => {
    expect(newId('req', 0).slice(4, 14)).toBe('0000000000');
    expect(newId('req', 1).slice(4, 14)).toBe('0000000001');
    expect(newId('req', 32).slice(4, 14)).toBe('0000000010');
    expect(newId('req', 2 ** 48 - 1).slice(4, 14)).toBe('7zzzzzzzzz');
    const now = Date.now();
    expect(newId('req', now).slice(4, 14)).toBe(newId('req', now).slice(4, 14));
  });

  it('is unique: 80 random bits follow the time', () => {
    const now = Date.now();
    const ids = new Set(Array.from({ length: 5000 }, () => newId('req', now)));
    expect(ids.size).toBe(5000);
    const tails = [...ids].map((i) => i.slice(14));
    // every character position of the random tail varies
    for (let p = 0; p < 16; p++) expect(new Set(tails.map((t) => t[p])).size).toBeGreaterThan(1);
  });

  it('sorts by creation time', () => {
    const start = Date.UTC(2024, 0, 1);
    const times = [0, 1, 2, 31, 32, 33, 1000, 60_000, 86_400_000, 365 * 86_400_000, 10 * 365 * 86_400_000];
    const ids = times.map((dt) => newId('req', start + dt));
    expect([...ids].sort()).toEqual(ids);
    const shuffled = [...ids].reverse();
    expect(shuffled.sort()).toEqual(ids);
  });

  it('sorts ids made one after another in real time', async () => {
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) {
      ids.push(newId('req'));
      await new Promise((r) => setTimeout(r, 3));
    }
    expect([...ids].sort()).toEqual(ids);
  });
});

describe('ID_PATTERN', () => {
  it('refuses ids with letters outside the alphabet or of the wrong length', () => {
    expect(ID_PATTERN.test('req_0000000000000000000000000')).toBe(false);
    expect(ID_PATTERN.test('req_000000000000000000000000000')).toBe(false);
    expect(ID_PATTERN.test('req_0000000000000000000000000u')).toBe(false);
    expect(ID_PATTERN.test('req_0000000000000000000000000I')).toBe(false);
    expect(ID_PATTERN.test('REQ_00000000000000000000000000')).toBe(false);
    expect(ID_PATTERN.test('req_00000000000000000000000000')).toBe(true);
  });
});
