// Slack end to end through the real core: API → Postgres → deliver job → fake Slack; signed clicks and
// modal submissions → hub.respond → webhook; settle jobs update every Slack copy.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestHub, type TestHub } from '../helpers/harness.js';
import { waitFor } from '../helpers/services.js';
import { FakeSlack, type FakeMessage } from '../fakes/slack.js';
import { blockActions, formBody, postPayload, postRaw, viewSubmission } from '../fakes/slack-payloads.js';
import { WebhookReceiver } from '../fakes/webhook-receiver.js';

const SECRET = 'e2e-signing-secret-abcdef';
const fake = new FakeSlack();
const hook = new WebhookReceiver();
let t: TestHub;
let events: string;

beforeAll(async () => {
  await fake.start();
  t = await startTestHub({ env: { SLACK_BOT_TOKEN: fake.token, SLACK_SIGNING_SECRET: SECRET, SLACK_API_URL: fake.url } });
  await hook.start(t.webhookSecret);
  events = `${t.baseUrl}/slack/events`;
});
afterAll(async () => {
  await t?.stop();
  await hook.stop();
  await fake.stop();
});

async function create(extra: Record<string, unknown> = {}) {
  const res = await t.api('POST', '/v1/requests', {
    title: 'Deploy v2.3 to production?',
    body: 'Adds **retries** to the payment worker.',
    context: { service: 'payments' },
    recipients: [{ channel: 'slack', to: 'C0APPROVALS' }],
    callback_url: hook.url,
    ...extra,
  });
  expect(res.status).toBe(201);
  return res.body as { id: string };
}

/** The Slack messages that carry this request's buttons, once the deliver jobs have posted them. */
async function messagesOf(id: string, count = 1): Promise<FakeMessage[]> {
  return waitFor(() => {
    const found = [...fake.messages.values()].filter((m) => JSON.stringify(m.blocks).includes(id));
    return found.length >= count ? found : undefined;
  }, 10_000, `${count} Slack message(s) for ${id}`);
}

const get = async (id: string) => (await t.api('GET', `/v1/requests/${id}`)).body;
const responses = async (id: string) => (await t.sql`select count(*)::int as n from responses where request_id = ${id}`)[0]!.n as number;
const webhooksFor = (id: string) => hook.received.filter((w) => w.json?.data?.id === id);
const hasButtons = (m: FakeMessage) => fake.message(m.channel, m.ts)!.blocks.some((b: any) => b.type === 'actions');
const shown = (m: FakeMessage) => JSON.stringify(fake.message(m.channel, m.ts)!.blocks);
const click = (m: FakeMessage, user: string, actionId: string, o: { retryNum?: number } = {}) =>
  postPayload(events, blockActions(fake, { channel: m.channel, ts: m.ts, user, actionId }), { secret: SECRET, ...o });

