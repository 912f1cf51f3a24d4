import { describe, expect, it } from 'vitest';
import { newId } from '../../src/store/ids.js';
import { createTokens } from '../../src/tokens.js';

const tokens = createTokens('a-long-random-token-secret-for-tests');
const id = newId('req');

/** Changes one character of the MAC (the part after the last dot). */
function tamperMac(token: string, at = 5): string {
  const cut = token.lastIndexOf('.') + 1 + at;
  const c = token[cut]!;
  return token.slice(0, cut) + (c === 'A' ? 'B' : 'A') + token.slice(cut + 1);
}

describe('createTokens', () => {
  it('issues a web token that verifies back to its request', () => {
    const token = tokens.issue(id, 'web');
    expect(token).toMatch(new RegExp(`^${id}\\.w\\.[A-Za-z0-9_-]{32}$`));
    expect(tokens.verify(token)).toEqual({ requestId: id, recipient: 'web' });
  });

  it('issues per-recipient tokens that verify to their recipient index', () => {
    for (const i of [0, 1, 7, 42, 999]) {
      const token = tokens.issue(id, i);
      expect(token.startsWith(`${id}.${i}.`)).toBe(true);
      expect(tokens.verify(token)).toEqual({ requestId: id, recipient: i });
    }
  });

  it('is deterministic and differs per request and per recipient', () => {
    expect(tokens.issue(id, 'web')).toBe(tokens.issue(id, 'web'));
    const macs = new Set([tokens.issue(id, 'web'), tokens.issue(id, 0), tokens.issue(id, 1), tokens.issue(newId('req'), 'web')].map((t) => t.split('.')[2]));
    expect(macs.size).toBe(4);
  });

  it('refuses a token whose MAC was changed', () => {
    const token = tokens.issue(id, 'web');
    for (const at of [0, 5, 31]) expect(tokens.verify(tamperMac(token, at))).toBeUndefined();
  });

  it('refuses a valid MAC moved to another request or recipient', () => {
    const mac = tokens.issue(id, 'web').split('.')[2];
    expect(tokens.verify(`${newId('req')}.w.${mac}`)).toBeUndefined();
    expect(tokens.verify(`${id}.0.${mac}`)).toBeUndefined();
    const mac0 = tokens.issue(id, 0).split('.')[2];
    expect(tokens.verify(`${id}.1.${mac0}`)).toBeUndefined();
    expect(tokens.verify(`${id}.w.${mac0}`)).toBeUndefined();
  });

  it('refuses tokens made with another secret', () => {
    const other = createTokens('another-secret');
    const token = other.issue(id, 'web');
    expect(other.verify(token)).toEqual({ requestId: id, recipient: 'web' });
    expect(tokens.verify(token)).toBeUndefined();
    expect(other.verify(tokens.issue(id, 'web'))).toBeUndefined();
  });

  it.each([
    ['empty', ''],
    ['garbage', 'not-a-token'],
    ['no MAC', () => `${id}.w`],
    ['an empty MAC', () => `${id}.w.`],
    ['a short MAC', () => tokens.issue(id, 'web').slice(0, -1)],
    ['a long MAC', () => `${tokens.issue(id, 'web')}A`],
    ['a bad recipient', () => tokens.issue(id, 'web').replace('.w.', '.x.')],
    ['a four-digit recipient', () => tokens.issue(id, 'web').replace('.w.', '.1000.')],
    ['a negative recipient', () => tokens.issue(id, 'web').replace('.w.', '.-1.')],
    ['a bad request id', () => tokens.issue(id, 'web').replace(id, 'req_short')],
    ['an uppercase request id', () => tokens.issue(id, 'web').replace(id, id.toUpperCase())],
    ['trailing whitespace', () => `${tokens.issue(id, 'web')} `],
    ['a non-ASCII MAC', () => tokens.issue(id, 'web').slice(0, -1) + 'é'],
    ['extra segments', () => `${tokens.issue(id, 'web')}.w`],
  ])('refuses a malformed token: %s', (_what, make) => {
    const token = typeof make === 'function' ? make() : make;
    expect(() => tokens.verify(token)).not.toThrow();
    expect(tokens.verify(token)).toBeUndefined();
  });
});
