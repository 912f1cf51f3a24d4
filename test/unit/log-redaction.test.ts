import pino from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { logPath, redactTokens } from '../../src/http/log-redaction.js';
import { createHttpServer } from '../../src/http/server.js';

const TOKEN = 'req_01JABCDEF.w.c2VjcmV0LW1hYw';

describe('redactTokens / logPath', () => {
  it('replaces everything after /r/ in a path', () => {
    expect(logPath(`/r/${TOKEN}`)).toBe('/r/<redacted>');
    expect(logPath(`/r/${TOKEN}/more/segments`)).toBe('/r/<redacted>');
    expect(logPath(`/r/${TOKEN}?utm=1`)).toBe('/r/<redacted>');
  });

  it('leaves other paths alone (query dropped)', () => {
    expect(logPath('/v1/requests/req_1?wait=5')).toBe('/v1/requests/req_1');
    expect(logPath('/r')).toBe('/r');
    expect(logPath('/healthz')).toBe('/healthz');
  });

  it('finds tokens inside any text: full links, quoted URLs, messages', () => {
    expect(redactTokens(`open http://hub.example/r/${TOKEN} now`)).toBe('open http://hub.example/r/<redacted> now');
    expect(redactTokens(`in "/r/${TOKEN}" (POST)`)).toBe('in "/r/<redacted>" (POST)');
    expect(redactTokens('no token here')).toBe('no token here');
  });
});

describe('the HTTP server logs', () => {
  let app: FastifyInstance | undefined;
  afterEach(async () => app?.close());

  it('never print a capability token, in the request line or in fastify error logs', async () => {
    const lines: string[] = [];
    app = createHttpServer(pino({ level: 'debug' }, { write: (l: string) => void lines.push(l) }));
    app.get<{ Params: { token: string } }>('/r/:token', (req) => Promise.reject(new Error(`failed while handling ${req.url}`)));
    app.post<{ Params: { token: string } }>('/r/:token', (req) => {
      req.log.warn({ req, err: `text mentioning ${req.url}` }, 'custom');
      return { ok: true };
    });
    const get = await app.inject({ method: 'GET', url: `/r/${TOKEN}?x=1` });
    expect(get.statusCode).toBe(500);
    const post = await app.inject({ method: 'POST', url: `/r/${TOKEN}`, payload: { a: 1 } });
    expect(post.statusCode).toBe(200);
    const all = lines.join('\n');
    expect(all).toContain('"msg":"unhandled error"');
    expect(all).toContain('failed while handling /r/<redacted>');
    expect(all).toContain('"url":"/r/<redacted>"');
    expect(all).toContain('text mentioning /r/<redacted>');
    expect(all).not.toContain(TOKEN);
    expect(all).not.toContain('c2VjcmV0LW1hYw');
  });
});
