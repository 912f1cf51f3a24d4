import { describe, it, expect } from 'vitest';
import { Webhook } from 'standardwebhooks';
import {
  CALLBACK_SCHEDULE_MS,
  checkCallbackUrl,
  generateWebhookSecret,
  parseRetryAfter,
  parseWebhookSecret,
  webhookSecretWarning,
  retryDelayMs,
  signWebhook,
} from '../../src/webhooks.js';
import { isPrivateAddress } from '../../src/net/private-address.js';

const SECOND = 1000;
const HOUR = 3600 * SECOND;

describe('webhook secrets', () => {
  it('generates whsec_ secrets of 32 random bytes that parse back', () => {
    const secret = generateWebhookSecret();
    expect(secret).toMatch(/^whsec_[A-Za-z0-9+/]{43}=$/);
    expect(parseWebhookSecret(secret)).toHaveLength(32);
    expect(generateWebhookSecret()).not.toBe(secret);
  });

  it('accepts a secret without the whsec_ prefix and a short one, warning about the short one', () => {
    expect(parseWebhookSecret(Buffer.alloc(32, 1).toString('base64'))).toEqual(Buffer.alloc(32, 1));
    const short = 'whsec_' + Buffer.alloc(8, 7).toString('base64');
    expect(parseWebhookSecret(short)).toHaveLength(8);
    expect(webhookSecretWarning(short)).toMatch(/8 bytes; Standard Webhooks asks for at least 24/);
    expect(webhookSecretWarning(generateWebhookSecret())).toBeUndefined();
  });

  it.each([
    ['empty', ''],
    ['prefix only', 'whsec_'],
    ['not base64', 'whsec_not*base64!not*base64!not*base64!xxxx'],
    ['base64url', 'whsec_' + Buffer.alloc(32, 0xfb).toString('base64url')],
  ])('rejects %s without echoing the secret', (_label, secret) => {
    let message = '';
    try {
      parseWebhookSecret(secret);
    } catch (err) {
      message = (err as Error).message;
    }
    expect(message).toMatch(/webhook secret/);
    if (secret.length > 6) expect(message).not.toContain(secret.replace(/^whsec_/, ''));
  });
});

describe('signWebhook', () => {
  const secret = generateWebhookSecret();
  const id = 'evt_01J0000000000000000000000';
  const body = JSON.stringify({ type: 'request.resolved', timestamp: '2025-01-01T00:00:00Z', data: { id: 'req_1' } });

  function headers(timestamp: number, signature: string) {
    return { 'webhook-id': id, 'webhook-timestamp': String(timestamp), 'webhook-signature': signature };
  }

  it('is verified by the standardwebhooks library', () => {
    const ts = Math.floor(Date.now() / 1000);
    const signature = signWebhook(secret, id, ts, body);
    expect(signature).toMatch(/^v1,[A-Za-z0-9+/]+=*$/);
    expect(new Webhook(secret).verify(body, headers(ts, signature))).toEqual(JSON.parse(body));
  });

  it('matches the library signature byte for byte', () => {
    const ts = 1_700_000_000;
    expect(signWebhook(secret, id, ts, body)).toBe(new Webhook(secret).sign(id, new Date(ts * 1000), body));
  });

  it('fails verification for a tampered body, id or another secret', () => {
    const ts = Math.floor(Date.now() / 1000);
    const signature = signWebhook(secret, id, ts, body);
    const wh = new Webhook(secret);
    expect(() => wh.verify(body.replace('req_1', 'req_2'), headers(ts, signature))).toThrow();
    expect(() => wh.verify(body, { ...headers(ts, signature), 'webhook-id': 'evt_other' })).toThrow();
    expect(() => new Webhook(generateWebhookSecret()).verify(body, headers(ts, signature))).toThrow();
  });
});

describe('retryDelayMs', () => {
  it('follows the Standard Webhooks schedule of 10 attempts', () => {
    expect(CALLBACK_SCHEDULE_MS).toEqual([
      0,
      5 * SECOND,
      5 * 60 * SECOND,
      30 * 60 * SECOND,
      2 * HOUR,
      5 * HOUR,
      10 * HOUR,
      14 * HOUR,
      20 * HOUR,
      24 * HOUR,
    ]);
    const noJitter = () => 0.5;
    expect(CALLBACK_SCHEDULE_MS.map((_, i) => retryDelayMs(i, CALLBACK_SCHEDULE_MS, noJitter))).toEqual(
      CALLBACK_SCHEDULE_MS,
    );
  });

  it('applies at most ±10 % jitter and never goes below 0', () => {
    expect(retryDelayMs(1, CALLBACK_SCHEDULE_MS, () => 0)).toBe(4500);
    expect(retryDelayMs(1, CALLBACK_SCHEDULE_MS, () => 0.999999)).toBeCloseTo(5500, -1);
    expect(retryDelayMs(0, CALLBACK_SCHEDULE_MS, () => 0)).toBe(0);
    for (let i = 0; i < 200; i++) {
      const d = retryDelayMs(4)!;
      expect(d).toBeGreaterThanOrEqual(0.9 * 2 * HOUR);
      expect(d).toBeLessThanOrEqual(1.1 * 2 * HOUR);
    }
  });

  it('returns undefined once the schedule is exhausted', () => {
    expect(retryDelayMs(9)).toBeDefined();
    expect(retryDelayMs(10)).toBeUndefined();
    expect(retryDelayMs(2, [0, 1000])).toBeUndefined();
    expect(() => retryDelayMs(-1)).toThrow(RangeError);
  });
});

