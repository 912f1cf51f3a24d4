import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestHub, type TestHub } from '../helpers/harness.js';
import { keyClient, type Api } from '../helpers/keys.js';
import { waitFor } from '../helpers/services.js';

let t: TestHub;
beforeAll(async () => {
  t = await startTestHub();
});
afterAll(async () => t?.stop());

const create = async (extra: Record<string, unknown> = {}) =>
  (await t.api('POST', '/v1/requests', { title: 'Deploy?', recipients: [{ channel: 'web' }], ...extra })).body;
const answer = (id: string, body: unknown) => t.api('POST', `/v1/requests/${id}/responses`, body);
const responses = async (id: string) => (await t.sql`select count(*)::int as n from responses where request_id = ${id}`)[0]!.n;
let keyNames = 0;
/** Stored API keys, one per voter; names are unique per hub. */
const keys = (n: number, prefix = 'voter') => Promise.all(Array.from({ length: n }, () => keyClient(t, `${prefix}-${++keyNames}`)));
const answerAs = (api: Api, id: string, body: unknown) => api('POST', `/v1/requests/${id}/responses`, body);

describe('POST /v1/requests/{id}/responses', () => {
  it('resolves as the API key (the body\'s responder is display only), then refuses later answers with 409', async () => {
    const r = await create();
    const won = await answer(r.id, { value: 'approve', comment: 'ship it', responder: { id: 'ci-bot', name: 'CI' } });
    expect(won.status).toBe(200);
    expect(won.body.state).toBe('resolved');
    expect(won.body.response).toMatchObject({ value: 'approve', comment: 'ship it', fields: {} });
    expect(won.body.response.responder).toEqual({ channel: 'api', id: 'SWITCHBOARD_API_KEY', name: 'CI' });
    expect(Date.parse(won.body.response.responded_at)).toBeGreaterThan(0);
    const late = await answer(r.id, { value: 'reject' });
    expect(late.status).toBe(409);
    expect(late.headers.get('content-type')).toContain('application/problem+json');
    expect(late.body.detail).toBe('Already approved by CI via the API.');
    expect(late.body.request.state).toBe('resolved');
    expect(await responses(r.id)).toBe(1);
    const events = await t.sql`select type, data from events where request_id = ${r.id} order by id`;
    expect(events.map((e) => e.type)).toContain('request.resolved');
    expect(events.filter((e) => e.type === 'answer.refused').map((e) => e.data.why)).toEqual(['closed']);
  });

  it('422s a value not among the options and a malformed body, writing no response', async () => {
    const r = await create();
    const bad = await answer(r.id, { value: 'maybe' });
    expect(bad.status).toBe(422);
    expect(bad.body.errors).toEqual([{ path: 'value', message: 'must be one of: approve, reject' }]);
    const wrongType = await answer(r.id, { value: 7 });
    expect(wrongType.status).toBe(422);
    expect(wrongType.body.errors[0].path).toBe('value');
    const unknown = await answer(r.id, { value: 'approve', vote: 'yes' });
    expect(unknown.status).toBe(422);
    expect(await responses(r.id)).toBe(0);
    expect((await t.api('GET', `/v1/requests/${r.id}`)).body.state).toBe('pending');
  });

  it('validates and types form fields', async () => {
    const r = await create({
      type: 'form', title: 'Details',
      fields: [
        { name: 'reason', label: 'Why?', type: 'text', required: true },
        { name: 'count', label: 'How many', type: 'number' },
        { name: 'env', label: 'Env', type: 'select', options: [{ value: 'prod', label: 'Prod' }, { value: 'dev', label: 'Dev' }] },
      ],
    });
    const missing = await answer(r.id, { fields: { count: 'x', env: 'staging' } });
    expect(missing.status).toBe(422);
    expect(missing.body.errors.map((e: { path: string }) => e.path).sort()).toEqual(['fields.count', 'fields.env', 'fields.reason']);
    const ok = await answer(r.id, { fields: { reason: 'hotfix', count: '3', env: 'prod' } });
    expect(ok.status).toBe(200);
    expect(ok.body.response.fields).toEqual({ reason: 'hotfix', count: 3, env: 'prod' });
    expect(ok.body.response.value).toBeNull();
  });

  it('takes a text answer as the value', async () => {
    const r = await create({ type: 'text', title: 'Release notes?' });
    expect((await answer(r.id, {})).status).toBe(422);
    const ok = await answer(r.id, { value: 'Fixed the login bug' });
    expect(ok.body.response.value).toBe('Fixed the login bug');
  });

  it('enforces approvers by key name, whatever responder the body claims', async () => {
    const [mallory, alice] = [await keyClient(t, 'mallory'), await keyClient(t, 'alice')];
    const r = await create({ approvers: ['api:alice', 'slack:U1'] });
    const claimed = await answer(r.id, { value: 'approve', responder: { id: 'alice' } });
    expect(claimed.status).toBe(403);
    const other = await answerAs(mallory, r.id, { value: 'approve', responder: { id: 'alice', name: 'Alice' } });
    expect(other.status).toBe(403);
    expect(other.headers.get('content-type')).toContain('application/problem+json');
    expect(other.body.detail).toMatch(/not an approver/);
    expect(await responses(r.id)).toBe(0);
    const ok = await answerAs(alice, r.id, { value: 'approve', responder: { name: 'Alice' } });
    expect(ok.status).toBe(200);
    expect(ok.body.state).toBe('resolved');
    expect(ok.body.response.responder).toEqual({ channel: 'api', id: 'alice', name: 'Alice' });
  });

  it('404s an unknown request', async () => {
    const res = await answer('req_00000000000000000000000000', { value: 'approve' });
    expect(res.status).toBe(404);
    expect(res.body.status).toBe(404);
  });
});

