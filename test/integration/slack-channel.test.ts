// The Slack channel against the fake Slack, through the real Bolt app, the real WebClient and the hub's
// real HTTP server, with an in-memory hub: delivery, clicks, modals, settle, signatures, bad input.
import pino from 'pino';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { ChannelError } from '../../channels/channel.js';
import { createSlackChannel, slackTarget, type SlackChannel } from '../../channels/slack/index.js';
import { NOTICE } from '../../channels/slack/actions.js';
import { loadConfig } from '../../src/config.js';
import type { Request } from '../../src/domain/types.js';
import { FakeSlack } from '../fakes/slack.js';
import { makeRequest, MemoryHub, startSlackChannel } from '../fakes/slack-hub.js';
import { waitFor } from '../helpers/services.js';
import { blockActions, formBody, postPayload, postRaw, slackSignature, viewSubmission } from '../fakes/slack-payloads.js';

const SECRET = 'test-signing-secret-0123456789';
const log = pino({ level: process.env.TEST_LOG_LEVEL ?? 'silent' });
const fake = new FakeSlack();
const hub = new MemoryHub();
let channel: SlackChannel;
let events: string;
let prefix: string;
let stopChannel: () => Promise<void>;

beforeAll(async () => {
  await fake.start();
  const started = await startSlackChannel(fake, hub, { SLACK_SIGNING_SECRET: SECRET });
  ({ channel, prefix, stop: stopChannel } = started);
  events = `${started.base}/slack/events`;
});
afterAll(async () => {
  await stopChannel?.();
  await fake.stop();
});
afterEach(() => {
  hub.respondDelayMs = 0;
});

const until = <T>(fn: () => T | undefined | false, ms = 5000) => waitFor(fn, ms);
const quiet = () => new Promise((r) => setTimeout(r, 300));

/** A request delivered to #approvals, as the deliver job would: stored in the hub with its ref. */
async function delivered(over: Partial<Request> = {}, to = 'C0APPROVALS') {
  const req = hub.add(makeRequest(over));
  const ref = (await channel.deliver(req, to, 0)) as { channel: string; ts: string };
  hub.delivered(req.id, to, ref);
  return { req, ref };
}

const click = (ref: { channel: string; ts: string }, user: string, actionId: string, extra: Partial<Parameters<typeof blockActions>[1]> = {}) =>
  postPayload(events, blockActions(fake, { ...ref, user, actionId, ...extra }), { secret: SECRET });

const ephemeralsFor = (user: string) => fake.ephemerals.filter((e) => e.user === user).map((e) => e.text);
const hasActions = (ref: { channel: string; ts: string }) => fake.message(ref.channel, ref.ts)!.blocks.some((b: any) => b.type === 'actions');

describe('delivery', () => {
  it('posts a Block Kit message to a channel id and returns its ref', async () => {
    const { req, ref } = await delivered({ body: 'Roll out **v2.3**', context: { service: 'payments' } });
    expect(ref).toEqual({ channel: 'C0APPROVALS', ts: expect.stringMatching(/^\d+\.\d{6}$/) });
    const call = fake.callsTo('chat.postMessage').at(-1)!;
    expect(call.token).toBe(fake.token);
    const buttons = call.args.blocks.find((b: any) => b.type === 'actions').elements;
    expect(buttons.map((b: any) => b.value)).toEqual([`${req.id}:0`, `${req.id}:1`, req.id]);
    expect(buttons.every((b: any) => b.value.length <= 2000 && b.action_id.length <= 255)).toBe(true);
    expect(JSON.stringify(call.args.blocks)).toContain('Roll out *v2.3*');
  });

  it('delivers to a user as a DM (conversations.open) and to a #name', async () => {
    const dm = await delivered({}, 'U0BEN');
    expect(fake.callsTo('conversations.open').at(-1)!.args.users).toBe('U0BEN');
    expect(dm.ref.channel).toBe('D0BEN');
    const named = await delivered({}, '#approvals');
    expect(named.ref.channel).toBe('C0APPROVALS');
  });

  it('maps bad recipients and Slack errors to ChannelError kinds', async () => {
    const req = makeRequest();
    await expect(channel.deliver(req, 'not a channel', 0)).rejects.toMatchObject({ kind: 'invalid' });
    await expect(channel.deliver(req, 'C0NOPE', 0)).rejects.toMatchObject({ kind: 'not_found', message: 'Slack chat.postMessage: channel_not_found' });
    fake.failNext('chat.postMessage', 'invalid_auth');
    const err = await channel.deliver(req, 'C0APPROVALS', 0).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ChannelError);
    expect(err).toMatchObject({ kind: 'auth', retryable: false });
    expect((err as Error).message).not.toContain(fake.token);
  });
});

