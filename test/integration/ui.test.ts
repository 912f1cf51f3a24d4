import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApiKey, revokeApiKey } from '../../src/store/api-keys.js';
import { sessionCookie } from '../../src/http/ui/guard.js';
import { WebhookReceiver } from '../fakes/webhook-receiver.js';
import { ConsoleClient, formTokenIn } from '../helpers/console.js';
import { startTestHub, type TestHub } from '../helpers/harness.js';
import { waitFor } from '../helpers/services.js';

let t: TestHub;
let rx: WebhookReceiver;
let admin: ConsoleClient;
beforeAll(async () => {
  // On a busy machine the event-loop check could refuse creates; this file is about the console.
  t = await startTestHub({ env: { SWITCHBOARD_SHED_EVENT_LOOP_MS: '0' } });
  rx = await new WebhookReceiver().start(t.webhookSecret);
  admin = new ConsoleClient(t.baseUrl);
  expect((await admin.signIn(t.apiKey)).status).toBe(303);
});
afterAll(async () => {
  await rx?.stop();
  await t?.stop();
});

async function create(body: Record<string, unknown> = {}): Promise<string> {
  const res = await t.api('POST', '/v1/requests', { title: 'Deploy?', recipients: [{ channel: 'web' }], ...body });
  expect(res.status).toBe(201);
  return res.body.id as string;
}
const state = async (id: string) => (await t.api('GET', `/v1/requests/${id}`)).body;
const rowIds = (html: string) => [...html.matchAll(/<tr id="row-([^"]+)"/g)].map((m) => m[1]);

async function keyConsole(name: string, scopes: Parameters<typeof createApiKey>[2]) {
  const { id, key } = await createApiKey(t.app.db, name, scopes);
  const c = new ConsoleClient(t.baseUrl);
  return { id, key, c, signIn: await c.signIn(key) };
}

describe('signing in', () => {
  it('sends a page without a session to sign-in, whose key field is labelled', async () => {
    const anon = new ConsoleClient(t.baseUrl);
    const list = await anon.get('/ui');
    expect(list.status).toBe(303);
    expect(list.headers.get('location')).toBe('/ui/sign-in');
    const signIn = await anon.get('/ui/sign-in');
    expect(signIn.html).toContain('<label for="api_key">API key</label>');
    expect(signIn.html).toContain('type="password" id="api_key"');
  });

  it('refuses a wrong key with 401 and sets no cookie', async () => {
    const anon = new ConsoleClient(t.baseUrl);
    const res = await anon.signIn('sb_not_a_key');
    expect(res.status).toBe(401);
    expect(res.headers.get('set-cookie')).toBeNull();
    expect(res.html).toContain('not valid or was revoked');
  });

  it('exchanges the key for an HttpOnly, SameSite=Strict cookie that holds no key; no page shows the key', async () => {
    const c = new ConsoleClient(t.baseUrl);
    const res = await c.signIn(t.apiKey);
    const set = res.headers.get('set-cookie')!;
    expect(set).toMatch(/^sb_console=env\.[^;]+; Path=\/ui; Max-Age=43200; HttpOnly; SameSite=Strict$/);
    expect(set).not.toContain(t.apiKey);
    const id = await create();
    for (const path of ['/ui', `/ui/requests/${id}`]) {
      const page = await c.get(path);
      expect(page.status).toBe(200);
      expect(page.html).not.toContain(t.apiKey);
      expect(page.html).toContain('Signed in as SWITCHBOARD_API_KEY');
    }
    expect(sessionCookie('v', true)).toContain('; Secure');
  });

  it('needs requests:read or admin; a revoked key ends its sessions', async () => {
    const writer = await keyConsole('ui-writer', ['requests:write']);
    expect(writer.signIn.status).toBe(403);
    expect(writer.signIn.html).toContain('lacks the scope requests:read');
    const reader = await keyConsole('ui-reader', ['requests:read']);
    expect(reader.signIn.status).toBe(303);
    expect((await reader.c.get('/ui')).status).toBe(200);
    await revokeApiKey(t.app.db, reader.id);
    expect((await reader.c.get('/ui')).headers.get('location')).toBe('/ui/sign-in');
  });

  it('refuses a tampered cookie', async () => {
    const c = new ConsoleClient(t.baseUrl);
    c.cookie = admin.cookie.replace(/.$/, (ch) => (ch === 'A' ? 'B' : 'A'));
    expect((await c.get('/ui')).status).toBe(303);
  });
});

