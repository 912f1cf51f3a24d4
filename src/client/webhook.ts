// The receiving side of Switchboard's webhook callbacks (Standard Webhooks), with web crypto only.
import type { WebhookEvent } from './types.js';

export type WebhookFailure = 'missing-header' | 'invalid-timestamp' | 'timestamp-outside-tolerance' | 'no-matching-signature' | 'invalid-body';

/** The callback is not a genuine, fresh Switchboard webhook; `reason` says which check failed. */
export class WebhookVerificationError extends Error {
  constructor(
    readonly reason: WebhookFailure,
    message: string,
  ) {
    super(message);
    this.name = 'WebhookVerificationError';
  }
}

export interface VerifyWebhookOptions {
  /** How far `webhook-timestamp` may be from now, either way (replay protection). Default 300. */
  toleranceSeconds?: number;
  /** The clock, in milliseconds since the epoch. */
  now?: number;
}

type HeaderBag = Headers | Record<string, string | string[] | undefined>;

const SECRET_PREFIX = 'whsec_';
const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

/**
 * Checks a callback's `webhook-signature` (any of its space-separated `v1,<base64>` entries) against
 * `secret` over the raw body, and its `webhook-timestamp` against the tolerance window; returns the
 * parsed event. Pass the body exactly as received: re-serialised JSON does not verify.
 */
export async function verifyWebhook(rawBody: string | Uint8Array, headers: HeaderBag, secret: string, opts: VerifyWebhookOptions = {}): Promise<WebhookEvent> {
  const key = await importSecret(secret);
  const id = header(headers, 'webhook-id');
  const timestamp = header(headers, 'webhook-timestamp');
  const signatures = header(headers, 'webhook-signature');
  if (!id || !timestamp || !signatures) {
    throw new WebhookVerificationError('missing-header', 'webhook-id, webhook-timestamp and webhook-signature are all required');
  }
  if (!/^\d{1,15}$/.test(timestamp)) throw new WebhookVerificationError('invalid-timestamp', 'webhook-timestamp is not a Unix time in seconds');
  const toleranceMs = (opts.toleranceSeconds ?? 300) * 1000;
  if (Math.abs((opts.now ?? Date.now()) - Number(timestamp) * 1000) > toleranceMs) {
    throw new WebhookVerificationError('timestamp-outside-tolerance', 'webhook-timestamp is outside the tolerance window (a replay, or a clock far off)');
  }

  const body = typeof rawBody === 'string' ? new TextEncoder().encode(rawBody) : rawBody;
  const signed = concat(new TextEncoder().encode(`${id}.${timestamp}.`), body);
  if (!(await anySignatureMatches(key, signatures, signed))) {
    throw new WebhookVerificationError('no-matching-signature', 'no v1 signature in webhook-signature matches this body and secret');
  }
  return parseEvent(body);
}

/** Each candidate is checked by crypto.subtle.verify, which compares in constant time. */
async function anySignatureMatches(key: CryptoKey, header: string, signed: Uint8Array<ArrayBuffer>): Promise<boolean> {
  for (const entry of header.split(/\s+/)) {
    const [version, encoded] = entry.split(',', 2);
    if (version !== 'v1' || !encoded || !BASE64.test(encoded)) continue;
    if (await crypto.subtle.verify('HMAC', key, fromBase64(encoded), signed)) return true;
  }
  return false;
}

async function importSecret(secret: string): Promise<CryptoKey> {
  const encoded = typeof secret === 'string' && secret.startsWith(SECRET_PREFIX) ? secret.slice(SECRET_PREFIX.length) : secret;
  if (typeof encoded !== 'string' || encoded === '' || !BASE64.test(encoded)) {
    // A configuration mistake, not a bad webhook: not a WebhookVerificationError, and the secret is not echoed.
    throw new TypeError('verifyWebhook: the secret must have the form whsec_<base64>');
  }
  return crypto.subtle.importKey('raw', fromBase64(encoded), { name: 'HMAC', hash: 'SHA-256' }, false, ['verify']);
}

function header(headers: HeaderBag, name: string): string | undefined {
  if (typeof (headers as Headers).get === 'function' && typeof (headers as Headers).has === 'function') {
    return (headers as Headers).get(name)?.trim() || undefined;
  }
  const bag = headers as Record<string, string | string[] | undefined>;
  const found = Object.keys(bag).find((k) => k.toLowerCase() === name);
  const value = found === undefined ? undefined : bag[found];
  return (Array.isArray(value) ? value.join(' ') : value)?.trim() || undefined;
}

function parseEvent(body: Uint8Array): WebhookEvent {
  let event: unknown;
  try {
    event = JSON.parse(new TextDecoder().decode(body));
  } catch {
    throw new WebhookVerificationError('invalid-body', 'the signed body is not JSON');
  }
  const e = event as Partial<WebhookEvent> | null;
  if (typeof e !== 'object' || e === null || typeof e.type !== 'string' || typeof e.data !== 'object' || e.data === null) {
    throw new WebhookVerificationError('invalid-body', 'the signed body is not a Switchboard event ({ type, timestamp, data })');
  }
  return e as WebhookEvent;
}

function fromBase64(encoded: string): Uint8Array<ArrayBuffer> {
  const binary = atob(encoded);
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
  return bytes;
}

function concat(a: Uint8Array, b: Uint8Array): Uint8Array<ArrayBuffer> {
  const out = new Uint8Array(a.length + b.length);
  out.set(a);
  out.set(b, a.length);
  return out;
}
