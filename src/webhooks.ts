import { createHmac, randomBytes } from 'node:crypto';
import { lookup } from 'node:dns/promises';
import { isIP } from 'node:net';
import { post, PostTimeout, PrivateAddressRefused, type PostResult } from './net/post.js';
import { isPrivateAddress } from './net/private-address.js';

const SECRET_PREFIX = 'whsec_';
const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;
// The Standard Webhooks spec asks for keys of 24 to 64 bytes; shorter ones work but are weak.
const MIN_SECRET_BYTES = 24;

/**
 * Decodes a `whsec_<base64>` secret (the prefix is optional, as in the Standard Webhooks
 * libraries) into its key bytes. The error never echoes the secret.
 */
export function parseWebhookSecret(secret: string): Buffer {
  const encoded = typeof secret === 'string' && secret.startsWith(SECRET_PREFIX) ? secret.slice(SECRET_PREFIX.length) : secret;
  if (typeof encoded !== 'string' || encoded === '' || !BASE64.test(encoded)) {
    throw new Error('webhook secret must have the form whsec_<base64> (the part after whsec_ is not valid base64)');
  }
  return Buffer.from(encoded, 'base64');
}

/** A warning for a secret shorter than the spec asks (undefined when it is fine). */
export function webhookSecretWarning(secret: string): string | undefined {
  const bytes = parseWebhookSecret(secret).length;
  return bytes < MIN_SECRET_BYTES
    ? `webhook secret is ${bytes} bytes; Standard Webhooks asks for at least ${MIN_SECRET_BYTES} (generate one: whsec_ + base64 of 32 random bytes)`
    : undefined;
}

export function generateWebhookSecret(): string {
  return SECRET_PREFIX + randomBytes(32).toString('base64');
}

function signWithKey(key: Buffer, id: string, timestampSeconds: number, body: string): string {
  const mac = createHmac('sha256', key).update(`${id}.${timestampSeconds}.${body}`).digest('base64');
  return `v1,${mac}`;
}

/** `v1,<base64 HMAC-SHA256 of "{id}.{timestamp}.{body}">`, as Standard Webhooks verifiers expect. */
export function signWebhook(secret: string, id: string, timestampSeconds: number, body: string): string {
  return signWithKey(parseWebhookSecret(secret), id, timestampSeconds, body);
}

const SECOND = 1000;
const MINUTE = 60 * SECOND;
const HOUR = 60 * MINUTE;

/** Delay before each attempt (Standard Webhooks schedule); its length is the attempt budget. */
export const CALLBACK_SCHEDULE_MS: readonly number[] = [
  0,
  5 * SECOND,
  5 * MINUTE,
  30 * MINUTE,
  2 * HOUR,
  5 * HOUR,
  10 * HOUR,
  14 * HOUR,
  20 * HOUR,
  24 * HOUR,
];

const JITTER = 0.1;

/** Delay before the next attempt after `attemptsMade` failures (±10 % jitter), or undefined when exhausted. */
export function retryDelayMs(
  attemptsMade: number,
  schedule: readonly number[] = CALLBACK_SCHEDULE_MS,
  random: () => number = Math.random,
): number | undefined {
  if (!Number.isInteger(attemptsMade) || attemptsMade < 0) {
    throw new RangeError(`attemptsMade must be a non-negative integer, got ${attemptsMade}`);
  }
  const base = schedule[attemptsMade];
  if (base === undefined) return undefined;
  const factor = 1 + (random() * 2 - 1) * JITTER;
  return Math.max(0, Math.round(base * factor));
}

const MAX_RETRY_AFTER_MS = 24 * HOUR;

/**
 * The wait before the next attempt after `attemptsMade` attempts, or undefined when the schedule is
 * spent. A receiver's Retry-After may lengthen a wait (up to 24 h), never shorten it or add attempts.
 */
export function nextAttemptDelayMs(
  attemptsMade: number,
  retryAfterMs: number | undefined,
  schedule: readonly number[] = CALLBACK_SCHEDULE_MS,
  random: () => number = Math.random,
): number | undefined {
  const scheduled = retryDelayMs(attemptsMade, schedule, random);
  if (scheduled === undefined || retryAfterMs === undefined) return scheduled;
  return Math.max(scheduled, Math.min(retryAfterMs, MAX_RETRY_AFTER_MS));
}
// Date.parse accepts almost anything (e.g. "-5" is a year), so only hand it strings shaped like an
// HTTP-date: IMF-fixdate "Sun, 06 Nov 1994 08:49:37 GMT", RFC 850 "Sunday, 06-Nov-94 …", asctime "Sun Nov  6 …".
const HTTP_DATE = /^[A-Za-z]{3,9},? +[0-9A-Za-z]/;

/** `Retry-After` (delta-seconds or HTTP-date) in milliseconds, clamped to [0, 24 h]. */
export function parseRetryAfter(header: string | undefined, now: number = Date.now()): number | undefined {
  if (header === undefined) return undefined;
  const value = header.trim();
  if (/^\d+$/.test(value)) return Math.min(Number(value) * SECOND, MAX_RETRY_AFTER_MS);
  if (!HTTP_DATE.test(value)) return undefined;
  const at = Date.parse(value);
  if (Number.isNaN(at)) return undefined;
  return Math.min(Math.max(0, at - now), MAX_RETRY_AFTER_MS);
}

