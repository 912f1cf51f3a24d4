// Who answered is proven by the channel (ARCHITECTURE.md): quorum and approvers count proven
// identities, never a name typed on a page or a responder id in an API body.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestHub, type TestHub } from '../helpers/harness.js';
import { keyClient, type Api } from '../helpers/keys.js';

let t: TestHub;
beforeAll(async () => {
  t = await startTestHub();
});
afterAll(async () => t?.stop());

const create = async (body: Record<string, unknown>) => {
  const res = await t.api('POST', '/v1/requests', { title: 'Deploy?', recipients: [{ channel: 'web' }], ...body });
  expect(res.status, JSON.stringify(res.body)).toBe(201);
  return res.body;
};
const get = async (id: string) => (await t.api('GET', `/v1/requests/${id}`)).body;
const voters = (r: { votes: { responder: { channel: string; id: string } }[] }) => r.votes.map((v) => `${v.responder.channel}:${v.responder.id}`);

/** Loads a link's page and posts its form as the browser would (same-origin, with the page's form token). */
async function answerOnPage(url: string, form: string): Promise<{ status: number; html: string }> {
  const token = /name="form_token" value="([^"]+)"/.exec(await (await fetch(url)).text())?.[1];
  expect(token).toBeDefined();
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', origin: 'null', 'sec-fetch-site': 'same-origin' },
    body: `form_token=${encodeURIComponent(token!)}&${form}`,
  });
  return { status: res.status, html: await res.text() };
}

describe('the web page link is one voter', () => {
  it('does not reach quorum 2 with two names typed on one link', async () => {
    const r = await create({ quorum: 2 });
    expect((await answerOnPage(r.links.web, 'value=approve&name=alice')).status).toBe(200);
    const second = await answerOnPage(r.links.web, 'value=approve&name=bob');
    expect(second.status).toBe(200);
    expect(second.html).toContain('Your vote was already counted.');
    const after = await get(r.id);
    expect(after.state).toBe('pending');
    expect(voters(after)).toEqual(['web:page']);
    expect(after.votes[0].responder.name).toBe('alice');
  });
});

describe('per-recipient web links', () => {
  it('gives each web recipient its own link in deliveries, each counting once', async () => {
    const r = await create({ quorum: 3, recipients: [{ channel: 'web', to: 'alice' }, { channel: 'web', to: 'bob' }, { channel: 'web' }] });
    const urls: string[] = r.deliveries.map((d: { url: string }) => d.url);
    expect(urls).toHaveLength(3);
    expect(new Set([...urls, r.links.web]).size).toBe(4);
    for (const [i, url] of urls.entries()) expect(url).toBe(`${t.baseUrl}/r/${t.hub.tokens.issue(r.id, i)}`);
    expect(await (await fetch(urls[0]!)).text()).toContain('This link is for alice');

    expect((await answerOnPage(urls[0]!, 'value=approve&name=Someone')).status).toBe(200);
    expect((await answerOnPage(urls[0]!, 'value=approve&name=Someone+else')).html).toContain('already counted');
    expect((await answerOnPage(urls[1]!, 'value=approve')).status).toBe(200);
    expect((await get(r.id)).state).toBe('pending');
    const last = await answerOnPage(urls[2]!, 'value=approve');
    expect(last.html).toContain('your answer decided this request');
    const done = await get(r.id);
    expect(done.state).toBe('resolved');
    expect(voters(done)).toEqual(['web:alice', 'web:bob', 'web:#2']);
    expect(done.votes[0].responder.name).toBe('Someone');
  });

  it('admits web:<to> as an approver and refuses the other links with 403', async () => {
    const r = await create({ recipients: [{ channel: 'web', to: 'alice' }, { channel: 'web', to: 'bob' }], approvers: ['web:alice'] });
    const [alice, bob] = r.deliveries.map((d: { url: string }) => d.url);
    for (const url of [bob, r.links.web]) {
      const res = await answerOnPage(url, 'value=approve&name=alice');
      expect(res.status).toBe(403);
      expect(res.html).toContain('not an approver');
    }
    expect((await get(r.id)).state).toBe('pending');
    expect((await answerOnPage(alice, 'value=approve')).status).toBe(200);
    expect((await get(r.id)).response.responder).toEqual({ channel: 'web', id: 'alice' });
  });

  it('refuses web approvers that name no link of the request, and ambiguous web recipients', async () => {
    const unknown = await t.api('POST', '/v1/requests', { title: 'x', recipients: [{ channel: 'web', to: 'alice' }], approvers: ['web:bob'] });
    expect(unknown.status).toBe(422);
    expect(unknown.body.errors).toContainEqual({ path: 'approvers.0', message: expect.stringContaining('not a web link of this request') });
    const twice = await t.api('POST', '/v1/requests', { title: 'x', recipients: [{ channel: 'web', to: 'alice' }, { channel: 'web', to: 'alice' }] });
    expect(twice.status).toBe(422);
    expect(twice.body.errors).toContainEqual({ path: 'recipients.1.to', message: 'web recipients need different names' });
    const reserved = await t.api('POST', '/v1/requests', { title: 'x', recipients: [{ channel: 'web', to: 'page' }] });
    expect(reserved.status).toBe(422);
    expect(reserved.body.errors[0].path).toBe('recipients.0.to');
    expect((await t.api('POST', '/v1/requests', { title: 'x', recipients: [{ channel: 'web' }], approvers: ['web:page', 'web:#0'] })).status).toBe(201);
  });
});

describe('an API answer is its key', () => {
  let ana: Api, ben: Api, cy: Api;
  beforeAll(async () => {
    [ana, ben, cy] = [await keyClient(t, 'ana'), await keyClient(t, 'ben'), await keyClient(t, 'cy')];
  });
  const answer = (api: Api, id: string, who: string) => api('POST', `/v1/requests/${id}/responses`, { value: 'approve', responder: { id: who } });

  it('does not reach quorum 3 with one key answering as three responders', async () => {
    const r = await create({ quorum: 3 });
    for (const who of ['ana', 'ben', 'cy']) expect((await answer(ana, r.id, who)).status).toBe(200);
    const after = await get(r.id);
    expect(after.state).toBe('pending');
    expect(voters(after)).toEqual(['api:ana']);
  });

  it('does not pass approvers api:ana, api:ben, api:cy by claiming their names with another key', async () => {
    const r = await create({ quorum: 3, approvers: ['api:ana', 'api:ben', 'api:cy'] });
    for (const who of ['ana', 'ben', 'cy']) {
      const res = await t.api('POST', `/v1/requests/${r.id}/responses`, { value: 'approve', responder: { id: who } });
      expect(res.status).toBe(403);
    }
    const after = await get(r.id);
    expect(after.state).toBe('pending');
    expect(after.votes).toEqual([]);
  });

  it('meets quorum 3 with three keys named as approvers', async () => {
    const r = await create({ quorum: 3, approvers: ['api:ana', 'api:ben', 'api:cy'] });
    expect((await answer(ana, r.id, 'x')).body.state).toBe('pending');
    expect((await answer(ben, r.id, 'x')).body.state).toBe('pending');
    const last = await answer(cy, r.id, 'x');
    expect(last.status).toBe(200);
    expect(last.body.state).toBe('resolved');
    expect(voters(last.body)).toEqual(['api:ana', 'api:ben', 'api:cy']);
  });
});
