import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { keepAliveFetch } from '../../channels/kit/keep-alive-fetch.js';

interface Seen {
  method: string;
  url: string;
  headers: IncomingMessage['headers'];
  body: string;
  socket: number;
}

let server: Server;
let base: string;
const seen: Seen[] = [];
const sockets = new Map<object, number>();

beforeAll(async () => {
  server = createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString()));
    req.on('end', () => {
      if (!sockets.has(req.socket)) sockets.set(req.socket, sockets.size);
      seen.push({ method: req.method!, url: req.url!, headers: req.headers, body, socket: sockets.get(req.socket)! });
      if (req.url === '/limited') return res.writeHead(429, { 'retry-after': '7', 'content-type': 'application/json' }).end('{"ok":false,"error":"ratelimited"}');
      if (req.url === '/moved') return res.writeHead(302, { location: 'http://example.invalid/' }).end();
      if (req.url === '/empty') return res.writeHead(204).end();
      if (req.url === '/slow') return setTimeout(() => res.end('late'), 2000);
      res.writeHead(200, { 'content-type': 'application/json', 'x-oauth-scopes': 'chat:write' }).end(JSON.stringify({ ok: true, echo: body }));
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise<void>((r) => server.close(() => r())));

describe('keepAliveFetch', () => {
  const f = keepAliveFetch();
  const post = (path: string, body = 'token=x&channel=C1') =>
    f(`${base}${path}`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: 'Bearer xoxb-1' }, body, redirect: 'error' });

  it('sends the method, headers and body, and answers with a standard Response', async () => {
    const res = await post('/api/chat.postMessage');
    expect(res.status).toBe(200);
    expect(res.headers.get('x-oauth-scopes')).toBe('chat:write');
    expect(await res.json()).toEqual({ ok: true, echo: 'token=x&channel=C1' });
    expect(seen.at(-1)).toMatchObject({
      method: 'POST', url: '/api/chat.postMessage', body: 'token=x&channel=C1',
      headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: 'Bearer xoxb-1', 'content-length': '18' },
    });
  });

  it('keeps the connection for the next call', async () => {
    await post('/a');
    await post('/b');
    expect(seen.at(-1)!.socket).toBe(seen.at(-2)!.socket);
  });

  it('gives a 429 with its Retry-After, and a 204 with no body', async () => {
    const limited = await post('/limited');
    expect([limited.status, limited.headers.get('retry-after'), await limited.text()]).toEqual([429, '7', '{"ok":false,"error":"ratelimited"}']);
    const empty = await post('/empty');
    expect([empty.status, await empty.text()]).toEqual([204, '']);
  });

  it("refuses a redirect with redirect: 'error', and stops at the signal's timeout", async () => {
    await expect(post('/moved')).rejects.toThrow(/redirected/);
    const started = Date.now();
    await expect(f(`${base}/slow`, { method: 'POST', body: 'x', redirect: 'error', signal: AbortSignal.timeout(100) })).rejects.toMatchObject({ name: 'TimeoutError' });
    expect(Date.now() - started).toBeLessThan(1500);
  });

  it('hands what it does not do to the global fetch: redirects to follow, non-string bodies', async () => {
    const form = await f(`${base}/form`, { method: 'POST', body: new URLSearchParams({ a: '1' }), redirect: 'error' });
    expect(await form.json()).toEqual({ ok: true, echo: 'a=1' });
    const followed = await f(`${base}/plain`, { method: 'POST', body: 'y' });
    expect(followed.status).toBe(200);
  });
});