describe('clicks', () => {
  it('approve → acked, answered as the Slack user with their name, message updated in place', async () => {
    const { req, ref } = await delivered();
    const res = await click(ref, 'U0ANA', 'sb:opt:0');
    expect(res.status).toBe(200);
    await until(() => !hasActions(ref));
    expect(hub.answers.filter((a) => a.requestId === req.id)).toEqual([{ requestId: req.id, value: 'approve', responder: { channel: 'slack', id: 'U0ANA', name: 'Ana' } }]);
    expect(JSON.stringify(fake.message(ref.channel, ref.ts)!.blocks)).toContain('✅ Approved by <@U0ANA> · <!date^');
    expect((await hub.get(req.id))!.state).toBe('resolved');
  });

  it('acks within 3 s even when the hub is slow', async () => {
    const { req, ref } = await delivered();
    hub.respondDelayMs = 3500;
    const res = await click(ref, 'U0ANA', 'sb:opt:1');
    expect(res.status).toBe(200);
    expect(res.ms).toBeLessThan(1500);
    await until(() => hub.requests.get(req.id)!.state === 'resolved', 8000);
  });

  it('quorum 2: the first approval is counted, the second resolves', async () => {
    const { req, ref } = await delivered({ quorum: 2 });
    await click(ref, 'U0ANA', 'sb:opt:0');
    await until(() => ephemeralsFor('U0ANA').includes('Your approval is counted: 1 of 2.'));
    expect(hasActions(ref)).toBe(true);
    expect(JSON.stringify(fake.message(ref.channel, ref.ts)!.blocks)).toContain('1 of 2 approvals: <@U0ANA>');
    await click(ref, 'U0BEN', 'sb:opt:0');
    await until(() => !hasActions(ref));
    expect(JSON.stringify(fake.message(ref.channel, ref.ts)!.blocks)).toContain('Approved by <@U0ANA>, <@U0BEN>');
    expect(hub.requests.get(req.id)!.votes).toHaveLength(2);
  });

  it('a non-approver gets an ephemeral and nothing changes', async () => {
    const { req, ref } = await delivered({ approvers: ['slack:U0ANA'] });
    const before = fake.message(ref.channel, ref.ts)!.updates;
    await click(ref, 'U0EVE', 'sb:opt:0');
    await until(() => ephemeralsFor('U0EVE').includes(NOTICE.notApprover));
    expect(hub.requests.get(req.id)!.state).toBe('pending');
    expect(fake.message(ref.channel, ref.ts)!.updates).toBe(before);
    // Nor can they open the modal.
    await click(ref, 'U0EVE', 'sb:comment');
    await until(() => ephemeralsFor('U0EVE').filter((t) => t === NOTICE.notApprover).length === 2);
    expect(fake.views.size === 0 || [...fake.views.values()].every((v) => v.user !== 'U0EVE')).toBe(true);
  });

  it('a click after someone decided elsewhere says who, and shows the outcome', async () => {
    const { req, ref } = await delivered();
    hub.close(req.id, 'resolved', { value: 'reject', comment: null, fields: {}, responder: { channel: 'telegram', id: '42', name: 'Ana' }, responded_at: new Date().toISOString() });
    await click(ref, 'U0BEN', 'sb:opt:0');
    await until(() => ephemeralsFor('U0BEN').includes('Already rejected by Ana via Telegram.'));
    await until(() => !hasActions(ref));
  });

  it('a static select answers a choice with many options', async () => {
    const options = Array.from({ length: 8 }, (_, i) => ({ value: `v${i}`, label: `Option ${i}` }));
    const { req, ref } = await delivered({ type: 'choice', options });
    await click(ref, 'U0ANA', 'sb:select', { selectValue: `${req.id}:6` });
    await until(() => hub.requests.get(req.id)!.response?.value === 'v6');
  });
});

