import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestHub, type TestHub } from '../helpers/harness.js';

let t: TestHub;
beforeAll(async () => {
  t = await startTestHub();
});
afterAll(async () => t?.stop());

const count = async (table: string) => (await t.sql.unsafe(`select count(*)::int as n from ${table}`))[0]!.n as number;
const approval = { title: 'Deploy v2.3 to production?', recipients: [{ channel: 'web' }] };

describe('POST /v1/requests', () => {
  it('creates a request, returns the API object and delivers to the web page', async () => {
    const res = await t.api('POST', '/v1/requests', { ...approval, body: 'Ships **now**', context: { service: 'payments' }, workflow_id: 'wf-1' });
    expect(res.status).toBe(201);
    expect(res.headers.get('location')).toBe(`/v1/requests/${res.body.id}`);
    expect(res.body).toMatchObject({
      state: 'pending', type: 'approval', title: approval.title, quorum: 1, workflow_id: 'wf-1',
      options: [{ value: 'approve' }, { value: 'reject' }], expires_at: null, response: null, votes: [], callback: null,
      // The web page needs nothing posted: it is delivered as the request is stored.
      deliveries: [{ channel: 'web', to: null, status: 'delivered', error: null }],
      links: { self: `/v1/requests/${res.body.id}` },
    });
    expect(res.body.id).toMatch(/^req_[0-9a-z]{26}$/);
    expect(res.body.links.web).toMatch(new RegExp(`^${t.baseUrl}/r/${res.body.id}\\.w\\.`));
    // Written with the request, never touched by a deliver job.
    const [row] = await t.sql`select created_at = updated_at as untouched from deliveries where request_id = ${res.body.id}`;
    expect(row!.untouched).toBe(true);
    const events = await t.sql`select type from events where request_id = ${res.body.id} order by id`;
    expect(events.map((e) => e.type)).toEqual(['request.created', 'delivery.delivered']);
  });

  it('sets expires_at from timeout_seconds', async () => {
    const res = await t.api('POST', '/v1/requests', { ...approval, timeout_seconds: 3600 });
    expect(res.status).toBe(201);
    const delta = Date.parse(res.body.expires_at) - Date.parse(res.body.created_at);
    expect(delta).toBe(3600_000);
  });

  it('replays an Idempotency-Key with the same body and refuses it with another', async () => {
    const headers = { 'idempotency-key': 'deploy-42' };
    const first = await t.api('POST', '/v1/requests', approval, headers);
    const again = await t.api('POST', '/v1/requests', { recipients: approval.recipients, title: approval.title }, headers);
    expect(first.status).toBe(201);
    expect(again.status).toBe(200);
    expect(again.body.id).toBe(first.body.id);
    const deliveries = await t.sql`select count(*)::int as n from deliveries where request_id = ${first.body.id}`;
    expect(deliveries[0]!.n).toBe(1);
    const other = await t.api('POST', '/v1/requests', { ...approval, title: 'Something else' }, headers);
    expect(other.status).toBe(409);
    expect(other.headers.get('content-type')).toContain('application/problem+json');
  });

  it('creates choice, text and form requests', async () => {
    const choice = await t.api('POST', '/v1/requests', {
      type: 'choice', title: 'Which region?', recipients: [{ channel: 'web' }],
      options: [{ value: 'eu', label: 'Europe' }, { value: 'us', label: 'US' }],
    });
    expect(choice.status).toBe(201);
    const text = await t.api('POST', '/v1/requests', { type: 'text', title: 'Release notes?', recipients: [{ channel: 'web' }] });
    expect(text.body.options).toEqual([]);
    const form = await t.api('POST', '/v1/requests', {
      type: 'form', title: 'Details', recipients: [{ channel: 'web' }],
      fields: [{ name: 'reason', label: 'Why?', type: 'text', required: true }, { name: 'n', label: 'How many', type: 'number' }],
    });
    expect(form.status).toBe(201);
    expect(form.body.fields).toHaveLength(2);
  });
});