describe('quorum', () => {
  it('counts one approval per API key until the quorum is met', async () => {
    const [ana, bo] = await keys(2);
    const r = await create({ quorum: 2 });
    const first = await answerAs(ana!, r.id, { value: 'approve' });
    expect(first.status).toBe(200);
    expect(first.body.state).toBe('pending');
    expect(first.body.votes).toHaveLength(1);
    const again = await answerAs(ana!, r.id, { value: 'approve', responder: { id: 'someone-else' } });
    expect(again.status).toBe(200);
    expect(again.body.state).toBe('pending');
    expect(again.body.votes).toHaveLength(1);
    const second = await answerAs(bo!, r.id, { value: 'approve' });
    expect(second.body.state).toBe('resolved');
    const [anaName, boName] = [first.body.votes[0].responder.id, second.body.response.responder.id];
    expect(second.body.votes.map((v: { responder: { id: string } }) => v.responder.id)).toEqual([anaName, boName]);
    expect(anaName).not.toBe(boName);
  });

  it('resolves at once on any reject', async () => {
    const [ana, bo] = await keys(2);
    const r = await create({ quorum: 3 });
    await answerAs(ana!, r.id, { value: 'approve' });
    const reject = await answerAs(bo!, r.id, { value: 'reject' });
    expect(reject.body.state).toBe('resolved');
    expect(reject.body.response.value).toBe('reject');
  });

  it('counts concurrent votes exactly', async () => {
    const voters = await keys(12);
    const r = await create({ quorum: 5 });
    const results = await Promise.all(voters.map((api) => answerAs(api, r.id, { value: 'approve' })));
    const final = (await t.api('GET', `/v1/requests/${r.id}`)).body;
    expect(final.state).toBe('resolved');
    expect(final.votes).toHaveLength(5);
    expect(results.filter((x) => x.status === 409)).toHaveLength(7);
    const resolvedEvents = await t.sql`select count(*)::int as n from events where request_id = ${r.id} and type = 'request.resolved'`;
    expect(resolvedEvents[0]!.n).toBe(1);
  });
});

describe('cancel', () => {
  it('cancels a pending request once', async () => {
    const r = await create();
    const res = await t.api('POST', `/v1/requests/${r.id}/cancel`);
    expect(res.status).toBe(200);
    expect(res.body.state).toBe('cancelled');
    const again = await t.api('POST', `/v1/requests/${r.id}/cancel`);
    expect(again.status).toBe(409);
    expect((await answer(r.id, { value: 'approve' })).status).toBe(409);
    expect((await t.api('POST', '/v1/requests/req_00000000000000000000000000/cancel')).status).toBe(404);
  });

  it('settles the deliveries of a cancelled request', async () => {
    const r = await create();
    await waitFor(async () => (await t.api('GET', `/v1/requests/${r.id}`)).body.deliveries[0].status === 'delivered');
    await t.api('POST', `/v1/requests/${r.id}/cancel`);
    await waitFor(async () => (await t.api('GET', `/v1/requests/${r.id}`)).body.deliveries[0].status === 'settled', 10_000, 'settled');
  });
});

describe('long-poll', () => {
  it('returns at once when closed and on the answer when pending', async () => {
    const r = await create();
    const started = Date.now();
    const waiting = t.api('GET', `/v1/requests/${r.id}?wait=20`);
    await new Promise((res) => setTimeout(res, 300));
    await answer(r.id, { value: 'reject' });
    const got = await waiting;
    expect(got.status).toBe(200);
    expect(got.body.state).toBe('resolved');
    expect(Date.now() - started).toBeLessThan(5000);
    const t0 = Date.now();
    expect((await t.api('GET', `/v1/requests/${r.id}?wait=20`)).body.state).toBe('resolved');
    expect(Date.now() - t0).toBeLessThan(1000);
  });

  it('returns pending after the wait runs out, and refuses wait > 60', async () => {
    const r = await create();
    const t0 = Date.now();
    const got = await t.api('GET', `/v1/requests/${r.id}?wait=1`);
    expect(got.body.state).toBe('pending');
    expect(Date.now() - t0).toBeGreaterThanOrEqual(950);
    const bad = await t.api('GET', `/v1/requests/${r.id}?wait=61`);
    expect(bad.status).toBe(422);
    expect(bad.body.errors[0].path).toBe('wait');
  });
});