describe('modals', () => {
  it('approval with a comment: views.open with the trigger_id, then view_submission', async () => {
    const { req, ref } = await delivered();
    await click(ref, 'U0ANA', 'sb:comment');
    const view = await until(() => [...fake.views.values()].find((v) => JSON.parse(v.view.private_metadata).r === req.id));
    expect(view.view.callback_id).toBe('sb:view:approval');
    const res = await postPayload(events, viewSubmission(fake, view.id, { 'sb:value': 'reject', 'sb:comment': 'not on a Friday' }), { secret: SECRET });
    expect(res).toMatchObject({ status: 200, text: '' });
    await until(() => !hasActions(ref));
    expect(hub.requests.get(req.id)!.response).toMatchObject({ value: 'reject', comment: 'not on a Friday', responder: { id: 'U0ANA', name: 'Ana' } });
    expect(JSON.stringify(fake.message(ref.channel, ref.ts)!.blocks)).toContain('>not on a Friday');
  });

  it('form fields map to inputs and come back typed', async () => {
    const { req, ref } = await delivered({
      type: 'form',
      options: [],
      fields: [
        { name: 'reason', label: 'Why?', type: 'text', required: true },
        { name: 'replicas', label: 'Replicas', type: 'number' },
        { name: 'urgent', label: 'Urgent', type: 'boolean' },
        { name: 'env', label: 'Where', type: 'select', options: [{ value: 'prod', label: 'Production' }, { value: 'stg', label: 'Staging' }] },
      ],
    });
    await click(ref, 'U0BEN', 'sb:answer');
    const view = await until(() => [...fake.views.values()].find((v) => JSON.parse(v.view.private_metadata).r === req.id));
    const bad = await postPayload(events, viewSubmission(fake, view.id, { 'f:reason': 'x', 'f:replicas': 'three' }), { secret: SECRET });
    expect(JSON.parse(bad.text)).toEqual({ response_action: 'errors', errors: { 'f:replicas': 'Enter a number.' } });
    await quiet();
    expect(hub.answers.some((a) => a.requestId === req.id)).toBe(false);
    await postPayload(events, viewSubmission(fake, view.id, { 'f:reason': 'hotfix', 'f:replicas': '3', 'f:urgent': ['true'], 'f:env': 'stg' }), { secret: SECRET });
    await until(() => hub.requests.get(req.id)!.state === 'resolved');
    expect(hub.requests.get(req.id)!.response!.fields).toEqual({ reason: 'hotfix', replicas: 3, urgent: true, env: 'stg' });
    await until(() => !hasActions(ref));
  });

  it('text requests take a free-text answer', async () => {
    const { req, ref } = await delivered({ type: 'text', options: [] });
    await click(ref, 'U0ANA', 'sb:answer');
    const view = await until(() => [...fake.views.values()].find((v) => JSON.parse(v.view.private_metadata).r === req.id));
    await postPayload(events, viewSubmission(fake, view.id, { 'sb:text': 'use the blue one' }), { secret: SECRET });
    await until(() => hub.requests.get(req.id)!.response?.value === 'use the blue one');
  });
});