describe('bad input writes nothing', () => {
  const cases: [string, unknown, number, string?][] = [
    ['malformed JSON', '{"title": ', 400],
    ['a body that is not an object', '[1,2]', 422],
    ['a missing title', { recipients: [{ channel: 'web' }] }, 422, 'title'],
    ['a wrong type', { ...approval, title: 42 }, 422, 'title'],
    ['an unknown request type', { ...approval, type: 'poll' }, 422, 'type'],
    ['an unknown channel', { ...approval, recipients: [{ channel: 'pigeon', to: 'x' }] }, 422, 'recipients.0.channel'],
    ['a channel that is off', { ...approval, recipients: [{ channel: 'slack', to: 'C0123' }] }, 422, 'recipients.0.channel'],
    ['a recipient without to', { ...approval, recipients: [{ channel: 'email' }] }, 422, 'recipients.0.to'],
    ['no recipients', { ...approval, recipients: [] }, 422, 'recipients'],
    ['an unknown field', { ...approval, colour: 'red' }, 422],
    ['a choice without options', { ...approval, type: 'choice' }, 422, 'options'],
    ['on_timeout not among the options', { ...approval, timeout_seconds: 5, on_timeout: { value: 'maybe' } }, 422, 'on_timeout.value'],
    ['a bad callback URL', { ...approval, callback_url: 'not a url' }, 422, 'callback_url'],
    ['a title over 200 characters', { ...approval, title: 'x'.repeat(201) }, 422, 'title'],
  ];
  it.each(cases)('%s', async (_name, body, status, path) => {
    const before = await count('requests');
    const res = await t.api('POST', '/v1/requests', body);
    expect(res.status).toBe(status);
    expect(res.headers.get('content-type')).toContain('application/problem+json');
    expect(res.body).toMatchObject({ status, title: expect.any(String), detail: expect.any(String), type: expect.any(String) });
    if (path) expect(res.body.errors.map((e: { path: string }) => e.path)).toContain(path);
    expect(await count('requests')).toBe(before);
  });

  it('names the off channel and why', async () => {
    const res = await t.api('POST', '/v1/requests', { ...approval, recipients: [{ channel: 'slack', to: 'C0123' }] });
    expect(res.body.errors[0].message).toMatch(/slack is off: SLACK_BOT_TOKEN is not set/);
  });

  it('refuses bodies over 256 KiB with 413', async () => {
    const before = await count('requests');
    const res = await t.api('POST', '/v1/requests', { ...approval, body: 'x'.repeat(300 * 1024) });
    expect(res.status).toBe(413);
    expect(res.body.status).toBe(413);
    expect(await count('requests')).toBe(before);
  });

  it('refuses a missing or wrong API key with 401', async () => {
    const before = await count('requests');
    const none = await fetch(`${t.baseUrl}/v1/requests`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(approval) });
    expect(none.status).toBe(401);
    expect(none.headers.get('content-type')).toContain('application/problem+json');
    const wrong = await t.api('POST', '/v1/requests', approval, { authorization: 'Bearer sb_wrong' });
    expect(wrong.status).toBe(401);
    expect(JSON.stringify(wrong.body)).not.toContain('sb_wrong');
    expect(await count('requests')).toBe(before);
  });
});

describe('GET /v1/requests', () => {
  it('404s an unknown or malformed id', async () => {
    expect((await t.api('GET', '/v1/requests/req_00000000000000000000000000')).status).toBe(404);
    const bad = await t.api('GET', '/v1/requests/nope');
    expect(bad.status).toBe(404);
    expect(bad.body.status).toBe(404);
  });

  it('lists newest first with cursor paging and filters', async () => {
    const wf = 'wf-list';
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) ids.push((await t.api('POST', '/v1/requests', { ...approval, workflow_id: wf })).body.id);
    const page1 = await t.api('GET', `/v1/requests?workflow_id=${wf}&limit=2`);
    expect(page1.status).toBe(200);
    expect(page1.body.data.map((r: { id: string }) => r.id)).toEqual([ids[4], ids[3]]);
    const page2 = await t.api('GET', `/v1/requests?workflow_id=${wf}&limit=2&cursor=${page1.body.next_cursor}`);
    expect(page2.body.data.map((r: { id: string }) => r.id)).toEqual([ids[2], ids[1]]);
    const page3 = await t.api('GET', `/v1/requests?workflow_id=${wf}&limit=2&cursor=${page2.body.next_cursor}`);
    expect(page3.body.data.map((r: { id: string }) => r.id)).toEqual([ids[0]]);
    expect(page3.body.next_cursor).toBeNull();
    const resolved = await t.api('GET', `/v1/requests?workflow_id=${wf}&state=resolved`);
    expect(resolved.body.data).toEqual([]);
    const bad = await t.api('GET', '/v1/requests?state=done&limit=500');
    expect(bad.status).toBe(422);
    expect(bad.body.errors.map((e: { path: string }) => e.path).sort()).toEqual(['limit', 'state']);
  });
});

describe('operations', () => {
  it('serves health, readiness, metrics and OpenAPI', async () => {
    expect((await fetch(`${t.baseUrl}/healthz`)).status).toBe(200);
    const ready = await (await fetch(`${t.baseUrl}/readyz`)).json();
    expect(ready.status).toBe('ready');
    expect(ready.channels).toContainEqual({ name: 'slack', on: false, reason: 'SLACK_BOT_TOKEN is not set' });
    const metrics = await (await fetch(`${t.baseUrl}/metrics`)).text();
    expect(metrics).toMatch(/^switchboard_requests_pending \d+$/m);
    expect(metrics).toMatch(/^switchboard_requests_created_total \d+$/m);
    const doc = await (await fetch(`${t.baseUrl}/openapi.json`)).json();
    expect(doc.openapi).toBe('3.1.0');
    expect(doc.paths['/v1/requests'].post).toBeDefined();
    expect(doc.components.schemas.CreateRequest.properties.title).toBeDefined();
  });
});
