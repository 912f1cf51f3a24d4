// The HumanLayer-compatible API (/humanlayer/v1) on a real hub: its raw routes, and the real
// `humanlayer` npm client pointed at it with HUMANLAYER_API_BASE, answered through Switchboard's own API.
import { humanlayer } from 'humanlayer';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { FakeSlack } from '../fakes/slack.js';
import { startTestHub, type TestHub } from '../helpers/harness.js';
import { keyClient } from '../helpers/keys.js';
import { suffix, waitFor } from '../helpers/services.js';

const slack = new FakeSlack();
let t: TestHub;
beforeAll(async () => {
  await slack.start();
  t = await startTestHub({ env: { SLACK_BOT_TOKEN: slack.token, SLACK_SIGNING_SECRET: 'humanlayer-test-secret', SLACK_API_URL: slack.url } });
});
afterAll(async () => {
  await t?.stop();
  await slack.stop();
});
afterEach(() => vi.unstubAllEnvs());

const HL = '/humanlayer/v1';
const ids = () => ({ run_id: `run-${suffix()}`, call_id: `call-${suffix()}` });
const functionCall = (spec: Record<string, unknown> = {}, call = ids()) => ({ ...call, spec: { fn: 'send_email', kwargs: { to: 'ana@example.com', subject: 'Hi' }, ...spec } });
const post = (path: string, body: unknown) => t.api('POST', `${HL}${path}`, body);
const get = (path: string) => t.api('GET', `${HL}${path}`);
/** The Switchboard request behind a HumanLayer run (run_id is its workflow_id). */
const requestOfRun = async (runId: string) =>
  waitFor(async () => (await t.api('GET', `/v1/requests?workflow_id=${runId}`)).body.data[0], 10_000, `the request of run ${runId}`);

describe('POST /function_calls and GET /function_calls/{call_id}', () => {
  it('creates an approval from spec.fn and spec.kwargs, pending without status.approved', async () => {
    const body = functionCall();
    const created = await post('/function_calls', body);
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ run_id: body.run_id, call_id: body.call_id, spec: { fn: 'send_email', kwargs: body.spec.kwargs, channel: null } });
    expect(Date.parse(created.body.status.requested_at)).toBeGreaterThan(0);
    expect(created.body.status).not.toHaveProperty('approved');
    expect(created.body.switchboard.web_url).toMatch(new RegExp(`^${t.baseUrl}/r/`));

    const request = (await t.api('GET', `/v1/requests/${created.body.switchboard.request_id}`)).body;
    expect(request).toMatchObject({
      type: 'approval', title: 'Run send_email?', context: body.spec.kwargs, workflow_id: body.run_id, recipients: [{ channel: 'web' }], state: 'pending',
    });
    expect(request.body).toContain('`send_email`');

    const read = await get(`/function_calls/${body.call_id}`);
    expect(read.status).toBe(200);
    expect(read.body).toEqual(created.body);
  });

  it('gives the same call back for a repeated POST, and 409s a call_id reused with another spec', async () => {
    const body = functionCall();
    const first = await post('/function_calls', body);
    const again = await post('/function_calls', body);
    expect(again.status).toBe(200);
    expect(again.body.switchboard.request_id).toBe(first.body.switchboard.request_id);
    const other = await post('/function_calls', { ...body, spec: { ...body.spec, fn: 'delete_repo' } });
    expect(other.status).toBe(409);
    expect(other.body.detail).toContain(body.call_id);
  });

  it('maps spec.channel.slack to a Slack recipient (allowed_responder_ids to approvers) and posts there', async () => {
    const body = functionCall({ fn: 'deploy', channel: { slack: { channel_or_user_id: 'C0APPROVALS', allowed_responder_ids: ['U0ANA'], bot_token: 'xoxb-secret' } } });
    const created = await post('/function_calls', body);
    expect(created.status).toBe(201);
    expect(created.body.spec.channel).toEqual({ slack: { channel_or_user_id: 'C0APPROVALS', allowed_responder_ids: ['U0ANA'] } });
    const request = (await t.api('GET', `/v1/requests/${created.body.switchboard.request_id}`)).body;
    expect(request.recipients).toEqual([{ channel: 'slack', to: 'C0APPROVALS' }]);
    expect(request.approvers).toEqual(['slack:U0ANA']);
    expect(JSON.stringify(request.metadata)).not.toContain('xoxb-secret');
    const message = await waitFor(() => [...slack.messages.values()].find((m) => JSON.stringify(m.blocks).includes(request.id)), 10_000, 'the Slack message');
    expect(message.channel).toBe('C0APPROVALS');
    expect(JSON.stringify(message.blocks)).toContain('Run deploy?');
  });

  it('422s a channel that is off in this hub, one Switchboard has not, and a malformed spec, naming HumanLayer\'s fields', async () => {
    const runs: string[] = [];
    const refuse = async (spec: Record<string, unknown>) => {
      const call = ids();
      runs.push(call.run_id);
      const res = await post('/function_calls', { ...call, spec });
      expect(res.status).toBe(422);
      expect(res.headers.get('content-type')).toContain('application/problem+json');
      return res.body.errors;
    };
    const kwargs = { to: 'ana@example.com' };
    expect(await refuse({ fn: 'send_email', kwargs, channel: { email: { address: 'ana@example.com' } } }))
      .toEqual([{ path: 'spec.channel.email', message: expect.stringContaining('channel email is off') }]);
    expect(await refuse({ fn: 'send_email', kwargs, channel: { sms: { phone_number: '+15550100' } } }))
      .toEqual([{ path: 'spec.channel.sms', message: 'the sms channel is not supported by Switchboard' }]);
    expect(await refuse({ fn: 'send_email', kwargs, channel: { slack: { channel_or_user_id: 'not a channel' } } }))
      .toEqual([{ path: 'spec.channel.slack.channel_or_user_id', message: expect.any(String) }]);
    expect((await refuse({ kwargs })).map((e: { path: string }) => e.path)).toEqual(['spec.fn']);
    expect((await refuse({ fn: 'send_email', kwargs: 'to=ana' })).map((e: { path: string }) => e.path)).toEqual(['spec.kwargs']);
    expect((await t.sql`select count(*)::int as n from requests where workflow_id = any(${runs})`)[0]!.n).toBe(0);
  });

  it('401s without a valid key, 404s an unknown call_id, another kind\'s and another key\'s, 403s a key without the scope', async () => {
    const body = functionCall();
    await post('/function_calls', body);
    expect((await fetch(`${t.baseUrl}${HL}/function_calls/${body.call_id}`)).status).toBe(401);
    const wrongKey = await t.api('GET', `${HL}/function_calls/${body.call_id}`, undefined, { authorization: 'Bearer sb_not_a_key' });
    expect(wrongKey.status).toBe(401);
    expect(wrongKey.headers.get('www-authenticate')).toBe('Bearer realm="switchboard"');
    const unknown = await get('/function_calls/call-nope');
    expect(unknown.status).toBe(404);
    expect(unknown.body.detail).toBe('Function call call-nope does not exist.');
    expect((await get(`/contact_requests/${body.call_id}`)).status).toBe(404);
    const reader = await keyClient(t, `hl-reader-${suffix()}`, ['requests:read']);
    expect((await reader('GET', `${HL}/function_calls/${body.call_id}`)).status).toBe(404);
    const refused = await reader('POST', `${HL}/function_calls`, functionCall());
    expect(refused.status).toBe(403);
    expect(refused.body.missing_scope).toBe('requests:write');
  });
});

