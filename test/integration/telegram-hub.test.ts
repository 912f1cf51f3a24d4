// Telegram end to end through the real core: API → Postgres → deliver job → fake Bot API; taps (webhook
// mode, POST /telegram/webhook on the hub's own server) and replies (polling mode, getUpdates under the
// lease) → hub.respond → the signed webhook; settle jobs edit every Telegram copy.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { setWebhookCommand } from '../../channels/telegram/index.js';
import { FakeTelegram, type FakeMessage } from '../fakes/telegram.js';
import { WebhookReceiver } from '../fakes/webhook-receiver.js';
import { startTestHub, type TestHub } from '../helpers/harness.js';
import { waitFor } from '../helpers/services.js';

const SECRET = 'hub-telegram-secret_0123456789';

function setUp(mode: 'webhook' | 'polling') {
  const fake = new FakeTelegram();
  const hook = new WebhookReceiver();
  const s = { fake, hook, t: undefined as unknown as TestHub };
  beforeAll(async () => {
    await fake.start();
    const env = { TELEGRAM_BOT_TOKEN: fake.token, TELEGRAM_API_ROOT: fake.url, TELEGRAM_MODE: mode, ...(mode === 'webhook' ? { TELEGRAM_WEBHOOK_SECRET: SECRET } : {}) };
    s.t = await startTestHub({ env });
    await hook.start(s.t.webhookSecret);
    if (mode === 'webhook') await setWebhookCommand({ ...env, PUBLIC_URL: s.t.baseUrl }, () => undefined);
  });
  afterAll(async () => {
    await s.t?.stop();
    await hook.stop();
    await fake.stop();
  });
  return s;
}

async function create(t: TestHub, hook: WebhookReceiver, extra: Record<string, unknown>) {
  const res = await t.api('POST', '/v1/requests', { title: 'Deploy v2.3 to production?', body: 'Adds **retries**.', callback_url: hook.url, ...extra });
  expect(res.status).toBe(201);
  return res.body as { id: string };
}

const get = async (t: TestHub, id: string) => (await t.api('GET', `/v1/requests/${id}`)).body;

/** The bot's message carrying this request's buttons in `chat`, once the deliver job has sent it. */
const messageOf = (fake: FakeTelegram, chat: number, id: string) =>
  waitFor(
    () => fake.messagesIn(chat).find((m) => JSON.stringify(m.message.reply_markup ?? {}).includes(id)),
    10_000,
    `the Telegram message of ${id} in ${chat}`,
  );

const keyboard = (fake: FakeTelegram, m: FakeMessage) => fake.message(m.chatId, m.messageId)!.message.reply_markup;