describe('Slack through the real hub', () => {
  it('refuses a malformed Slack recipient at create time, writing nothing', async () => {
    const res = await t.api('POST', '/v1/requests', { title: 'x', recipients: [{ channel: 'slack', to: 'not a channel' }] });
    expect(res.status).toBe(422);
    expect(res.body.errors).toEqual([{ path: 'recipients.0.to', message: expect.stringMatching(/not a Slack recipient/) }]);
    expect((await t.sql`select count(*)::int as n from requests`)[0]!.n).toBe(0);
  });

  it('delivers a clear message; one click approves, sends the webhook and updates the message', async () => {
    const { id } = await create();
    const [msg] = await messagesOf(id);
    const buttons = msg!.blocks.find((b: any) => b.type === 'actions').elements;
    expect(buttons.map((b: any) => [b.text.text, b.value, b.style])).toEqual([
      ['Approve', `${id}:0`, 'primary'],
      ['Reject', `${id}:1`, 'danger'],
      ['Comment…', id, undefined],
    ]);
    expect(shown(msg!)).toContain('Adds *retries* to the payment worker.');
    await waitFor(async () => (await get(id)).deliveries[0].status === 'delivered', 5000, 'delivery recorded');

    const res = await click(msg!, 'U0ANA', 'sb:opt:0');
    expect(res.status).toBe(200);
    const done = await waitFor(async () => ((await get(id)).state === 'resolved' ? get(id) : undefined), 5000, 'resolved');
    expect(done.response).toMatchObject({ value: 'approve', responder: { channel: 'slack', id: 'U0ANA', name: 'Ana' } });
    const [webhook] = await waitFor(() => (webhooksFor(id).length ? webhooksFor(id) : undefined), 5000, 'webhook');
    expect(webhook).toMatchObject({ verified: true, json: { type: 'request.resolved' } });
    await waitFor(() => !hasButtons(msg!), 5000, 'buttons removed');
    expect(shown(msg!)).toContain('✅ Approved by <@U0ANA>');
    await waitFor(async () => (await get(id)).deliveries[0].status === 'settled', 5000, 'delivery settled');
    // The click's in-place update already shows the outcome: the settle job does not send the same edit again.
    expect(fake.callsTo('chat.update').filter((c) => c.args.ts === msg!.ts)).toHaveLength(1);
  });

  it('quorum 2 needs two Slack users; every Slack copy (channel and DM) is settled', async () => {
    const { id } = await create({ quorum: 2, recipients: [{ channel: 'slack', to: 'C0APPROVALS' }, { channel: 'slack', to: 'U0BEN' }] });
    const msgs = await messagesOf(id, 2);
    const inChannel = msgs.find((m) => m.channel === 'C0APPROVALS')!;
    const dm = msgs.find((m) => m.channel === 'D0BEN')!;
    await waitFor(async () => (await get(id)).deliveries.every((d: any) => d.status === 'delivered'), 5000, 'both delivered');
    await click(inChannel, 'U0ANA', 'sb:opt:0');
    await waitFor(() => fake.ephemerals.some((e) => e.user === 'U0ANA' && e.text === 'Your approval is counted: 1 of 2.'), 5000, 'counted');
    expect((await get(id)).state).toBe('pending');
    await click(dm, 'U0BEN', 'sb:opt:0');
    await waitFor(() => !hasButtons(inChannel) && !hasButtons(dm), 8000, 'both copies settled');
    expect(shown(inChannel)).toContain('Approved by <@U0ANA>, <@U0BEN>');
    expect((await get(id)).votes).toHaveLength(2);
    expect(webhooksFor(id)).toHaveLength(1);
  });

  it('shows the workflow and its last decisions as a context line', async () => {
    const first = await create({ title: 'Migrate schema?', workflow_id: 'wf-e2e-1' });
    expect((await t.api('POST', `/v1/requests/${first.id}/responses`, { value: 'approve', responder: { id: 'ci', name: 'CI' } })).status).toBe(200);
    const { id } = await create({ title: 'Deploy after migration?', workflow_id: 'wf-e2e-1' });
    const [msg] = await messagesOf(id);
    expect(JSON.stringify(msg!.blocks)).toContain('Workflow `wf-e2e-1`');
    expect(JSON.stringify(msg!.blocks)).toContain('Recent: ✅ Migrate schema? (approved by CI via the API)');
  });

  it('a non-approver gets an ephemeral and nothing changes', async () => {
    const { id } = await create({ approvers: ['slack:U0ANA'] });
    const [msg] = await messagesOf(id);
    await waitFor(async () => (await get(id)).deliveries[0].status === 'delivered', 5000, 'delivered');
    await click(msg!, 'U0EVE', 'sb:opt:1');
    await waitFor(() => fake.ephemerals.some((e) => e.user === 'U0EVE' && e.text === 'You are not an approver for this request.'), 5000, 'ephemeral');
    expect((await get(id)).state).toBe('pending');
    expect(await responses(id)).toBe(0);
    expect(fake.message(msg!.channel, msg!.ts)!.updates).toBe(0);
  });

  it('a modal submission carries a comment', async () => {
    const { id } = await create();
    const [msg] = await messagesOf(id);
    await waitFor(async () => (await get(id)).deliveries[0].status === 'delivered', 5000, 'delivered');
    await click(msg!, 'U0BEN', 'sb:comment');
    const view = await waitFor(() => [...fake.views.values()].find((v) => v.view.private_metadata.includes(id)), 5000, 'modal');
    const res = await postPayload(events, viewSubmission(fake, view.id, { 'sb:value': 'reject', 'sb:comment': 'Not before the freeze ends.' }), { secret: SECRET });
    expect(res.status).toBe(200);
    const done = await waitFor(async () => ((await get(id)).state === 'resolved' ? get(id) : undefined), 5000, 'resolved');
    expect(done.response).toMatchObject({ value: 'reject', comment: 'Not before the freeze ends.', responder: { id: 'U0BEN', name: 'Ben' } });
    await waitFor(() => !hasButtons(msg!), 5000, 'settled');
    expect(shown(msg!)).toContain('❌ Rejected by <@U0BEN>');
  });

  it('a form is answered through its modal fields', async () => {
    const { id } = await create({
      type: 'form',
      title: 'Release notes',
      fields: [
        { name: 'summary', label: 'Summary', type: 'textarea', required: true },
        { name: 'risk', label: 'Risk', type: 'select', options: [{ value: 'low', label: 'Low' }, { value: 'high', label: 'High' }] },
        { name: 'canary', label: 'Canary %', type: 'number' },
      ],
    });
    const [msg] = await messagesOf(id);
    await waitFor(async () => (await get(id)).deliveries[0].status === 'delivered', 5000, 'delivered');
    await click(msg!, 'U0ANA', 'sb:answer');
    const view = await waitFor(() => [...fake.views.values()].find((v) => v.view.private_metadata.includes(id)), 5000, 'modal');
    await postPayload(events, viewSubmission(fake, view.id, { 'f:summary': 'Retries for payments', 'f:risk': 'low', 'f:canary': '5' }), { secret: SECRET });
    const done = await waitFor(async () => ((await get(id)).state === 'resolved' ? get(id) : undefined), 5000, 'resolved');
    expect(done.response.fields).toEqual({ summary: 'Retries for payments', risk: 'low', canary: 5 });
    await waitFor(() => !hasButtons(msg!), 5000, 'settled');
    expect(shown(msg!)).toContain('Retries for payments');
  });

  it('an answer through another channel (the API) settles the Slack message', async () => {
    const { id } = await create();
    const [msg] = await messagesOf(id);
    await waitFor(async () => (await get(id)).deliveries[0].status === 'delivered', 5000, 'delivered');
    // Ana's Slack client still shows the buttons when she clicks, after the API answer.
    const lateClick = blockActions(fake, { channel: msg!.channel, ts: msg!.ts, user: 'U0ANA', actionId: 'sb:opt:0' });
    const res = await t.api('POST', `/v1/requests/${id}/responses`, { value: 'reject', responder: { id: 'ci-bot', name: 'CI' } });
    expect(res.status).toBe(200);
    await waitFor(() => !hasButtons(msg!), 8000, 'settled');
    expect(shown(msg!)).toContain('❌ Rejected by CI via the API');
    // The late click is told who decided, and counts for nothing.
    expect((await postPayload(events, lateClick, { secret: SECRET })).status).toBe(200);
    await waitFor(() => fake.ephemerals.some((e) => e.user === 'U0ANA' && e.text === 'Already rejected by CI via the API.'), 5000, 'ephemeral');
    expect(await responses(id)).toBe(1);
  });

  it('a cancel settles the message too', async () => {
    const { id } = await create();
    const [msg] = await messagesOf(id);
    await waitFor(async () => (await get(id)).deliveries[0].status === 'delivered', 5000, 'delivered');
    expect((await t.api('POST', `/v1/requests/${id}/cancel`)).status).toBe(200);
    await waitFor(() => !hasButtons(msg!), 8000, 'settled');
    expect(shown(msg!)).toContain('🚫 Cancelled');
  });

  it('a 429 on chat.postMessage delays the delivery by Retry-After, then delivers', async () => {
    fake.rateLimit('chat.postMessage', 1, 1);
    const started = Date.now();
    const { id } = await create({ title: 'Rate limited one' });
    await messagesOf(id);
    const posts = fake.callsTo('chat.postMessage').filter((c) => c.at >= started);
    expect(posts.length).toBeGreaterThanOrEqual(2);
    expect(posts[1]!.at - posts[0]!.at).toBeGreaterThanOrEqual(900);
    await waitFor(async () => (await get(id)).deliveries[0].status === 'delivered', 5000, 'delivered');
  });

  it('bad, missing and expired signatures are refused with 401 and nothing is written', async () => {
    const { id } = await create();
    const [msg] = await messagesOf(id);
    const body = formBody(blockActions(fake, { channel: msg!.channel, ts: msg!.ts, user: 'U0ANA', actionId: 'sb:opt:0' }));
    const old = Math.floor(Date.now() / 1000) - 600;
    for (const res of [
      await postRaw(events, body, { secret: 'not-the-secret' }),
      await postRaw(events, body, { secret: SECRET, signature: null }),
      await postRaw(events, body, { secret: SECRET, timestamp: old }),
    ]) {
      expect(res.status).toBe(401);
    }
    await new Promise((r) => setTimeout(r, 300));
    expect(await responses(id)).toBe(0);
    expect((await get(id)).state).toBe('pending');
  });

  it('a Slack retry of the same click makes one answer', async () => {
    const { id } = await create();
    const [msg] = await messagesOf(id);
    await waitFor(async () => (await get(id)).deliveries[0].status === 'delivered', 5000, 'delivered');
    const payload = blockActions(fake, { channel: msg!.channel, ts: msg!.ts, user: 'U0ANA', actionId: 'sb:opt:1' });
    const [a, b] = await Promise.all([
      postPayload(events, payload, { secret: SECRET }),
      postPayload(events, payload, { secret: SECRET, retryNum: 1 }),
    ]);
    expect([a.status, b.status]).toEqual([200, 200]);
    await waitFor(async () => (await get(id)).state === 'resolved', 5000, 'resolved');
    await new Promise((r) => setTimeout(r, 500));
    expect(await responses(id)).toBe(1);
    expect(webhooksFor(id)).toHaveLength(1);
  });
});
