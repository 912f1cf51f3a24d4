import { describe, it, expect, beforeAll, afterAll, beforeEach } from 'vitest';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Webhook } from 'standardwebhooks';
import { generateWebhookSecret, sendWebhook } from '../../src/webhooks.js';
import { verifiesStandardWebhook } from '../fakes/webhook-receiver.js';

interface Received {
  path: string;
  method: string;
  headers: IncomingHttpHeaders;
  body: string;
  verified: boolean;
}

const secret = generateWebhookSecret();
const verifier = new Webhook(secret);
let server: Server;
let base: string;
let received: Received[] = [];


beforeAll(async () => {
  server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      const path = req.url ?? '/';
      received.push({ path, method: req.method ?? '', headers: req.headers, body, verified: verifiesStandardWebhook(verifier, body, req.headers) });
      switch (path) {
        case '/ok':
          res.writeHead(200, { 'content-type': 'text/plain' }).end('thanks');
          break;
        case '/fail':
          res.writeHead(500).end('x'.repeat(200_000)); // larger than what the sender reads
          break;
        case '/redirect':
          res.writeHead(302, { location: `${base}/target` }).end();
          break;
        case '/target':
          res.writeHead(200).end();
          break;
        case '/gone':
          res.writeHead(410).end();
          break;
        case '/busy':
          res.writeHead(429, { 'retry-after': '7' }).end();
          break;
        case '/unavailable':
          res.writeHead(503, { 'retry-after': 'soon' }).end();
          break;
        case '/error-with-retry-after':
          res.writeHead(500, { 'retry-after': '7' }).end();
          break;
        case '/hang':
          break; // never answers
        default:
          res.writeHead(404).end();
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

beforeEach(() => {
  received = [];
});

const body = JSON.stringify({ type: 'request.resolved', timestamp: new Date().toISOString(), data: { id: 'req_1' } });

function send(path: string, extra: Partial<Parameters<typeof sendWebhook>[0]> = {}) {
  return sendWebhook({ url: `${base}${path}`, secret, eventId: 'evt_1', body, ...extra });
}

describe('sendWebhook against a real HTTP server', () => {
  it('delivers on 200 with Standard Webhooks headers the receiver verifies', async () => {
    const attempt = await send('/ok');
    expect(attempt).toMatchObject({ ok: true, status: 200, error: null, gone: false });
    expect(attempt.retryAfterMs).toBeUndefined();
    expect(attempt.latencyMs).toBeGreaterThanOrEqual(0);
    expect(received).toHaveLength(1);
    const [req] = received;
    expect(req).toMatchObject({ method: 'POST', body, verified: true });
    expect(req!.headers['content-type']).toBe('application/json');
    expect(req!.headers['user-agent']).toBe('Switchboard-Webhooks/1');
    expect(req!.headers['webhook-id']).toBe('evt_1');
    expect(Number(req!.headers['webhook-timestamp'])).toBeCloseTo(Date.now() / 1000, -1);
  });

  it('reports a 500 as a failure with its status', async () => {
    const attempt = await send('/fail');
    expect(attempt).toMatchObject({ ok: false, status: 500, gone: false });
    expect(attempt.error).toMatch(/500/);
    expect(attempt.retryAfterMs).toBeUndefined();
  });

  it('does not follow a 302 and counts it as a failure', async () => {
    const attempt = await send('/redirect');
    expect(attempt).toMatchObject({ ok: false, status: 302, gone: false });
    expect(received.map((r) => r.path)).toEqual(['/redirect']);
  });

  it('marks 410 as gone', async () => {
    const attempt = await send('/gone');
    expect(attempt).toMatchObject({ ok: false, status: 410, gone: true });
  });

  it('reads Retry-After on 429', async () => {
    const attempt = await send('/busy');
    expect(attempt).toMatchObject({ ok: false, status: 429, retryAfterMs: 7000 });
  });

  it('ignores garbage Retry-After, and Retry-After on other statuses', async () => {
    expect((await send('/unavailable')).retryAfterMs).toBeUndefined();
    expect((await send('/error-with-retry-after')).retryAfterMs).toBeUndefined();
  });

  it('times out a receiver that never answers', async () => {
    const attempt = await send('/hang', { timeoutMs: 300 });
    expect(attempt).toMatchObject({ ok: false, status: null, gone: false });
    expect(attempt.error).toMatch(/timeout/);
    expect(attempt.latencyMs).toBeGreaterThanOrEqual(250);
    expect(attempt.latencyMs).toBeLessThan(5000);
  });

  it('reports a refused connection without leaking the secret', async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    const attempt = await sendWebhook({ url: `http://127.0.0.1:${port}/`, secret, eventId: 'evt_1', body });
    expect(attempt).toMatchObject({ ok: false, status: null });
    expect(attempt.error).toBe('ECONNREFUSED');
    expect(attempt.error).not.toContain(secret.slice(6));
  });

  it('keeps the webhook-id and signs a fresh timestamp on every call', async () => {
    const start = Date.now();
    await send('/ok', { now: () => start });
    await send('/ok', { now: () => start + 3000 });
    expect(received).toHaveLength(2);
    const [first, second] = received as [Received, Received];
    expect(first.headers['webhook-id']).toBe('evt_1');
    expect(second.headers['webhook-id']).toBe('evt_1');
    expect(Number(second.headers['webhook-timestamp']) - Number(first.headers['webhook-timestamp'])).toBe(3);
    expect(second.headers['webhook-signature']).not.toBe(first.headers['webhook-signature']);
    expect(first.verified).toBe(true);
    expect(second.verified).toBe(true);
  });

  it('with denyPrivate, refuses private addresses at connect time, by IP and by name', async () => {
    const port = new URL(base).port;
    const byIp = await sendWebhook({ url: `${base}/ok`, secret, eventId: 'msg_p1', body: '{}', denyPrivate: true });
    expect(byIp).toMatchObject({ ok: false, status: null, gone: false });
    expect(byIp.error).toMatch(/127\.0\.0\.1 is a private address/);
    const byName = await sendWebhook({ url: `http://localhost:${port}/ok`, secret, eventId: 'msg_p2', body: '{}', denyPrivate: true });
    expect(byName.ok).toBe(false);
    expect(byName.error).toMatch(/localhost resolves to a private address/);
    expect(received).toHaveLength(0);
    const allowed = await sendWebhook({ url: `http://localhost:${port}/ok`, secret, eventId: 'msg_p3', body: '{}' });
    expect(allowed.ok).toBe(true);
    expect(received).toHaveLength(1);
  });

  it('rejects an invalid secret before sending anything', async () => {
    await expect(sendWebhook({ url: `${base}/ok`, secret: 'not-a-secret', eventId: 'evt_1', body })).rejects.toThrow(
      /webhook secret/,
    );
    expect(received).toHaveLength(0);
  });
});