describe('copies that were never recorded', () => {
  /** A second copy of a request, posted as a crashed delivery would have left it: in Slack, not in the hub. */
  async function strayCopy(req: Request, to = 'C0APPROVALS') {
    return (await channel.deliver(req, to, 0, { id: `dlv_stray_${req.id.slice(-6)}`, attempt: 0 })) as { channel: string; ts: string };
  }

  it('a click on an unrecorded copy decides the request its button names, and updates that copy', async () => {
    const { req, ref } = await delivered();
    const stray = await strayCopy(req);
    await click(stray, 'U0ANA', 'sb:opt:1');
    await until(() => hub.requests.get(req.id)!.state === 'resolved');
    expect(hub.requests.get(req.id)!.response).toMatchObject({ value: 'reject', responder: { id: 'U0ANA' } });
    await until(() => !hasActions(stray));
    expect(JSON.stringify(fake.message(stray.channel, stray.ts)!.blocks)).toContain('❌ Rejected by <@U0ANA>');
    expect(ephemeralsFor('U0ANA')).not.toContain(NOTICE.tampered);
    // The recorded copy is the settle job's to update; the click did not touch it.
    expect(hasActions(ref)).toBe(true);
  });

  it('a late click on a stale copy gets the closed reply and replaces that copy with the outcome', async () => {
    const { req } = await delivered();
    const stray = await strayCopy(req);
    hub.close(req.id, 'resolved', { value: 'approve', comment: null, fields: {}, responder: { channel: 'api', id: 'ci', name: 'CI' }, responded_at: new Date().toISOString() });
    // Ben's Slack still shows the buttons: both clicks are made on the copy as it was.
    const payloads = ['sb:opt:0', 'sb:comment'].map((actionId) => blockActions(fake, { ...stray, user: 'U0BEN', actionId }));
    for (const payload of payloads) {
      const before = ephemeralsFor('U0BEN').length;
      await postPayload(events, payload, { secret: SECRET });
      await until(() => ephemeralsFor('U0BEN').length > before);
      expect(ephemeralsFor('U0BEN').at(-1)).toBe('Already approved by CI via the API.');
    }
    await until(() => !hasActions(stray));
    expect(JSON.stringify(fake.message(stray.channel, stray.ts)!.blocks)).toContain('✅ Approved by CI via the API');
    expect(hub.answers.filter((a) => a.requestId === req.id)).toHaveLength(1);
  });

  it('a modal opened from an unrecorded copy decides, and updates the copy it came from', async () => {
    const { req } = await delivered();
    const stray = await strayCopy(req);
    await click(stray, 'U0ANA', 'sb:comment');
    const view = await until(() => [...fake.views.values()].find((v) => JSON.parse(v.view.private_metadata).r === req.id));
    await postPayload(events, viewSubmission(fake, view.id, { 'sb:value': 'approve', 'sb:comment': 'from the other copy' }), { secret: SECRET });
    await until(() => hub.requests.get(req.id)!.state === 'resolved');
    expect(hub.requests.get(req.id)!.response).toMatchObject({ value: 'approve', comment: 'from the other copy' });
    await until(() => !hasActions(stray));
  });
});

describe('settle', () => {
  it('an answer through another channel settles the Slack message', async () => {
    const { req, ref } = await delivered();
    const closed = hub.close(req.id, 'resolved', { value: 'reject', comment: null, fields: {}, responder: { channel: 'telegram', id: '42', name: 'Ana' }, responded_at: new Date().toISOString() });
    await channel.settle(closed, ref, { state: 'resolved', response: closed.response! });
    expect(hasActions(ref)).toBe(false);
    expect(JSON.stringify(fake.message(ref.channel, ref.ts)!.blocks)).toContain('❌ Rejected by Ana via Telegram');
  });

  it('shows expiry and cancellation', async () => {
    for (const state of ['expired', 'cancelled'] as const) {
      const { req, ref } = await delivered();
      const closed = hub.close(req.id, state, null);
      await channel.settle(closed, ref, { state, response: null });
      expect(JSON.stringify(fake.message(ref.channel, ref.ts)!.blocks)).toContain(state === 'expired' ? '⌛ Expired' : '🚫 Cancelled');
    }
  });

  it('returns quietly for a message deleted in Slack', async () => {
    const { req, ref } = await delivered();
    const closed = hub.close(req.id, 'cancelled', null);
    fake.deleteMessage(ref.channel, ref.ts);
    await expect(channel.settle(closed, ref, { state: 'cancelled', response: null })).resolves.toBeUndefined();
    expect(fake.callsTo('chat.update').at(-1)).toMatchObject({ args: { channel: ref.channel, ts: ref.ts }, status: 200 });
  });
});

