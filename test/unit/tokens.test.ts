import { afterEach, describe, expect, it, vi } from 'vitest';
import { newId } from '../../src/store/ids.js';
import { createTokens, FORM_TOKEN_MAX_AGE_S } from '../../src/tokens.js';

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

  it('issues compact tokens: lowercase, at most 51 characters, verifying in any case to the same capability', () => {
    for (const r of [0, 7, 999, 'web'] as const) {
      const token = tokens.compact(id, r);
      expect(token).toMatch(/^[0-9a-z-]{1,51}$/);
      expect(tokens.verify(token)).toEqual({ requestId: id, recipient: r });
      expect(tokens.verify(token.toUpperCase())).toEqual({ requestId: id, recipient: r });
    }
    expect(`approvals+${tokens.compact(id, 999)}`.length).toBeLessThanOrEqual(64);
  });

  it('refuses a compact token whose MAC, request or recipient was changed, or made with another secret', () => {
    const token = tokens.compact(id, 1);
    const [ulid, , mac] = token.split('-');
    const flip = (c: string) => (c === 'a' ? 'b' : 'a');
    for (const at of [0, 10, 19]) expect(tokens.verify(`${ulid}-1-${mac!.slice(0, at)}${flip(mac![at]!)}${mac!.slice(at + 1)}`)).toBeUndefined();
    expect(tokens.verify(`${ulid}-2-${mac}`)).toBeUndefined();
    expect(tokens.verify(`${newId('req').slice(4)}-1-${mac}`)).toBeUndefined();
    expect(createTokens('another-secret').verify(token)).toBeUndefined();
    // A full token's MAC does not make a compact one, and the reverse.
    expect(tokens.verify(`${ulid}-1-${tokens.issue(id, 1).split('.')[2]!.slice(0, 20).toLowerCase()}`)).toBeUndefined();
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

describe('form tokens', () => {
  afterEach(() => {
    vi.useRealTimers();
  });
  const page = tokens.issue(id, 'web');

  it('verify for the capability token they were issued for', () => {
    const form = tokens.formToken(page);
    expect(form).toMatch(/^[0-9a-z]+\.[A-Za-z0-9_-]{32}$/);
    expect(tokens.verifyFormToken(page, form)).toBe(true);
  });

  it('do not verify for another link, another secret, or as a capability token', () => {
    const form = tokens.formToken(page);
    expect(tokens.verifyFormToken(tokens.issue(id, 0), form)).toBe(false);
    expect(tokens.verifyFormToken(tokens.issue(newId('req'), 'web'), form)).toBe(false);
    expect(createTokens('another-secret').verifyFormToken(page, form)).toBe(false);
    // A form token's MAC is not a capability MAC for the same payload, nor the other way round.
    const [requestId, recipient] = page.split('.');
    expect(tokens.verify(`${requestId}.${recipient}.${form.split('.')[1]}`)).toBeUndefined();
  });

  it.each([
    ['empty', ''],
    ['garbage', 'not-a-token'],
    ['a changed MAC', () => { const f = tokens.formToken(page); return f.slice(0, -1) + (f.endsWith('A') ? 'B' : 'A'); }],
    ['a changed time', () => { const [at, mac] = tokens.formToken(page).split('.'); return `${(parseInt(at!, 36) + 1).toString(36)}.${mac}`; }],
    ['the capability token itself', () => page],
    ['extra segments', () => `${tokens.formToken(page)}.x`],
  ])('refuse %s', (_what, make) => {
    const form = typeof make === 'function' ? make() : make;
    expect(tokens.verifyFormToken(page, form)).toBe(false);
  });

  it('expire after a day, and tolerate a few minutes of clock difference', () => {
    vi.useFakeTimers();
    const start = Date.parse('2030-01-01T00:00:00Z');
    vi.setSystemTime(start);
    const form = tokens.formToken(page);
    vi.setSystemTime(start + FORM_TOKEN_MAX_AGE_S * 1000 - 1000);
    expect(tokens.verifyFormToken(page, form)).toBe(true);
    vi.setSystemTime(start + FORM_TOKEN_MAX_AGE_S * 1000 + 1000);
    expect(tokens.verifyFormToken(page, form)).toBe(false);
    vi.setSystemTime(start - 60_000); // issued by a process whose clock is a minute ahead
    expect(tokens.verifyFormToken(page, form)).toBe(true);
    vi.setSystemTime(start - 3_600_000);
    expect(tokens.verifyFormToken(page, form)).toBe(false);
  });
});