describe('the list', () => {
  it('filters by state, channel, workflow and title (a % matches itself)', async () => {
    const a = await create({ title: 'Rotate 100% of keys', workflow_id: 'wf-ui-a' });
    const b = await create({ title: 'Rotate 1000 keys', workflow_id: 'wf-ui-b' });
    await t.api('POST', `/v1/requests/${b}/cancel`, {});
    expect(rowIds((await admin.get('/ui?q=100%25')).html)).toEqual([a]);
    expect(rowIds((await admin.get('/ui?q=rotate')).html)).toEqual([b, a]);
    expect(rowIds((await admin.get('/ui?q=rotate&state=cancelled')).html)).toEqual([b]);
    expect(rowIds((await admin.get('/ui?workflow=wf-ui-a&state=&channel=web')).html)).toEqual([a]);
    expect(rowIds((await admin.get('/ui?q=rotate&channel=slack')).html)).toEqual([]);
  });

  it('answers a bad filter with problem+json naming the field', async () => {
    const res = await admin.get('/ui?state=sideways');
    expect(res.status).toBe(422);
    expect(res.headers.get('content-type')).toContain('application/problem+json');
    expect(JSON.parse(res.html).errors[0].path).toBe('state');
  });

  it('streams a new request matching the filters to the open list', async () => {
    const ac = new AbortController();
    const res = await fetch(`${t.baseUrl}/ui/events?q=streamed`, { headers: { cookie: admin.cookie }, signal: ac.signal });
    expect(res.headers.get('content-type')).toContain('text/event-stream');
    const reader = res.body!.getReader();
    let text = '';
    const other = await create({ title: 'not this one' });
    const id = await create({ title: 'A streamed request' });
    await waitFor(async () => {
      text += new TextDecoder().decode((await reader.read()).value);
      return text.includes(`"id":"${id}"`);
    }, 15_000, 'the row on the stream');
    expect(text).not.toContain(other);
    expect(text).toContain('event: row');
    ac.abort();
  });
});