describe('request verification', () => {
  it('bad, missing, stale and future signatures get 401 and nothing is written', async () => {
    const { req, ref } = await delivered();
    const body = formBody(blockActions(fake, { ...ref, user: 'U0ANA', actionId: 'sb:opt:0' }));
    const calls = fake.calls.length;
    const now = Math.floor(Date.now() / 1000);
    const attempts = [
      await postRaw(events, body, { secret: 'wrong-secret' }),
      await postRaw(events, body, { secret: SECRET, signature: null }),
      await postRaw(events, body, { secret: SECRET, timestamp: now - 6 * 60 }),
      await postRaw(events, body, { secret: SECRET, timestamp: now + 6 * 60 }),
      await postRaw(events, body.replace('U0ANA', 'U0BEN'), { secret: SECRET, timestamp: now, signature: slackSignature(SECRET, now, body) }),
    ];
    for (const res of attempts) {
      expect(res.status).toBe(401);
      expect(res.text).not.toContain(SECRET);
    }
    await quiet();
    expect(hub.answers.some((a) => a.requestId === req.id)).toBe(false);
    expect(fake.calls.length).toBe(calls);
  });

  it('a Slack retry (X-Slack-Retry-Num) of the same interaction creates no second answer', async () => {
    const { req, ref } = await delivered();
    const payload = blockActions(fake, { ...ref, user: 'U0ANA', actionId: 'sb:opt:0' });
    hub.respondDelayMs = 200;
    const first = await postPayload(events, payload, { secret: SECRET });
    const retry = await postPayload(events, payload, { secret: SECRET, retryNum: 1 });
    expect([first.status, retry.status]).toEqual([200, 200]);
    await until(() => hub.requests.get(req.id)!.state === 'resolved');
    await quiet();
    expect(hub.answers.filter((a) => a.requestId === req.id)).toHaveLength(1);
    expect(ephemeralsFor('U0ANA').filter((t) => t.startsWith('Already'))).toHaveLength(0);
  });

  it('a retry that reaches another hub process creates no second answer either', async () => {
    const other = await startSlackChannel(fake, hub, { SLACK_SIGNING_SECRET: SECRET }, { prefix });
    try {
      const { req, ref } = await delivered();
      const payload = blockActions(fake, { ...ref, user: 'U0ANA', actionId: 'sb:opt:0' });
      hub.respondDelayMs = 200;
      const first = await postPayload(events, payload, { secret: SECRET });
      const retry = await postPayload(`${other.base}/slack/events`, payload, { secret: SECRET, retryNum: 1 });
      expect([first.status, retry.status]).toEqual([200, 200]);
      await until(() => hub.requests.get(req.id)!.state === 'resolved');
      await quiet();
      expect(hub.answers.filter((a) => a.requestId === req.id)).toHaveLength(1);
      expect(ephemeralsFor('U0ANA').filter((t) => t.startsWith('Already'))).toHaveLength(0);
    } finally {
      await other.stop();
    }
  });

  it('answers the Events API url_verification challenge and ignores the unsigned ssl_check', async () => {
    const res = await postRaw(events, JSON.stringify({ type: 'url_verification', token: 't', challenge: 'abc123' }), { secret: SECRET, contentType: 'application/json' });
    expect(res).toMatchObject({ status: 200 });
    expect(JSON.parse(res.text)).toEqual({ challenge: 'abc123' });
    const ssl = await postRaw(events, 'ssl_check=1&token=x', { secret: SECRET, signature: null });
    expect(ssl.status).toBe(200);
  });
});