describe('POST /agent/function_calls/{call_id}/respond', () => {
  it('answers as the API key: approved false with the comment, then 409 once decided', async () => {
    const body = functionCall();
    await post('/function_calls', body);
    const denied = await post(`/agent/function_calls/${body.call_id}/respond`, { approved: false, comment: 'not to customers' });
    expect(denied.status).toBe(200);
    expect(denied.body.status).toMatchObject({ approved: false, comment: 'not to customers' });
    expect(Date.parse(denied.body.status.responded_at)).toBeGreaterThan(0);
    const request = (await t.api('GET', `/v1/requests/${denied.body.switchboard.request_id}`)).body;
    expect(request.response).toMatchObject({ value: 'reject', comment: 'not to customers', responder: { channel: 'api', id: 'SWITCHBOARD_API_KEY' } });
    expect((await get(`/function_calls/${body.call_id}`)).body.status.approved).toBe(false);
    const late = await post(`/agent/function_calls/${body.call_id}/respond`, { approved: true });
    expect(late.status).toBe(409);
    expect(late.body.detail).toBe('Already rejected by SWITCHBOARD_API_KEY via the API.');
  });

  it('needs responses:write, and reports a cancelled call as not approved, saying so', async () => {
    const body = functionCall();
    const created = await post('/function_calls', body);
    const asker = await keyClient(t, `hl-asker-${suffix()}`, ['requests:read', 'requests:write']);
    const refused = await asker('POST', `${HL}/agent/function_calls/${body.call_id}/respond`, { approved: true });
    expect(refused.status).toBe(403);
    expect(refused.body.missing_scope).toBe('responses:write');
    const otherAgent = await keyClient(t, `hl-other-${suffix()}`);
    expect((await otherAgent('POST', `${HL}/agent/function_calls/${body.call_id}/respond`, { approved: true })).status).toBe(404);
    expect((await post(`/agent/function_calls/${body.call_id}/respond`, { comment: 'no verdict' })).status).toBe(422);
    await t.api('POST', `/v1/requests/${created.body.switchboard.request_id}/cancel`, { reason: 'agent stopped' });
    const read = await get(`/function_calls/${body.call_id}`);
    expect(read.body.status).toMatchObject({ approved: false, comment: 'This request was cancelled.' });
  });
});