describe('parseRetryAfter', () => {
  const now = Date.parse('2025-06-01T12:00:00Z');

  it('reads delta-seconds', () => {
    expect(parseRetryAfter('7', now)).toBe(7000);
    expect(parseRetryAfter(' 0 ', now)).toBe(0);
  });

  it('reads HTTP-dates relative to now', () => {
    expect(parseRetryAfter('Sun, 01 Jun 2025 12:00:30 GMT', now)).toBe(30_000);
    expect(parseRetryAfter('Sun, 01 Jun 2025 11:00:00 GMT', now)).toBe(0);
  });

  it('caps at 24 h', () => {
    expect(parseRetryAfter('999999999', now)).toBe(24 * HOUR);
    expect(parseRetryAfter('Wed, 01 Jan 2031 00:00:00 GMT', now)).toBe(24 * HOUR);
  });

  it.each([undefined, '', 'soon', '-5', '1.5', '2025-06-01'])('ignores %j', (value) => {
    expect(parseRetryAfter(value, now)).toBeUndefined();
  });
});

describe('isPrivateAddress', () => {
  it.each([
    ['127.0.0.1', true],
    ['127.255.255.254', true],
    ['10.1.2.3', true],
    ['172.16.0.1', true],
    ['172.31.255.255', true],
    ['172.32.0.1', false],
    ['192.168.1.1', true],
    ['192.169.0.1', false],
    ['169.254.169.254', true],
    ['100.64.0.1', true],
    ['100.127.255.255', true],
    ['100.128.0.1', false],
    ['0.0.0.0', true],
    ['8.8.8.8', false],
    ['1.1.1.1', false],
    ['::1', true],
    ['::', true],
    ['fe80::1', true],
    ['fe80::1%eth0', true],
    ['fc00::1', true],
    ['fd12:3456::1', true],
    ['2001:4860:4860::8888', false],
    ['::ffff:127.0.0.1', true],
    ['::ffff:7f00:1', true],
    ['::ffff:10.0.0.1', true],
    ['::ffff:192.168.0.1', true],
    ['::ffff:8.8.8.8', false],
    ['not an ip', false],
  ])('%s → %s', (ip, expected) => {
    expect(isPrivateAddress(ip)).toBe(expected);
  });
});

describe('checkCallbackUrl', () => {
  it('requires an absolute http(s) URL', async () => {
    for (const policy of ['allow', 'deny'] as const) {
      expect(await checkCallbackUrl('/relative/path', policy)).toMatch(/absolute http\(s\) URL/);
      expect(await checkCallbackUrl('ftp://example.com/hook', policy)).toMatch(/absolute http\(s\) URL/);
      expect(await checkCallbackUrl('javascript:alert(1)', policy)).toMatch(/absolute http\(s\) URL/);
    }
  });

  it('refuses credentials without echoing them', async () => {
    const message = await checkCallbackUrl('https://user:hunter2@example.com/hook', 'allow');
    expect(message).toMatch(/credentials/);
    expect(message).not.toContain('hunter2');
    expect(await checkCallbackUrl('https://user@example.com/hook', 'allow')).toMatch(/credentials/);
  });

  it('allows loopback and private hosts under allow', async () => {
    expect(await checkCallbackUrl('http://127.0.0.1:9000/hook', 'allow')).toBeUndefined();
    expect(await checkCallbackUrl('http://localhost:9000/hook', 'allow')).toBeUndefined();
    expect(await checkCallbackUrl('http://10.0.0.5/hook', 'allow')).toBeUndefined();
  });

  it.each([
    'http://127.0.0.1:9000/hook',
    'http://localhost:9000/hook',
    'http://10.0.0.5/hook',
    'http://[::1]/hook',
    'http://[::ffff:127.0.0.1]/hook',
    'http://2130706433/hook', // 127.0.0.1 as a single number
    'http://169.254.169.254/latest/meta-data',
  ])('refuses %s under deny', async (url) => {
    expect(await checkCallbackUrl(url, 'deny')).toMatch(/private or loopback/);
  });

  it('refuses a host when any resolved address is private', async () => {
    const resolve = () => Promise.resolve(['93.184.215.14', '10.0.0.1']);
    expect(await checkCallbackUrl('https://hooks.example.com/x', 'deny', resolve)).toMatch(/10\.0\.0\.1/);
    expect(await checkCallbackUrl('https://hooks.example.com/x', 'deny', () => Promise.resolve(['93.184.215.14']))).toBeUndefined();
    expect(await checkCallbackUrl('https://8.8.8.8/x', 'deny')).toBeUndefined();
  });

  it('refuses an unresolvable host under deny', async () => {
    const resolve = (): Promise<string[]> => Promise.reject(Object.assign(new Error('getaddrinfo ENOTFOUND'), { code: 'ENOTFOUND' }));
    expect(await checkCallbackUrl('https://nowhere.invalid/x', 'deny', resolve)).toMatch(/could not be resolved/);
  });
});