describe('Telegram through the real hub, webhook mode', () => {
  const s = setUp('webhook');
  const { fake, hook } = s;

  it('refuses a recipient that is not a Telegram chat at create, writing nothing', async () => {
    const res = await s.t.api('POST', '/v1/requests', { title: 'x', recipients: [{ channel: 'telegram', to: 'approvals' }] });
    expect(res.status).toBe(422);
    expect(res.body.errors).toEqual([{ path: 'recipients.0.to', message: expect.stringMatching(/^not a Telegram recipient/) }]);
  });

  it('create → delivered → one tap resolves, the workflow gets its webhook, every copy is settled', async () => {
    const { id } = await create(s.t, hook, {
      recipients: [{ channel: 'telegram', to: String(fake.group.id) }, { channel: 'telegram', to: '@releases' }, { channel: 'telegram', to: '43' }],
      approvers: ['telegram:42'],
    });
    const [group, channel, ben] = await Promise.all([fake.group.id, fake.channel.id, fake.users.ben.id].map((chat) => messageOf(fake, chat, id)));
    await waitFor(async () => (await get(s.t, id)).deliveries.every((d: { status: string }) => d.status === 'delivered'), 10_000, 'deliveries recorded');

    const refused = await fake.tap({ message: group!, from: fake.users.eve, button: 'Approve' });
    expect(fake.answerTo(refused.update.callback_query!.id)).toMatchObject({ text: 'You are not an approver for this request.', show_alert: true });
    const { update, delivery } = await fake.tap({ message: group!, from: fake.users.ana, button: 'Approve' });
    expect(delivery).toMatchObject({ via: 'webhook', status: 200 });
    expect(fake.answerTo(update.callback_query!.id)).toMatchObject({ text: 'Approved by ana via Telegram' });
    expect(fake.answerTo(update.callback_query!.id)!.afterMs).toBeLessThan(1000);

    const done = await get(s.t, id);
    expect(done).toMatchObject({ state: 'resolved', response: { value: 'approve', responder: { channel: 'telegram', id: '42', name: 'ana' } } });
    const webhook = await waitFor(() => hook.received.find((w) => w.json?.data?.id === id), 10_000, 'the webhook');
    expect(webhook).toMatchObject({ verified: true, json: { type: 'request.resolved', data: { state: 'resolved' } } });
    for (const m of [group!, channel!, ben!]) await waitFor(() => keyboard(fake, m) === undefined, 10_000, `copy in ${m.chatId} settled`);
    expect(fake.message(ben!.chatId, ben!.messageId)!.message.text).toMatch(/✅ Approved by ana via Telegram · \d\d:\d\d UTC$/);
    await waitFor(async () => (await get(s.t, id)).deliveries.every((d: { status: string }) => d.status === 'settled'), 10_000, 'deliveries settled');
  });

  it('/readyz shows the bot, the mode and the webhook as Telegram reports them', async () => {
    const ready = (await (await fetch(`${s.t.baseUrl}/readyz`)).json()) as { channels: { name: string; on: boolean; check?: { ok: boolean; detail: string } }[] };
    const telegram = ready.channels.find((c) => c.name === 'telegram')!;
    expect(telegram).toMatchObject({ on: true, check: { ok: true } });
    expect(telegram.check!.detail).toMatch(/@\w+.*webhook/);
  });

  it('a chat the bot was removed from fails the delivery, with Telegram\'s reason', async () => {
    const kicked = fake.addChat({ id: -1003000000001, type: 'supergroup', title: 'Gone' });
    fake.kick(kicked.id);
    const { id } = await create(s.t, hook, { recipients: [{ channel: 'telegram', to: String(kicked.id) }] });
    const failed = await waitFor(async () => ((await get(s.t, id)).deliveries[0].status === 'failed' ? get(s.t, id) : undefined), 10_000, 'the delivery failed');
    expect(failed.deliveries[0].error).toBe('Telegram sendMessage: 403 Forbidden: bot was kicked from the supergroup chat');
  });

  it('a copy in a chat the bot was removed from after delivery fails at settle, with the reason; the others settle', async () => {
    const leaving = fake.addChat({ id: -1003000000002, type: 'supergroup', title: 'Leaving' });
    const { id } = await create(s.t, hook, { recipients: [{ channel: 'telegram', to: String(leaving.id) }, { channel: 'telegram', to: String(fake.group.id) }] });
    await waitFor(async () => (await get(s.t, id)).deliveries.every((d: { status: string }) => d.status === 'delivered'), 10_000, 'both delivered');
    fake.kick(leaving.id);
    expect((await s.t.api('POST', `/v1/requests/${id}/cancel`)).status).toBe(200);
    const after = await waitFor(async () => {
      const r = await get(s.t, id);
      return r.deliveries.every((d: { status: string }) => d.status !== 'delivered') && r;
    }, 10_000, 'both copies handled');
    expect(after.deliveries.map((d: { status: string }) => d.status)).toEqual(['failed', 'settled']);
    expect(after.deliveries[0].error).toMatch(/^Telegram editMessageText: 403 Forbidden: bot was kicked/);
  });
});

describe('Telegram through the real hub, polling mode', () => {
  const s = setUp('polling');
  const { fake, hook } = s;

  it('a text request: Answer, the ForceReply prompt, and the reply resolves it', async () => {
    const { id } = await create(s.t, hook, { type: 'text', recipients: [{ channel: 'telegram', to: '42' }] });
    const message = await messageOf(fake, 42, id);
    await fake.tap({ message, from: fake.users.ana, button: '✍️ Answer' });
    const prompt = await waitFor(() => fake.messagesIn(42).find((m) => m.forceReply), 10_000, 'the prompt');
    const { delivery } = await fake.answerWith({ to: prompt, from: fake.users.ana, text: 'Retries, and a fix for the payment worker.' });
    expect(delivery).toMatchObject({ via: 'getUpdates' });
    const done = await waitFor(async () => ((await get(s.t, id)).state === 'resolved' ? get(s.t, id) : undefined), 10_000, 'resolved');
    expect(done.response).toMatchObject({ value: 'Retries, and a fix for the payment worker.', responder: { channel: 'telegram', id: '42' } });
    await waitFor(() => hook.received.find((w) => w.json?.data?.id === id), 10_000, 'the webhook');
    await waitFor(() => keyboard(fake, message) === undefined, 10_000, 'the message settled');
    expect(fake.message(42, message.messageId)!.message.text).toContain('Answered by ana via Telegram');
  });
});
