// Every /v1 route needs one scope; a key without it gets a 403 naming the scope, and nothing happens.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_SCOPES, SCOPES, type Scope } from '../../src/domain/scopes.js';
import { startTestHub, type TestHub } from '../helpers/harness.js';
import { keyClient, type Api } from '../helpers/keys.js';

let t: TestHub;
const only = {} as Record<Scope, Api>;
beforeAll(async () => {
  t = await startTestHub();
  for (const scope of SCOPES) only[scope] = await keyClient(t, `only-${scope}`, [scope]);
});
afterAll(async () => t?.stop());

/** A fresh pending request, made with the bootstrap key. */
const fresh = async () => (await t.api('POST', '/v1/requests', { title: 'Scoped?', recipients: [{ channel: 'web' }] })).body.id as string;
const stateOf = async (id: string) => (await t.api('GET', `/v1/requests/${id}`)).body;
const countRequests = async () => (await t.sql`select count(*)::int as n from requests`)[0]!.n as number;

interface Route {
  name: string;
  scope: Scope;
  /** Sends the call with `api`; returns its status. */
  call(api: Api): Promise<{ status: number; body: any }>;
  /** After a refused call: nothing changed. */
  unchanged?(): Promise<void>;
  /** The status a key with the scope gets. */
  allowed: number;
}

function routes(): Route[] {
  let id = '';
  let closed = '';
  let before = 0;
  return [
    {
      name: 'POST /v1/requests', scope: 'requests:write', allowed: 201,
      async call(api) {
        before = await countRequests();
        return api('POST', '/v1/requests', { title: 'Made with a scoped key', recipients: [{ channel: 'web' }] });
      },
      async unchanged() {
        expect(await countRequests()).toBe(before);
      },
    },
    { name: 'GET /v1/requests', scope: 'requests:read', allowed: 200, call: (api) => api('GET', '/v1/requests') },
    { name: 'GET /v1/requests/{id}', scope: 'requests:read', allowed: 200, call: async (api) => api('GET', `/v1/requests/${await fresh()}`) },
    {
      name: 'GET /v1/requests/{id}/events', scope: 'requests:read', allowed: 200,
      async call(api) {
        // A closed request's stream is one snapshot, then it ends.
        closed = await fresh();
        await t.api('POST', `/v1/requests/${closed}/cancel`);
        return api('GET', `/v1/requests/${closed}/events`);
      },
    },
    {
      name: 'POST /v1/requests/{id}/responses', scope: 'responses:write', allowed: 200,
      async call(api) {
        id = await fresh();
        return api('POST', `/v1/requests/${id}/responses`, { value: 'approve' });
      },
      async unchanged() {
        const r = await stateOf(id);
        expect(r.state).toBe('pending');
        expect((await t.sql`select count(*)::int as n from responses where request_id = ${id}`)[0]!.n).toBe(0);
      },
    },
    {
      name: 'POST /v1/requests/{id}/cancel', scope: 'requests:write', allowed: 200,
      async call(api) {
        id = await fresh();
        return api('POST', `/v1/requests/${id}/cancel`);
      },
      async unchanged() {
        expect((await stateOf(id)).state).toBe('pending');
      },
    },
    {
      // Allowed, it reaches the route: this request has no callback_url, so 409.
      name: 'POST /v1/requests/{id}/callback/redeliver', scope: 'requests:write', allowed: 409,
      call: async (api) => api('POST', `/v1/requests/${await fresh()}/callback/redeliver`),
    },
  ];
}

describe.each(SCOPES)('a key with only %s', (scope) => {
  it.each(routes().map((r) => [r.name, r] as const))('%s', async (_name, route) => {
    const res = await route.call(only[scope]);
    if (route.scope === scope) {
      expect(res.status, JSON.stringify(res.body)).toBe(route.allowed);
      return;
    }
    expect(res.status).toBe(403);
    expect(res.body).toMatchObject({ type: 'about:blank', title: 'Forbidden', status: 403, missing_scope: route.scope });
    expect(res.body.detail).toBe(`This API key lacks the scope ${route.scope}.`);
    await route.unchanged?.();
  });
});

describe('scopes', () => {
  it('the default scopes reach every route; the bootstrap key has all', async () => {
    const standard = await keyClient(t, 'standard');
    for (const route of routes()) expect((await route.call(standard)).status, route.name).toBe(route.allowed);
    for (const route of routes()) expect((await route.call(t.api)).status, route.name).toBe(route.allowed);
    expect(DEFAULT_SCOPES).toEqual(['requests:read', 'requests:write', 'responses:write']);
  });

  it('checks the scope before the body: an invalid create from a read-only key is a 403, not a 422', async () => {
    const res = await only['requests:read']('POST', '/v1/requests', { title: '' });
    expect(res.status).toBe(403);
    expect(res.headers.get('content-type')).toContain('application/problem+json');
  });

  it('shows capability links (which can decide) only to keys that create requests', async () => {
    const id = (await t.api('POST', '/v1/requests', { title: 'Links?', recipients: [{ channel: 'web' }, { channel: 'web', to: 'ana' }] })).body.id;
    const reader = (await only['requests:read']('GET', `/v1/requests/${id}`)).body;
    expect(reader.links).toEqual({ self: `/v1/requests/${id}` });
    expect(reader.deliveries.map((d: { url?: string }) => d.url)).toEqual([undefined, undefined]);
    const writer = (await only['requests:write']('POST', `/v1/requests/${id}/cancel`)).body;
    expect(writer.links.web).toMatch(/\/r\//);
    expect(writer.deliveries.every((d: { url?: string }) => /\/r\//.test(d.url ?? ''))).toBe(true);
  });

  it('still 404s an unknown /v1 route and 401s a missing key', async () => {
    expect((await only['admin']('GET', '/v1/nothing-here')).status).toBe(404);
    const res = await fetch(`${t.baseUrl}/v1/requests`);
    expect(res.status).toBe(401);
  });
});
