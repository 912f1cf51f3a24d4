import { generateKeyPairSync, sign } from 'node:crypto';
import { DiscordAPIError, RateLimitError } from '@discordjs/rest';
import { describe, expect, it } from 'vitest';
import { toChannelError } from '../../channels/discord/errors.js';
import { MAX_AGE_S, publicKeyFromHex, verifyInteraction } from '../../channels/discord/signature.js';

const { publicKey, privateKey } = generateKeyPairSync('ed25519');
const hex = publicKey.export({ format: 'der', type: 'spki' }).subarray(-32).toString('hex');
const key = publicKeyFromHex(hex);
const now = 1_700_000_000;
const body = Buffer.from('{"type":1}');
const signed = (timestamp: string, raw = body) => sign(null, Buffer.concat([Buffer.from(timestamp), raw]), privateKey).toString('hex');

describe('verifyInteraction', () => {
  it('accepts Discord\'s signature over timestamp + raw body', () => {
    expect(verifyInteraction(key, { timestamp: String(now), signature: signed(String(now)) }, body, now)).toEqual({ ok: true });
  });

  it('refuses a wrong signature, a changed body, missing headers, and timestamps too old or too far ahead', () => {
    const ts = String(now);
    const refused = [
      verifyInteraction(key, { timestamp: ts, signature: 'ab'.repeat(64) }, body, now),
      verifyInteraction(key, { timestamp: ts, signature: signed(ts) }, Buffer.from('{"type":2}'), now),
      verifyInteraction(key, { timestamp: undefined, signature: signed(ts) }, body, now),
      verifyInteraction(key, { timestamp: ts, signature: 'zz' }, body, now),
      verifyInteraction(key, { timestamp: String(now - MAX_AGE_S - 1), signature: signed(String(now - MAX_AGE_S - 1)) }, body, now),
      verifyInteraction(key, { timestamp: String(now + 3600), signature: signed(String(now + 3600)) }, body, now),
    ];
    expect(refused.map((v) => v.ok)).toEqual([false, false, false, false, false, false]);
  });
});

describe('toChannelError', () => {
  const apiError = (status: number, code: number, message: string) =>
    new DiscordAPIError({ code, message }, code, status, 'PATCH', 'https://discord.com/api/v10/channels/1/messages/2', { body: undefined, files: undefined });

  it('maps a gone message, lost access, a refused token, a server error and anything else', () => {
    expect(toChannelError('edit message', apiError(404, 10008, 'Unknown Message'))).toMatchObject({ kind: 'not_found', message: 'Discord edit message: 404 10008 Unknown Message' });
    expect(toChannelError('edit message', apiError(403, 50001, 'Missing Access')).kind).toBe('not_found');
    expect(toChannelError('edit message', apiError(404, 10003, 'Unknown Channel')).kind).toBe('not_found');
    expect(toChannelError('edit message', apiError(401, 0, '401: Unauthorized')).kind).toBe('auth');
    expect(toChannelError('edit message', apiError(502, 0, 'Bad Gateway')).kind).toBe('network');
    expect(toChannelError('edit message', apiError(400, 50035, 'Invalid Form Body')).kind).toBe('invalid');
  });

  it('hands a rate limit back with its wait, and cuts secrets out', () => {
    const limited = new RateLimitError({
      timeToReset: 12_000, limit: 5, method: 'POST', hash: 'h', url: 'u', route: '/channels/:id/messages', majorParameter: '1', global: false, retryAfter: 12_000, sublimitTimeout: 0, scope: 'user',
    });
    expect(toChannelError('create message', limited)).toMatchObject({ kind: 'rate_limited', retryAfterMs: 12_000 });
    expect(toChannelError('send follow-up', new Error('fetch failed for /webhooks/1/secret-token'), ['secret-token']).message).toBe('Discord send follow-up: fetch failed for /webhooks/1/<redacted>');
  });
});