describe('the request page and its forms', () => {
  it('answers as web:operator:<key name>, shown in the audit trail', async () => {
    const id = await create({ context: { service: 'payments' } });
    const page = await admin.get(`/ui/requests/${id}`);
    expect(page.html).toContain('<dt>service</dt><dd>payments</dd>');
    const res = await admin.post(`/ui/requests/${id}/answer`, { value: 'approve', comment: 'ship it' }, { from: `/ui/requests/${id}` });
    expect(res.status).toBe(303);
    expect(res.headers.get('location')).toBe(`/ui/requests/${id}?done=answered`);
    const r = await state(id);
    expect(r.state).toBe('resolved');
    expect(r.response.responder).toMatchObject({ channel: 'web', id: 'operator:SWITCHBOARD_API_KEY' });
    const after = await admin.get(`/ui/requests/${id}?done=answered`);
    expect(after.html).toContain('Your answer decided the request.');
    expect(after.html).toContain('web:operator:SWITCHBOARD_API_KEY');
    expect(after.html).toContain('<code>request.resolved</code>');
    const again = await admin.post(`/ui/requests/${id}/answer`, { value: 'reject' }, { from: `/ui/requests/${id}` });
    expect(again.status).toBe(409);
  });

  it('holds operators to the approvers: web:operator:<key name> names one, and no web recipient may take that name', async () => {
    const id = await create({ approvers: ['web:operator:someone-else'] });
    const res = await admin.post(`/ui/requests/${id}/answer`, { value: 'approve' }, { from: `/ui/requests/${id}` });
    expect(res.status).toBe(403);
    expect(res.html).toContain('not an approver');
    expect((await state(id)).state).toBe('pending');
    const named = await t.api('POST', '/v1/requests', { title: 'x', recipients: [{ channel: 'web', to: 'operator:SWITCHBOARD_API_KEY' }] });
    expect(named.status).toBe(422);
    expect(named.body.errors[0].path).toBe('recipients.0.to');
  });

  it('refuses cross-site posts and posts without the session\'s form token', async () => {
    const id = await create();
    const token = formTokenIn((await admin.get(`/ui/requests/${id}`)).html)!;
    const crossSite = await admin.post(`/ui/requests/${id}/answer`, { value: 'approve', form_token: token }, { headers: { 'sec-fetch-site': 'cross-site' } });
    expect(crossSite.status).toBe(403);
    const foreign = await admin.post(`/ui/requests/${id}/cancel`, { form_token: token }, { headers: { origin: 'https://evil.example' } });
    expect(foreign.status).toBe(403);
    const noToken = await admin.post(`/ui/requests/${id}/answer`, { value: 'approve' });
    expect(noToken.status).toBe(403);
    const other = new ConsoleClient(t.baseUrl);
    await other.signIn(t.apiKey);
    const otherSession = await other.post(`/ui/requests/${id}/answer`, { value: 'approve', form_token: token });
    expect(otherSession.status).toBe(403);
    expect((await state(id)).state).toBe('pending');
  });

  it('hides and refuses what the key cannot do', async () => {
    const reader = await keyConsole('ui-reader-2', ['requests:read']);
    const id = await create();
    const page = await reader.c.get(`/ui/requests/${id}`);
    expect(page.html).not.toContain('Answer as operator');
    expect(page.html).not.toContain('Cancel request');
    const res = await reader.c.post(`/ui/requests/${id}/answer`, { value: 'approve' }, { from: `/ui/requests/${id}` });
    expect(res.status).toBe(403);
    expect(res.html).toContain('lacks the scope responses:write');
    expect((await state(id)).state).toBe('pending');
  });

  it('cancels with a reason, recorded with the operator as actor', async () => {
    const id = await create();
    const res = await admin.post(`/ui/requests/${id}/cancel`, { reason: 'not needed' }, { from: `/ui/requests/${id}` });
    expect(res.status).toBe(303);
    expect((await state(id)).state).toBe('cancelled');
    const [event] = await t.sql`select data from events where request_id = ${id} and type = 'request.cancelled'`;
    expect(event!.data).toMatchObject({ reason: 'not needed', actor: 'web:operator:SWITCHBOARD_API_KEY' });
  });

  it('shows webhook attempts and redelivers', async () => {
    rx.answer({ status: 500 });
    const id = await create({ callback_url: rx.url });
    await admin.post(`/ui/requests/${id}/answer`, { value: 'approve' }, { from: `/ui/requests/${id}` });
    await waitFor(async () => (await state(id)).callback.status === 'delivered', 15_000, 'the webhook delivered');
    const page = await admin.get(`/ui/requests/${id}`);
    expect(page.html).toMatch(/<td>1<\/td><td><span class="badge error">error<\/span> 500/);
    expect(page.html).toContain('Redeliver webhook');
    const before = rx.received.length;
    const res = await admin.post(`/ui/requests/${id}/redeliver`, {}, { from: `/ui/requests/${id}` });
    expect(res.headers.get('location')).toBe(`/ui/requests/${id}?done=redelivered`);
    await waitFor(() => rx.received.length > before, 15_000, 'the redelivered webhook');
  });

  it('signs out: the cookie is cleared', async () => {
    const c = new ConsoleClient(t.baseUrl);
    await c.signIn(t.apiKey);
    const res = await c.post('/ui/sign-out', {}, { from: '/ui' });
    expect(res.status).toBe(303);
    expect(res.headers.get('set-cookie')).toMatch(/^sb_console=; Path=\/ui; Max-Age=0;/);
  });
});
