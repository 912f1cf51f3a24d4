import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { newId } from '../../src/store/ids.js';
import { startTestHub, type TestHub } from '../helpers/harness.js';

let t: TestHub;
beforeAll(async () => {
  t = await startTestHub();
});
afterAll(async () => t?.stop());

const FORM = { 'content-type': 'application/x-www-form-urlencoded' };

async function create(body: Record<string, unknown>): Promise<{ id: string; web: string }> {
  const res = await t.api('POST', '/v1/requests', { recipients: [{ channel: 'web' }], ...body });
  expect(res.status).toBe(201);
  return { id: res.body.id, web: res.body.links.web };
}

async function page(url: string, init?: RequestInit): Promise<{ status: number; html: string; headers: Headers }> {
  const res = await fetch(url, init);
  return { status: res.status, html: await res.text(), headers: res.headers };
}

const post = (url: string, form: string) => page(url, { method: 'POST', headers: FORM, body: form });
const state = async (id: string) => (await t.api('GET', `/v1/requests/${id}`)).body;
/** Responses, state and events other than the (asynchronous) delivery of the page link. */
const counts = async (id: string) => {
  const [r] = await t.sql`
    select (select count(*)::int from responses where request_id = ${id}) as responses,
           (select count(*)::int from events where request_id = ${id} and type not like 'delivery.%') as events,
           (select state from requests where id = ${id}) as state`;
  return r!;
};

/** Changes one character of the MAC at the end of a /r/<token> link. */
function tamper(url: string): string {
  const i = url.length - 4;
  return url.slice(0, i) + (url[i] === 'A' ? 'B' : 'A') + url.slice(i + 1);
}

describe('GET /r/{token}', () => {
  it('shows the title, the rendered body, the context and a button per option', async () => {
    const { id, web } = await create({
      title: 'Deploy v2.3 to production?',
      body: 'This ships **the new billing** code.\n\n- one\n- two',
      context: { service: 'payments', risk: 'high', replicas: 3 },
      workflow_id: 'wf-web-1',
    });
    expect(web).toBe(`${t.baseUrl}/r/${t.hub.tokens.issue(id, 'web')}`);
    const res = await page(web);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/html/);
    expect(res.headers.get('cache-control')).toBe('no-store');
    expect(res.headers.get('x-frame-options')).toBe('DENY');
    expect(res.headers.get('content-security-policy')).toContain("default-src 'none'");
    expect(res.html).toContain('<h1>Deploy v2.3 to production?</h1>');
    expect(res.html).toContain('<strong>the new billing</strong>');
    expect(res.html).not.toContain('**the new billing**');
    expect(res.html).toContain('<ul><li>one</li><li>two</li></ul>');
    expect(res.html).toContain('<dt>service</dt><dd>payments</dd>');
    expect(res.html).toContain('<dt>risk</dt><dd>high</dd>');
    expect(res.html).toContain('<dt>replicas</dt><dd>3</dd>');
    expect(res.html).toContain('Workflow wf-web-1');
    expect(res.html).toMatch(/<form method="post">/);
    expect(res.html).toContain('<button type="submit" name="value" value="approve" class="primary">Approve</button>');
    expect(res.html).toContain('<button type="submit" name="value" value="reject" class="danger">Reject</button>');
    expect(res.html).toContain('name="comment"');
    expect(res.html).toContain('name="name"');
  });

  it('shows a button per option of a choice', async () => {
    const { web } = await create({
      type: 'choice', title: 'Which region?',
      options: [{ value: 'eu', label: 'Europe' }, { value: 'us', label: 'United States' }, { value: 'ap', label: 'Asia' }],
    });
    const { html } = await page(web);
    for (const [v, l] of [['eu', 'Europe'], ['us', 'United States'], ['ap', 'Asia']]) {
      expect(html).toMatch(new RegExp(`<button type="submit" name="value" value="${v}"[^>]*>${l}</button>`));
    }
  });

  it('escapes HTML in the title, body and context', async () => {
    const { web } = await create({
      title: '<script>alert("title")</script>',
      body: '<img src=x onerror=alert(1)> **<b>x</b>**',
      context: { '<i>key</i>': '<script>alert("ctx")</script>', nested: { html: '<b>n</b>' } },
    });
    const { status, html } = await page(web);
    expect(status).toBe(200);
    expect(html).not.toContain('<script>');
    expect(html).not.toContain('<img');
    expect(html).not.toContain('<i>key</i>');
    expect(html).not.toContain('<b>');
    expect(html).toContain('&#60;script&#62;alert(&#34;title&#34;)&#60;/script&#62;');
    expect(html).toContain('&#60;img src=x onerror=alert(1)&#62;');
    expect(html).toContain('<dt>&#60;i&#62;key&#60;/i&#62;</dt>');
    expect(html).toContain('&#60;script&#62;alert(&#34;ctx&#34;)&#60;/script&#62;');
  });

  it('never decides: three GETs leave the request pending', async () => {
    const { id, web } = await create({ title: 'Look, do not touch' });
    const before = await counts(id);
    for (let i = 0; i < 3; i++) expect((await page(web)).status).toBe(200);
    // with query strings a form would have sent, too
    expect((await page(`${web}?value=approve&name=Scanner`)).status).toBe(200);
    const after = await counts(id);
    expect(after.state).toBe('pending');
    expect(after.responses).toBe(0);
    expect(after.events).toBe(before.events);
    expect((await state(id)).response).toBeNull();
  });

  it('404s a tampered token, and a valid token for an unknown request', async () => {
    const { id, web } = await create({ title: 'Tamper with me' });
    const bad = await page(tamper(web));
    expect(bad.status).toBe(404);
    expect(bad.headers.get('content-type')).toMatch(/^text\/html/);
    expect(bad.html).toContain('Link not valid');
    expect(bad.html).not.toContain('Tamper with me');
    const unknown = await page(`${t.baseUrl}/r/${t.hub.tokens.issue(newId('req'), 'web')}`);
    expect(unknown.status).toBe(404);
    expect((await page(`${t.baseUrl}/r/garbage`)).status).toBe(404);
    expect((await state(id)).state).toBe('pending');
  });
});