export interface WebhookAttempt {
  ok: boolean;
  status: number | null;
  latencyMs: number;
  error: string | null;
  retryAfterMs?: number;
  /** The receiver answered 410 Gone: stop retrying. */
  gone: boolean;
}

export interface SendWebhookOptions {
  url: string;
  secret: string;
  /** The `webhook-id`; the same on every retry of one event. */
  eventId: string;
  body: string;
  timeoutMs?: number;
  /** Clock for `webhook-timestamp`. */
  now?: () => number;
  /** Refuse to connect to private or loopback addresses, checked on the resolved address (SWITCHBOARD_CALLBACK_PRIVATE=deny). */
  denyPrivate?: boolean;
}

export const DEFAULT_WEBHOOK_TIMEOUT_MS = 15_000;
const MAX_ERROR_LENGTH = 200;

/**
 * One delivery attempt. Network failures and non-2xx answers come back as `ok: false`; only an
 * invalid secret throws, since retrying cannot fix that.
 */
export async function sendWebhook(opts: SendWebhookOptions): Promise<WebhookAttempt> {
  const key = parseWebhookSecret(opts.secret);
  const timeoutMs = opts.timeoutMs ?? DEFAULT_WEBHOOK_TIMEOUT_MS;
  const timestamp = Math.floor((opts.now ?? Date.now)() / 1000);
  const headers = {
    'content-type': 'application/json',
    'user-agent': 'Switchboard-Webhooks/1',
    'webhook-id': opts.eventId,
    'webhook-timestamp': String(timestamp),
    'webhook-signature': signWithKey(key, opts.eventId, timestamp, opts.body),
  };

  const started = performance.now();
  const elapsed = () => Math.round(performance.now() - started);
  let response: PostResult;
  try {
    response = await post(opts.url, headers, opts.body, timeoutMs, { denyPrivate: opts.denyPrivate });
  } catch (err) {
    const error = redact(describePostError(err), opts.secret);
    return { ok: false, status: null, latencyMs: elapsed(), error, gone: false };
  }
  const latencyMs = elapsed();
  const { status } = response;
  const ok = status >= 200 && status < 300;
  const error = ok ? null : status >= 300 && status < 400 ? `HTTP ${status} (redirects are not followed)` : `HTTP ${status}`;
  const attempt: WebhookAttempt = { ok, status, latencyMs, error, gone: status === 410 };
  if (status === 429 || status === 503) {
    // A string: Node keeps the first retry-after of a response and drops repeats.
    const retryAfterMs = parseRetryAfter(response.headers['retry-after']);
    if (retryAfterMs !== undefined) attempt.retryAfterMs = retryAfterMs;
  }
  return attempt;
}

function describePostError(err: unknown): string {
  if (err instanceof PostTimeout || err instanceof PrivateAddressRefused) return err.message;
  const code = (err as { code?: unknown } | null)?.code;
  if (typeof code === 'string' && /^E[A-Z0-9_]+$/.test(code)) return code;
  const message = err instanceof Error ? err.message : String(err);
  return message.slice(0, MAX_ERROR_LENGTH) || 'request failed';
}

function redact(text: string, secret: string): string {
  const encoded = secret.slice(SECRET_PREFIX.length);
  let out = text.split(secret).join('[redacted]');
  if (encoded) out = out.split(encoded).join('[redacted]');
  return out;
}

export type CallbackPrivatePolicy = 'allow' | 'deny';

async function resolveAll(hostname: string): Promise<string[]> {
  const results = await lookup(hostname, { all: true, verbatim: true });
  return results.map((r) => r.address);
}

/**
 * Undefined if `url` is an acceptable callback URL, else a message for the caller. With 'deny',
 * the host is resolved and every address must be public. This is the check at submission time;
 * sendWebhook's `denyPrivate` checks the address it actually connects to (DNS may change).
 */
export async function checkCallbackUrl(
  url: string,
  policy: CallbackPrivatePolicy,
  resolve: (hostname: string) => Promise<string[]> = resolveAll,
): Promise<string | undefined> {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return 'callback_url must be an absolute http(s) URL';
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') {
    return 'callback_url must be an absolute http(s) URL';
  }
  if (parsed.username !== '' || parsed.password !== '') {
    return 'callback_url must not contain credentials (user:password@)';
  }
  if (policy === 'allow') return undefined;

  const host = parsed.hostname.replace(/^\[(.*)\]$/, '$1');
  let addresses: string[];
  if (isIP(host) !== 0) {
    addresses = [host];
  } else {
    try {
      addresses = await resolve(host);
    } catch {
      return `callback_url host ${host} could not be resolved`;
    }
    if (addresses.length === 0) return `callback_url host ${host} could not be resolved`;
  }
  const refused = addresses.find(isPrivateAddress);
  if (refused !== undefined) {
    return `callback_url host ${host} resolves to a private or loopback address (${refused}), which SWITCHBOARD_CALLBACK_PRIVATE=deny refuses`;
  }
  return undefined;
}