describe('contact requests', () => {
  it('creates a text request from spec.msg; the answer is status.response', async () => {
    const call = ids();
    const created = await post('/contact_requests', { ...call, spec: { msg: 'Which region should I deploy to?\nWe have eu and us.' } });
    expect(created.status).toBe(201);
    expect(created.body.status).toEqual({ requested_at: expect.any(String) });
    const request = (await t.api('GET', `/v1/requests/${created.body.switchboard.request_id}`)).body;
    expect(request).toMatchObject({ type: 'text', title: 'Which region should I deploy to?', body: 'Which region should I deploy to?\nWe have eu and us.', workflow_id: call.run_id });
    expect((await get(`/function_calls/${call.call_id}`)).status).toBe(404);
    const answered = await post(`/agent/human_contacts/${call.call_id}/respond`, { response: 'eu-west-1' });
    expect(answered.status).toBe(200);
    const read = await get(`/contact_requests/${call.call_id}`);
    expect(read.body.spec.msg).toBe('Which region should I deploy to?\nWe have eu and us.');
    expect(read.body.status).toMatchObject({ response: 'eu-west-1' });
    const late = await t.api('POST', `/v1/requests/${request.id}/responses`, { value: 'us-east-1' });
    expect(late.status).toBe(409);
    expect(late.body.request.response.value).toBe('eu-west-1');
  });

  it('reports a cancelled contact request in status.response, so a polling agent stops waiting', async () => {
    const call = ids();
    const created = await post('/contact_requests', { ...call, spec: { msg: 'Still there?', channel: null, state: { step: 3 } } });
    expect(created.body.spec).toEqual({ msg: 'Still there?', channel: null, state: { step: 3 } });
    await t.api('POST', `/v1/requests/${created.body.switchboard.request_id}/cancel`, {});
    const read = await get(`/contact_requests/${call.call_id}`);
    expect(read.body.status).toMatchObject({ response: 'This request was cancelled.', responded_at: expect.any(String) });
  });

  it('lists the HumanLayer routes in /openapi.json', async () => {
    const doc = await (await fetch(`${t.baseUrl}/openapi.json`)).json();
    expect(Object.keys(doc.paths).filter((p) => p.startsWith(HL)).sort()).toEqual([
      `${HL}/agent/function_calls/{call_id}/respond`, `${HL}/agent/human_contacts/{call_id}/respond`,
      `${HL}/contact_requests`, `${HL}/contact_requests/{call_id}`, `${HL}/function_calls`, `${HL}/function_calls/{call_id}`,
    ]);
  });
});

describe('the humanlayer npm client with HUMANLAYER_API_BASE pointed at the hub', () => {
  /** The client as an agent builds it from the environment; only its 3 s poll is shortened. */
  const client = (runId: string) => {
    vi.stubEnv('HUMANLAYER_API_BASE', `${t.baseUrl}${HL}`);
    vi.stubEnv('HUMANLAYER_API_KEY', t.apiKey);
    return humanlayer({ runId, sleep: () => new Promise((r) => setTimeout(r, 50)) });
  };
  const answer = (id: string, body: unknown) => t.api('POST', `/v1/requests/${id}/responses`, body);

  it('requireApproval runs the function once, with its arguments, when approved', async () => {
    const runId = `agent-${suffix()}`;
    const calls: unknown[] = [];
    function send_email(args: { to: string }) {
      calls.push(args);
      return `sent to ${args.to}`;
    }
    const guarded = client(runId).requireApproval()(send_email);
    const result = guarded({ to: 'ana@example.com' });
    const request = await requestOfRun(runId);
    expect(request).toMatchObject({ type: 'approval', title: 'Run send_email?', context: { to: 'ana@example.com' } });
    expect(calls).toEqual([]);
    expect((await answer(request.id, { value: 'approve' })).status).toBe(200);
    expect(await result).toBe('sent to ana@example.com');
    expect(calls).toEqual([{ to: 'ana@example.com' }]);
  });

  it('requireApproval does not run the function when rejected, and passes the comment back', async () => {
    const runId = `agent-${suffix()}`;
    const calls: unknown[] = [];
    function drop_table(args: { name: string }) {
      calls.push(args);
      return 'dropped';
    }
    const result = client(runId).requireApproval()(drop_table)({ name: 'users' });
    const request = await requestOfRun(runId);
    expect((await answer(request.id, { value: 'reject', comment: 'use a migration instead' })).status).toBe(200);
    expect(await result).toBe('User denied function drop_table with comment: use a migration instead');
    expect(calls).toEqual([]);
  });

  it('humanAsTool returns the text a person answered', async () => {
    const runId = `agent-${suffix()}`;
    const result = client(runId).humanAsTool()({ message: 'What is the staging password policy?' });
    const request = await requestOfRun(runId);
    expect(request).toMatchObject({ type: 'text', title: 'What is the staging password policy?' });
    expect((await answer(request.id, { value: '16 characters, rotated monthly' })).status).toBe(200);
    expect(await result).toBe('16 characters, rotated monthly');
  });
});