describe('POST /r/{token}', () => {
  it('decides with the posted value, comment and name; a second post gets 409', async () => {
    const { id, web } = await create({ title: 'Ship it?' });
    const res = await post(web, 'value=approve&comment=ok&name=Ana');
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/html/);
    expect(res.html).toContain('your answer decided this request');
    expect(res.html).not.toContain('<form'); // the page now shows the outcome instead of the form
    expect(res.html).toContain('<strong>Approve</strong> by Ana via web');
    const r = await state(id);
    expect(r.state).toBe('resolved');
    expect(r.response).toMatchObject({ value: 'approve', comment: 'ok', fields: {}, responder: { channel: 'web', id: 'Ana', name: 'Ana' } });
    expect(r.response.responder).toEqual({ channel: 'web', id: 'Ana', name: 'Ana' });

    const again = await post(web, 'value=reject&comment=no&name=Bo');
    expect(again.status).toBe(409);
    expect(again.html).toContain('Already approved by Ana');
    const after = await state(id);
    expect(after.response.value).toBe('approve');
    expect(after.response.responder.id).toBe('Ana');
    expect((await counts(id)).responses).toBe(1);
  });

  it('answers anonymously without a name', async () => {
    const { id, web } = await create({ title: 'Anonymous?' });
    expect((await post(web, 'value=reject')).status).toBe(200);
    const r = await state(id);
    expect(r.response).toMatchObject({ value: 'reject', comment: null, responder: { channel: 'web', id: 'anonymous' } });
  });

  it('404s a tampered token and writes nothing', async () => {
    const { id, web } = await create({ title: 'Do not forge' });
    const before = await counts(id);
    const res = await post(tamper(web), 'value=approve&name=Mallory');
    expect(res.status).toBe(404);
    const after = await counts(id);
    expect(after).toEqual(before);
    expect(after.state).toBe('pending');
    expect(after.responses).toBe(0);
  });

  it('refuses a value that is not an option with 422', async () => {
    const { id, web } = await create({ title: 'Bad value?' });
    const res = await post(web, 'value=maybe&name=Ana');
    expect(res.status).toBe(422);
    expect(res.html).toContain('must be one of: approve, reject');
    expect((await state(id)).state).toBe('pending');
  });

  it('resolves a form with typed fields', async () => {
    const { id, web } = await create({
      type: 'form', title: 'Details please',
      fields: [
        { name: 'reason', label: 'Why?', type: 'text', required: true },
        { name: 'count', label: 'How many?', type: 'number' },
        { name: 'ok', label: 'Checked?', type: 'boolean' },
      ],
    });
    const form = await page(web);
    expect(form.html).toContain('name="f.reason"');
    expect(form.html).toContain('type="number"');
    expect(form.html).toContain('type="checkbox" name="f.ok"');
    // The browser sends the hidden "false" first and the ticked box's "true" after it.
    const res = await post(web, `f.reason=${encodeURIComponent('Because & why <not>')}&f.count=3&f.ok=false&f.ok=true&name=Ana`);
    expect(res.status).toBe(200);
    const r = await state(id);
    expect(r.state).toBe('resolved');
    expect(r.response.fields).toEqual({ reason: 'Because & why <not>', count: 3, ok: true });
    expect(r.response.value).toBeNull();
    expect(r.response.responder).toEqual({ channel: 'web', id: 'Ana', name: 'Ana' });
    expect(form.html).toContain('<input type="hidden" name="f.ok" value="false">');
    const again = await post(web, 'f.reason=late&name=Bo');
    expect(again.status).toBe(409);
    expect(again.html).toContain('Already answered by Ana via Web.');
    expect((await state(id)).response.fields).toEqual({ reason: 'Because & why <not>', count: 3, ok: true });
  });

  it('refuses a form without a required field with 422 and stays pending', async () => {
    const { id, web } = await create({
      type: 'form', title: 'Required reason',
      fields: [{ name: 'reason', label: 'Why?', type: 'text', required: true }, { name: 'count', label: 'How many?', type: 'number' }],
    });
    const res = await post(web, 'f.count=3&name=Ana');
    expect(res.status).toBe(422);
    expect(res.headers.get('content-type')).toMatch(/^text\/html/);
    expect(res.html).toContain('fields.reason: required');
    expect(res.html).toContain('<form'); // still answerable
    const r = await state(id);
    expect(r.state).toBe('pending');
    expect(r.response).toBeNull();
    const bad = await post(web, 'f.reason=x&f.count=many');
    expect(bad.status).toBe(422);
    expect(bad.html).toContain('fields.count: must be a number');
    expect((await state(id)).state).toBe('pending');
  });

  it('resolves a text request with the posted answer', async () => {
    const { id, web } = await create({ type: 'text', title: 'Release notes?' });
    expect((await page(web)).html).toContain('<textarea id="value" name="value"');
    expect((await post(web, 'value=Fixed+the+bug&name=Ana')).status).toBe(200);
    expect((await state(id)).response).toMatchObject({ value: 'Fixed the bug', responder: { channel: 'web', id: 'Ana' } });
  });

  it('403s a web answer when only a Slack user may approve', async () => {
    const { id, web } = await create({ title: 'Slack only', approvers: ['slack:U1'] });
    const res = await post(web, 'value=approve&name=U1');
    expect(res.status).toBe(403);
    expect(res.html).toContain('not an approver');
    const r = await state(id);
    expect(r.state).toBe('pending');
    expect(r.response).toBeNull();
    expect((await counts(id)).responses).toBe(0);
  });

  it('admits web answers with web:*', async () => {
    const { id, web } = await create({ title: 'Anyone on the page', approvers: ['slack:U1', 'web:*'] });
    expect((await post(web, 'value=approve&name=Ana')).status).toBe(200);
    expect((await state(id)).state).toBe('resolved');
  });

  it('says so when the request was cancelled', async () => {
    const { id, web } = await create({ title: 'Cancel me' });
    expect((await t.api('POST', `/v1/requests/${id}/cancel`)).status).toBe(200);
    const shown = await page(web);
    expect(shown.status).toBe(200);
    expect(shown.html).toContain('This request was cancelled.');
    expect(shown.html).not.toContain('<form');
    const res = await post(web, 'value=approve&name=Ana');
    expect(res.status).toBe(409);
    expect(res.html).toContain('This request was cancelled.');
    expect((await state(id)).state).toBe('cancelled');
  });
});

it('answers an unticked required checkbox as false', async () => {
  const { id, web } = await create({
    type: 'form', title: 'Confirm',
    fields: [{ name: 'agree', label: 'I agree', type: 'boolean', required: true }],
  });
  const res = await post(web, 'f.agree=false&name=Ana');
  expect(res.status).toBe(200);
  expect((await state(id)).response.fields).toEqual({ agree: false });
});
