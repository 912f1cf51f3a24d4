import { request as httpRequest } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { newId } from '../../src/store/ids.js';
import { startTestHub, type TestHub } from '../helpers/harness.js';

let t: TestHub;
beforeAll(async () => {
  t = await startTestHub();
});
afterAll(async () => t?.stop());

const FORM = { 'content-type': 'application/x-www-form-urlencoded' };

/** Form tokens read from each link's page while it was pending, as a browser holding the page has them. */
const formTokens = new Map<string, string>();

async function create(body: Record<string, unknown>): Promise<{ id: string; web: string }> {
  const res = await t.api('POST', '/v1/requests', { recipients: [{ channel: 'web' }], ...body });
  expect(res.status).toBe(201);
  const web: string = res.body.links.web;
  formTokens.set(web, formTokenIn((await page(web)).html)!);
  return { id: res.body.id, web };
}

async function page(url: string, init?: RequestInit): Promise<{ status: number; html: string; headers: Headers }> {
  const res = await fetch(url, init);
  return { status: res.status, html: await res.text(), headers: res.headers };
}

const formTokenIn = (html: string) => /<input type="hidden" name="form_token" value="([^"]+)">/.exec(html)?.[1];

/** The form POST of a client that sends no Origin / Sec-Fetch-* headers (curl, scripts), with the page's form token. */
const post = (url: string, form: string, headers: Record<string, string> = {}, token = formTokens.get(url) ?? '') =>
  page(url, { method: 'POST', headers: { ...FORM, ...headers }, body: `form_token=${encodeURIComponent(token)}&${form}` });
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
    expect(res.html).toContain('Approved by Ana via the web page.');
    const r = await state(id);
    expect(r.state).toBe('resolved');
    expect(r.response).toMatchObject({ value: 'approve', comment: 'ok', fields: {} });
    // The page link is the identity; the typed name is only shown.
    expect(r.response.responder).toEqual({ channel: 'web', id: 'page', name: 'Ana' });

    const again = await post(web, 'value=reject&comment=no&name=Bo');
    expect(again.status).toBe(409);
    expect(again.html).toContain('Already approved by Ana');
    const after = await state(id);
    expect(after.response.value).toBe('approve');
    expect(after.response.responder.name).toBe('Ana');
    expect((await counts(id)).responses).toBe(1);
  });

  it('answers anonymously without a name', async () => {
    const { id, web } = await create({ title: 'Anonymous?' });
    expect((await post(web, 'value=reject')).status).toBe(200);
    const r = await state(id);
    expect(r.response).toMatchObject({ value: 'reject', comment: null });
    expect(r.response.responder).toEqual({ channel: 'web', id: 'page', name: 'anonymous' });
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
    expect(r.response.responder).toEqual({ channel: 'web', id: 'page', name: 'Ana' });
    expect(form.html).toContain('<input type="hidden" name="f.ok" value="false">');
    const again = await post(web, 'f.reason=late&name=Bo');
    expect(again.status).toBe(409);
    expect(again.html).toContain('Already answered by Ana via the web page.');
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
    expect((await state(id)).response).toMatchObject({ value: 'Fixed the bug', responder: { channel: 'web', id: 'page', name: 'Ana' } });
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

/**
 * What browsers send with a form POST (Chromium 12x; Firefox sends the same Origin / Sec-Fetch-*
 * values). The page has `Referrer-Policy: no-referrer`, so its own form posts with `Origin: null`.
 * Sent with node:http, byte for byte: fetch would replace Sec-Fetch-Mode.
 */
const BROWSER = {
  'user-agent': 'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.0.0 Safari/537.36',
  accept: 'text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,image/webp,*/*;q=0.8',
  'accept-language': 'en-GB,en;q=0.9',
  'cache-control': 'max-age=0',
  'content-type': 'application/x-www-form-urlencoded',
  'upgrade-insecure-requests': '1',
  'sec-fetch-mode': 'navigate',
  'sec-fetch-dest': 'document',
  'sec-fetch-user': '?1',
};
const SAME_ORIGIN_FORM = { ...BROWSER, origin: 'null', 'sec-fetch-site': 'same-origin' };
const CROSS_SITE_FORM = { ...BROWSER, origin: 'http://evil.example', 'sec-fetch-site': 'cross-site' };

function rawPost(url: string, headers: Record<string, string>, body: string): Promise<{ status: number; html: string }> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(url, { method: 'POST', headers: { ...headers, 'content-length': String(Buffer.byteLength(body)) } }, (res) => {
      let html = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (html += c));
      res.on('end', () => resolve({ status: res.statusCode!, html }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

const withToken = (url: string, form: string, token = formTokens.get(url)!) => `form_token=${encodeURIComponent(token)}&${form}`;

describe('POST /r/{token} is CSRF-safe', () => {
  it('puts a form token in the page', async () => {
    const { web } = await create({ title: 'Token?' });
    const { html } = await page(web);
    expect(html).toMatch(/<form method="post"><input type="hidden" name="form_token" value="[0-9a-z]+\.[A-Za-z0-9_-]{32}">/);
  });

  it('decides on a browser\'s own form post (Origin: null, Sec-Fetch-Site: same-origin)', async () => {
    const { id, web } = await create({ title: 'Browser post' });
    const res = await rawPost(web, SAME_ORIGIN_FORM, withToken(web, 'value=approve&name=Ana'));
    expect(res.status).toBe(200);
    expect(res.html).toContain('your answer decided this request');
    expect((await state(id)).state).toBe('resolved');
  });

  it('decides when a browser sends the hub\'s own origin', async () => {
    const { id, web } = await create({ title: 'Browser post with origin' });
    const res = await rawPost(web, { ...SAME_ORIGIN_FORM, origin: new URL(t.baseUrl).origin }, withToken(web, 'value=reject'));
    expect(res.status).toBe(200);
    expect((await state(id)).response.value).toBe('reject');
  });

  it('decides for a non-browser client (no Origin, no Sec-Fetch-*) with the page\'s form token', async () => {
    const { id, web } = await create({ title: 'curl post' });
    const res = await rawPost(web, { 'content-type': 'application/x-www-form-urlencoded', 'user-agent': 'curl/8.5.0', accept: '*/*' }, withToken(web, 'value=approve'));
    expect(res.status).toBe(200);
    expect((await state(id)).state).toBe('resolved');
  });

  it.each([
    ['a cross-site form', CROSS_SITE_FORM],
    ['a same-site form', { ...BROWSER, origin: 'http://other.127.0.0.1.nip.io', 'sec-fetch-site': 'same-site' }],
    ['a sandboxed cross-site frame (Origin: null)', { ...BROWSER, origin: 'null', 'sec-fetch-site': 'cross-site' }],
    ['an older browser without Sec-Fetch-Site', { ...BROWSER, origin: 'http://evil.example' }],
    ['a bookmarked or typed POST (Sec-Fetch-Site: none)', { ...BROWSER, 'sec-fetch-site': 'none' }],
  ])('refuses %s with 403 and writes nothing, even with a valid form token', async (_what, headers) => {
    const { id, web } = await create({ title: 'Forged from afar' });
    const before = await counts(id);
    const res = await rawPost(web, headers, withToken(web, 'value=approve&name=Mallory'));
    expect(res.status).toBe(403);
    expect(res.html).toContain('sent from another site');
    expect(res.html).not.toContain('Forged from afar');
    expect(await counts(id)).toEqual(before);
    expect((await state(id)).state).toBe('pending');
  });

  it('refuses a post without a form token, then decides with the fresh one the refusal page carries', async () => {
    const { id, web } = await create({ title: 'No token' });
    const before = await counts(id);
    const res = await rawPost(web, SAME_ORIGIN_FORM, 'value=approve&name=Ana');
    expect(res.status).toBe(403);
    expect(res.html).toContain('did not come from this page');
    expect(await counts(id)).toEqual(before);
    const fresh = formTokenIn(res.html);
    expect(fresh).toBeDefined();
    expect((await rawPost(web, SAME_ORIGIN_FORM, withToken(web, 'value=approve', fresh))).status).toBe(200);
    expect((await state(id)).state).toBe('resolved');
  });

  it('refuses a forged form token, and one from another link', async () => {
    const { id, web } = await create({ title: 'Forged token' });
    const other = await create({ title: 'Another request' });
    const before = await counts(id);
    const good = formTokens.get(web)!;
    const forged = [
      good.slice(0, -2) + (good.endsWith('AA') ? 'BB' : 'AA'),
      `${(parseInt(good.split('.')[0]!, 36) + 1).toString(36)}.${good.split('.')[1]}`,
      formTokens.get(other.web)!,
      'garbage',
    ];
    for (const token of forged) {
      const res = await rawPost(web, SAME_ORIGIN_FORM, withToken(web, 'value=approve', token));
      expect(res.status).toBe(403);
    }
    expect(await counts(id)).toEqual(before);
  });
});

describe('GET /r/{token}?value= (an email button) only asks to confirm', () => {
  /**
   * A request with an email recipient, and that recipient's own link. The page reads only the stored
   * recipient, so the test makes recipient 1 an email one in the database: the hub under test may run
   * without the email channel (it needs an SMTP server to be on).
   */
  async function emailLink(title: string): Promise<{ id: string; link: string }> {
    const { id } = await create({ title, recipients: [{ channel: 'web' }, { channel: 'web', to: 'ana@example.com' }] });
    await t.sql`update requests set recipients = ${t.sql.json([{ channel: 'web' }, { channel: 'email', to: 'ana@example.com' }])} where id = ${id}`;
    return { id, link: `${t.baseUrl}/r/${t.hub.tokens.issue(id, 1)}` };
  }
  const browser = { origin: 'null', 'sec-fetch-site': 'same-origin' };

  it('GET and HEAD with ?value=approve decide nothing; the page asks to confirm Approve and has no script', async () => {
    const { id, link } = await emailLink('Confirm me');
    const before = await counts(id);
    const shown = await page(`${link}?value=approve`);
    expect(shown.status).toBe(200);
    expect(shown.html).toContain('You are answering <strong>Approve</strong>.');
    expect(shown.html).toContain('<button type="submit" name="value" value="approve" class="primary">Confirm: Approve</button>');
    expect(shown.html).toMatch(/Or choose another answer:.*<button type="submit" name="value" value="reject" class="danger">Reject<\/button>/s);
    expect(shown.html.indexOf('Confirm: Approve')).toBeLessThan(shown.html.indexOf('value="reject"'));
    expect(shown.html).toContain('This link is for ana@example.com');
    expect(shown.html).not.toMatch(/<script/i);
    expect(shown.headers.get('content-security-policy')).toContain("default-src 'none'");

    const head = await page(`${link}?value=approve`, { method: 'HEAD' });
    expect(head.status).toBe(200);
    expect(head.headers.get('content-type')).toMatch(/^text\/html/);
    expect(head.html).toBe('');

    const after = await counts(id);
    expect(after).toEqual({ ...before, state: 'pending' });
    expect(after.responses).toBe(0);
    const stored = await t.hub.get(id);
    expect(stored?.state).toBe('pending');
    expect(stored?.response).toBeNull();
  });

  it('shows the normal page for a value that is not an option', async () => {
    const { link } = await emailLink('Not an option');
    const shown = await page(`${link}?value=bogus`);
    expect(shown.status).toBe(200);
    expect(shown.html).not.toContain('You are answering');
    expect(shown.html).toContain('<button type="submit" name="value" value="approve" class="primary">Approve</button>');
    expect(shown.html).toContain('<button type="submit" name="value" value="reject" class="danger">Reject</button>');
  });

  it("the confirm form's POST decides, recorded as email:<the address the link was issued to>", async () => {
    const { id, link } = await emailLink('Post to decide');
    const url = `${link}?value=approve`;
    const token = formTokenIn((await page(url)).html)!;
    const res = await post(url, 'value=approve&comment=ship%20it', browser, token);
    expect(res.status).toBe(200);
    const r = await state(id);
    expect(r.state).toBe('resolved');
    expect(r.response).toMatchObject({ value: 'approve', comment: 'ship it', responder: { channel: 'email', id: 'ana@example.com' } });
  });

  it('the other answers on the confirm page decide too', async () => {
    const { id, link } = await emailLink('Changed my mind');
    const url = `${link}?value=approve`;
    const token = formTokenIn((await page(url)).html)!;
    expect((await post(url, 'value=reject', browser, token)).status).toBe(200);
    expect((await state(id)).response).toMatchObject({ value: 'reject', responder: { channel: 'email', id: 'ana@example.com' } });
  });
});

describe('the page shows a quorum\'s approvals, and after the outcome who decided, how, when and why', () => {
  const browser = { origin: 'null', 'sec-fetch-site': 'same-origin' };
  const slackVote = (requestId: string) =>
    t.hub.respond({ requestId, value: 'approve', responder: { channel: 'slack', id: 'U0ANA', name: 'Ana' } });

  it('lists each approval with its channel, then the approvers, the time and the comment', async () => {
    const { id, web } = await create({ title: 'Three to approve', quorum: 3, recipients: [{ channel: 'web' }, { channel: 'web', to: 'ben@example.com' }] });
    await t.sql`update requests set recipients = ${t.sql.json([{ channel: 'web' }, { channel: 'email', to: 'ben@example.com' }])} where id = ${id}`;
    expect((await page(web)).html).toContain('Approvals so far: none yet — 0 of 3');

    expect((await slackVote(id)).status).toBe('counted');
    const ben = `${t.baseUrl}/r/${t.hub.tokens.issue(id, 1)}`;
    expect((await post(ben, 'value=approve', browser, formTokenIn((await page(ben)).html))).status).toBe(200);
    expect((await page(web)).html).toContain('Approvals so far: Ana (Slack), ben@example.com (email) — 2 of 3');

    const decided = await post(web, 'value=approve&name=Cy&comment=%3Cb%3Eship%3C%2Fb%3E%20it', browser);
    expect(decided.status).toBe(200);
    const shown = (await page(web)).html;
    const closedAt = (await state(id)).closed_at as string;
    expect(shown).toContain('Approved by Ana via Slack, ben@example.com via email, Cy via the web page.');
    expect(shown).toContain(`${closedAt.slice(0, 16).replace('T', ' ')} UTC`);
    expect(shown).toContain('<blockquote class="comment">&#60;b&#62;ship&#60;/b&#62; it</blockquote>');
    expect(shown).not.toContain('Approvals so far');
  });

  it('shows no approvals line without a quorum, and no comment block when there is none', async () => {
    const { id, web } = await create({ title: 'Just one' });
    expect((await page(web)).html).not.toContain('Approvals so far');
    expect((await t.api('POST', `/v1/requests/${id}/responses`, { value: 'reject', responder: { name: 'CI bot' } })).status).toBe(200);
    const shown = (await page(web)).html;
    expect(shown).toContain('Rejected by CI bot via the API.');
    expect(shown).not.toContain('<blockquote');
  });
});
