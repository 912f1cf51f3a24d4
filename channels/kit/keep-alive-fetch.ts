import { Agent as HttpAgent, request as httpRequest, type IncomingMessage } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';

type Fetch = typeof fetch;

const NO_BODY_STATUSES = new Set([204, 205, 304]);
const REDIRECT_STATUSES = new Set([301, 302, 303, 307, 308]);

/**
 * A `fetch` for an SDK client that calls one API with string bodies (Slack's WebClient takes one):
 * node:http with keep-alive, answered with a standard Response. Undici's fetch costs the hub several
 * times more CPU per call. It does what such a client asks — a method, headers, a string body, an
 * abort signal, `redirect: 'error'` or `'manual'` — and hands anything else (a stream or form body,
 * redirects to follow) to the global fetch.
 */
export function keepAliveFetch(): Fetch {
  const agents = { 'http:': new HttpAgent({ keepAlive: true }), 'https:': new HttpsAgent({ keepAlive: true }) };
  return (input, init = {}) => {
    const body = init.body ?? undefined;
    const plain = (typeof input === 'string' || input instanceof URL) && (body === undefined || typeof body === 'string');
    if (!plain || (init.redirect !== 'error' && init.redirect !== 'manual')) return fetch(input, init);
    const url = new URL(input);
    if (url.protocol !== 'http:' && url.protocol !== 'https:') return fetch(input, init);
    return send(url, init, body, agents[url.protocol]);
  };
}

function send(url: URL, init: RequestInit, body: string | undefined, agent: HttpAgent): Promise<Response> {
  const { signal } = init;
  if (signal?.aborted) return Promise.reject(signal.reason as Error);
  const headers = Object.fromEntries(new Headers(init.headers).entries());
  if (body !== undefined) headers['content-length'] = String(Buffer.byteLength(body));
  return new Promise((resolve, reject) => {
    const request = url.protocol === 'https:' ? httpsRequest : httpRequest;
    const req = request(url, { method: init.method ?? 'GET', headers, agent }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('error', fail);
      res.on('end', () => {
        signal?.removeEventListener('abort', abort);
        const status = res.statusCode ?? 0;
        if (init.redirect === 'error' && REDIRECT_STATUSES.has(status)) return reject(new TypeError(`fetch: redirected to ${res.headers.location ?? '?'} (redirect: 'error')`));
        resolve(new Response(NO_BODY_STATUSES.has(status) ? null : Buffer.concat(chunks), { status, statusText: res.statusMessage ?? '', headers: headersOf(res) }));
      });
    });
    function fail(err: Error) {
      signal?.removeEventListener('abort', abort);
      reject(err);
    }
    function abort() {
      req.destroy(signal!.reason as Error);
    }
    signal?.addEventListener('abort', abort, { once: true });
    req.on('error', fail);
    req.end(body);
  });
}

function headersOf(res: IncomingMessage): Headers {
  const headers = new Headers();
  for (let i = 0; i + 1 < res.rawHeaders.length; i += 2) headers.append(res.rawHeaders[i]!, res.rawHeaders[i + 1]!);
  return headers;
}
