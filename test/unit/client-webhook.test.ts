// verifyWebhook (switchboard/client) against the hub's own signer (src/webhooks.ts).
import { describe, expect, it } from 'vitest';
import { verifyWebhook, WebhookVerificationError, type WebhookFailure } from '../../src/client/index.js';
import { generateWebhookSecret, signWebhook } from '../../src/webhooks.js';

const secret = generateWebhookSecret();
const now = Date.UTC(2026, 0, 2, 3, 4, 5);
const nowSeconds = Math.floor(now / 1000);
const eventId = 'msg_2vQ8kZ3m';
const body = JSON.stringify({
  type: 'request.resolved',
  timestamp: new Date(now).toISOString(),
  data: { id: 'req_1', state: 'resolved', response: { value: 'approve', comment: 'ship it — ✓' } },
});

/** The headers the hub sends for `payload`, signed at `at` (seconds) with `key`. */
const signedHeaders = (payload = body, at = nowSeconds, key = secret) => ({
  'webhook-id': eventId,
  'webhook-timestamp': String(at),
  'webhook-signature': signWebhook(key, eventId, at, payload),
});

async function failure(promise: Promise<unknown>): Promise<WebhookFailure> {
  const err = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(WebhookVerificationError);
  return (err as WebhookVerificationError).reason;
}

describe('verifyWebhook', () => {
  it('accepts a webhook the hub signed and returns the parsed event', async () => {
    const event = await verifyWebhook(body, signedHeaders(), secret, { now });
    expect(event.type).toBe('request.resolved');
    expect(event.data).toMatchObject({ id: 'req_1', state: 'resolved', response: { value: 'approve' } });
  });

  it('takes the raw body as bytes, and Headers as well as a plain object in any case', async () => {
    const bytes = new TextEncoder().encode(body);
    const headers = new Headers(signedHeaders());
    await expect(verifyWebhook(bytes, headers, secret, { now })).resolves.toMatchObject({ type: 'request.resolved' });
    const shouted = Object.fromEntries(Object.entries(signedHeaders()).map(([k, v]) => [k.toUpperCase(), [v]]));
    await expect(verifyWebhook(body, shouted, secret, { now })).resolves.toMatchObject({ type: 'request.resolved' });
  });

  it('refuses a tampered body', async () => {
    const tampered = body.replace('approve', 'reject');
    expect(await failure(verifyWebhook(tampered, signedHeaders(), secret, { now }))).toBe('no-matching-signature');
  });

  it('refuses a webhook signed with another secret', async () => {
    const headers = signedHeaders(body, nowSeconds, generateWebhookSecret());
    expect(await failure(verifyWebhook(body, headers, secret, { now }))).toBe('no-matching-signature');
  });

  it('refuses a timestamp outside the tolerance window, either way, and honours toleranceSeconds', async () => {
    const old = signedHeaders(body, nowSeconds - 301);
    expect(await failure(verifyWebhook(body, old, secret, { now }))).toBe('timestamp-outside-tolerance');
    const future = signedHeaders(body, nowSeconds + 301);
    expect(await failure(verifyWebhook(body, future, secret, { now }))).toBe('timestamp-outside-tolerance');
    await expect(verifyWebhook(body, old, secret, { now, toleranceSeconds: 600 })).resolves.toMatchObject({ type: 'request.resolved' });
    // The signature covers the timestamp: moving it back into the window breaks the signature.
    const moved = { ...old, 'webhook-timestamp': String(nowSeconds) };
    expect(await failure(verifyWebhook(body, moved, secret, { now }))).toBe('no-matching-signature');
  });

  it('accepts a header with several signatures when one matches (key rotation)', async () => {
    const headers = signedHeaders();
    const stale = signWebhook(generateWebhookSecret(), eventId, nowSeconds, body);
    headers['webhook-signature'] = `v2,bm90LWEtdjE= ${stale} v1,!!not-base64 ${headers['webhook-signature']}`;
    await expect(verifyWebhook(body, headers, secret, { now })).resolves.toMatchObject({ type: 'request.resolved' });
    headers['webhook-signature'] = `${stale} v1,${btoa('x'.repeat(32))}`;
    expect(await failure(verifyWebhook(body, headers, secret, { now }))).toBe('no-matching-signature');
  });

  it('names a missing header and a malformed timestamp', async () => {
    const noId: Record<string, string | undefined> = { ...signedHeaders(), 'webhook-id': undefined };
    expect(await failure(verifyWebhook(body, noId, secret, { now }))).toBe('missing-header');
    expect(await failure(verifyWebhook(body, { ...signedHeaders(), 'webhook-timestamp': '17e8' }, secret, { now }))).toBe('invalid-timestamp');
  });

  it('refuses a signed body that is not an event', async () => {
    expect(await failure(verifyWebhook('[1,2]', signedHeaders('[1,2]'), secret, { now }))).toBe('invalid-body');
  });

  it('refuses a malformed secret with a TypeError that does not echo it', async () => {
    const bad = 'whsec_not*base64!secret-value';
    const err = await verifyWebhook(body, signedHeaders(), bad, { now }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(TypeError);
    expect((err as Error).message).not.toContain('secret-value');
  });
});
