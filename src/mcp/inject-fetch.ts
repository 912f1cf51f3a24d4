import type { FastifyInstance } from 'fastify';

const NO_BODY = new Set([101, 204, 205, 304]);

/**
 * A fetch that serves each call with `app.inject`: the request goes through this process's own
 * routes and hooks (API-key auth, scopes, validation, drain) without a socket. Only the path and
 * query of the URL count.
 */
export function injectFetch(app: FastifyInstance): typeof fetch {
  return async (input, init = {}) => {
    const url = new URL(input instanceof Request ? input.url : String(input));
    const res = await app.inject({
      method: init.method ?? 'GET',
      url: url.pathname + url.search,
      headers: Object.fromEntries(new Headers(init.headers)),
      payload: typeof init.body === 'string' ? init.body : undefined,
      signal: init.signal ?? undefined,
    });
    const headers = new Headers();
    for (const [name, value] of Object.entries(res.headers)) {
      for (const v of Array.isArray(value) ? value : value === undefined ? [] : [value]) headers.append(name, String(v));
    }
    return new Response(NO_BODY.has(res.statusCode) ? null : new Uint8Array(res.rawPayload), { status: res.statusCode, headers });
  };
}