describe('bad input', () => {
  it('unknown action ids, tampered values and unknown requests get an ephemeral and no answer', async () => {
    const { req, ref } = await delivered();
    const cases: [Record<string, unknown>, string][] = [
      [{ action_id: 'sb:launch_missiles' }, NOTICE.unknownAction],
      [{ value: `${req.id}:1` }, NOTICE.tampered], // index does not match the action id
      [{ value: `${req.id}:9`, action_id: 'sb:opt:9' }, NOTICE.tampered], // no such option
      [{ value: 'req_doesnotexist0000000000000:0' }, NOTICE.noRequest],
    ];
    for (const [override, notice] of cases) {
      const before = ephemeralsFor('U0BEN').length;
      const res = await click(ref, 'U0BEN', 'sb:opt:0', { override });
      expect(res.status).toBe(200);
      await until(() => ephemeralsFor('U0BEN').length > before);
      expect(ephemeralsFor('U0BEN').at(-1)).toBe(notice);
    }
    expect(hub.answers.some((a) => a.requestId === req.id)).toBe(false);
    expect(hasActions(ref)).toBe(true);
  });

  it('when the hub fails, the clicker is told and nothing crashes', async () => {
    const { ref } = await delivered();
    const get = vi.spyOn(hub, 'get').mockRejectedValue(new Error('connection refused'));
    try {
      const res = await click(ref, 'U0BEN', 'sb:opt:0');
      expect(res.status).toBe(200);
      await until(() => ephemeralsFor('U0BEN').at(-1) === NOTICE.failed);
    } finally {
      get.mockRestore();
    }
    expect(hasActions(ref)).toBe(true);
  });

  it('a payload that is not JSON, or no payload at all, is a 400', async () => {
    expect((await postRaw(events, 'payload=%7Bnot-json', { secret: SECRET })).status).toBe(400);
    expect((await postRaw(events, 'command=%2Fdeploy&text=now', { secret: SECRET })).status).toBe(400);
    expect((await postRaw(events, '[1,2]', { secret: SECRET, contentType: 'application/json' })).status).toBe(400);
  });

  it('a team that is not ours is a 403 and writes nothing', async () => {
    const { req, ref } = await delivered();
    const res = await click(ref, 'U0ANA', 'sb:opt:0', { teamId: 'T0SOMEONEELSE' });
    expect(res.status).toBe(403);
    await quiet();
    expect(hub.answers.some((a) => a.requestId === req.id)).toBe(false);
  });

  it('an unrecognised modal gets an inline error', async () => {
    const { req, ref } = await delivered();
    await click(ref, 'U0ANA', 'sb:comment');
    const view = await until(() => [...fake.views.values()].find((v) => JSON.parse(v.view.private_metadata).r === req.id));
    const payload = viewSubmission(fake, view.id, { 'sb:value': 'approve' }) as any;
    payload.view.private_metadata = '{"r":"forged"}';
    const res = await postPayload(events, payload, { secret: SECRET });
    expect(JSON.parse(res.text)).toEqual({ response_action: 'errors', errors: { 'sb:value': NOTICE.unknownView } });
  });
});

describe('check and factory', () => {
  it('reports the bot and its missing scopes (auth.test + x-oauth-scopes)', async () => {
    expect(await channel.check()).toEqual({ ok: true, detail: 'bot @switchboard in team Acme; scopes ok' });
    const all = fake.scopes;
    fake.scopes = ['chat:write', 'users:read', 'channels:history'];
    try {
      expect(await channel.check()).toEqual({
        ok: false,
        detail:
          'bot @switchboard in team Acme; missing scopes: im:write; without chat:write.public the bot must be invited to each channel; ' +
          'without groups:history, im:history a delivery interrupted mid-post (a crash) cannot find its earlier post there and may post a second copy',
      });
    } finally {
      fake.scopes = all;
    }
    fake.failNext('auth.test', 'invalid_auth');
    expect(await channel.check()).toMatchObject({ ok: false, detail: expect.stringContaining('invalid_auth') });
  });

  it('looked each clicker up with users.info once (cached)', () => {
    const lookups = fake.callsTo('users.info').map((c) => c.args.user);
    expect(lookups.filter((u) => u === 'U0ANA')).toHaveLength(1);
    expect(lookups.filter((u) => u === 'U0BEN')).toHaveLength(1);
  });

  it('reads recipients: user ids, conversation ids, #names', () => {
    expect(slackTarget('U0ANA')).toEqual({ kind: 'user', to: 'U0ANA' });
    expect(slackTarget(' C0APPROVALS ')).toEqual({ kind: 'conversation', to: 'C0APPROVALS' });
    expect(slackTarget('#Deploys')).toEqual({ kind: 'name', to: '#deploys' });
    for (const bad of [undefined, '', 'general', '#', '#two words', 'u0ana', '<@U0ANA>']) expect(slackTarget(bad)).toHaveProperty('error');
  });

  it('is off without a token, and needs a signing secret in HTTP mode', () => {
    expect(createSlackChannel(loadConfig({}), log)).toEqual({ disabledReason: 'SLACK_BOT_TOKEN is not set' });
    expect(createSlackChannel(loadConfig({ SLACK_BOT_TOKEN: 'xoxb-1' }), log).disabledReason).toMatch(/SLACK_SIGNING_SECRET is required/);
    expect(createSlackChannel(loadConfig({ SLACK_BOT_TOKEN: 'xoxb-1', SLACK_APP_TOKEN: 'xapp-1' }), log).channel).toBeDefined();
    expect(createSlackChannel(loadConfig({ SLACK_BOT_TOKEN: 'xoxp-user', SLACK_SIGNING_SECRET: 's' }), log).disabledReason).toMatch(/bot token/);
  });
});
