// The client's transport against a scripted fetch: what it retries, how long it waits, what it
// sends, and what its errors say.
import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  askIdempotencyKey,
  NetworkError,
  RateLimitedError,
  ServiceUnavailableError,
  Switchboard,
  type SwitchboardRequest,
} from '../../src/client/index.js';

const API_KEY = 'sb_secret_key_do_not_print';

type Step = Response | Error;
interface Seen {
  url: string;
  headers: Headers;
  at: number;
}

/** A client whose fetch plays `steps` in order (an Error is thrown, as fetch does when a connection fails). */
function scripted(...steps: Step[]) {
  const seen: Seen[] = [];
  const fake: typeof fetch = (input, init) => {
    seen.push({ url: String(input instanceof Request ? input.url : input), headers: new Headers(init?.headers), at: Date.now() });
    const step = steps.shift();
    if (!step) throw new Error('the script ran out');
    return step instanceof Error ? Promise.reject(step) : Promise.resolve(step);
  };
  return { sb: new Switchboard({ url: 'http://hub.test:8080/', apiKey: API_KEY, fetch: fake }), seen };
}

const json = (status: number, body: unknown, headers: Record<string, string> = {}) =>
  new Response(JSON.stringify(body), { status, headers: { 'content-type': status < 400 ? 'application/json' : 'application/problem+json', ...headers } });
const request = (state: string) => ({ id: 'req_1', state }) as unknown as SwitchboardRequest;
const reset = () => new TypeError('fetch failed', { cause: Object.assign(new Error('other side closed'), { code: 'UND_ERR_SOCKET' }) });

describe('the client transport', () => {
  it('waits through a dropped connection, a draining 503 and a pending answer, long-polling 60 s at a time', async () => {
    const { sb, seen } = scripted(
      reset(),
      json(503, { title: 'Service Unavailable', status: 503, detail: 'shutting down', request: request('pending') }, { 'retry-after': '0' }),
      json(200, request('pending')),
      json(200, request('resolved')),
    );
    expect(await sb.wait('req_1')).toMatchObject({ state: 'resolved' });
    expect(seen.map((s) => s.url)).toEqual(Array(4).fill('http://hub.test:8080/v1/requests/req_1?wait=60'));
    expect(seen[0]!.headers.get('authorization')).toBe(`Bearer ${API_KEY}`);
  });

  it('never long-polls past timeoutMs', async () => {
    const { sb, seen } = scripted(json(200, request('resolved')));
    await sb.wait('req_1', { timeoutMs: 2500 });
    expect(seen[0]!.url).toMatch(/\?wait=2$/);
  });

  it('honours Retry-After on a 429 before trying again', async () => {
    const { sb, seen } = scripted(json(429, { title: 'Too Many Requests', status: 429, detail: 'slow down' }, { 'retry-after': '1' }), json(200, request('pending')));
    await sb.get('req_1');
    expect(seen).toHaveLength(2);
    expect(seen[1]!.at - seen[0]!.at).toBeGreaterThanOrEqual(950);
  });

  it('retries a keyed create with the same Idempotency-Key, and never an unkeyed one', async () => {
    const keyed = scripted(reset(), json(502, '<html>bad gateway</html>'), json(201, request('pending')));
    await keyed.sb.create({ title: 'Deploy?', recipients: [{ channel: 'web' }] }, { idempotencyKey: 'k-1' });
    expect(keyed.seen.map((s) => s.headers.get('idempotency-key'))).toEqual(['k-1', 'k-1', 'k-1']);

    const unkeyed = scripted(reset(), json(201, request('pending')));
    const err = await unkeyed.sb.create({ title: 'Deploy?', recipients: [{ channel: 'web' }] }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(NetworkError);
    expect((err as Error).message).toBe('POST /v1/requests: fetch failed (UND_ERR_SOCKET)');
    expect(unkeyed.seen).toHaveLength(1);
  });

  it('does not repeat an answer, and types a 503 with its Retry-After', async () => {
    const { sb, seen } = scripted(json(503, { title: 'Service Unavailable', status: 503, detail: 'draining' }, { 'retry-after': '2' }));
    const err = await sb.respond('req_1', { value: 'approve' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ServiceUnavailableError);
    expect(err).toMatchObject({ status: 503, retryAfterMs: 2000, requestId: 'req_1', detail: 'draining' });
    expect(err).not.toBeInstanceOf(RateLimitedError);
    expect(seen).toHaveLength(1);
  });

  it('keeps the API key out of errors, even when the failure quotes it', async () => {
    const { sb } = scripted(new TypeError(`fetch failed for Bearer ${API_KEY}`));
    const err = await sb.cancel('req_1').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(NetworkError);
    expect((err as Error).message).toContain('[redacted]');
    expect((err as Error).message).not.toContain(API_KEY);
  });

  it('refuses a URL carrying credentials without repeating them', () => {
    const refuse = () => new Switchboard({ url: 'http://user:hunter2@hub.test', apiKey: API_KEY });
    expect(refuse).toThrow(/must not carry credentials/);
    expect(refuse).not.toThrow(/hunter2/);
  });
});

describe('askIdempotencyKey', () => {
  it('derives the key from workflow_id and checkpoint_id, else makes a random one', async () => {
    const expected = createHash('sha256').update('wf-1\0cp-1').digest('hex');
    expect(await askIdempotencyKey({ workflow_id: 'wf-1', checkpoint_id: 'cp-1' })).toBe(`ask:${expected}`);
    expect(await askIdempotencyKey({ workflow_id: 'wf-1', checkpoint_id: 'cp-2' })).not.toBe(`ask:${expected}`);
    const random = await askIdempotencyKey({ workflow_id: 'wf-1' });
    expect(random).toMatch(/^ask:[0-9a-f-]{36}$/);
    expect(await askIdempotencyKey({ workflow_id: 'wf-1' })).not.toBe(random);
  });
});
