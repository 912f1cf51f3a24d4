// The Telegram channel against the fake Bot API (test/fakes/telegram.ts), through grammy and the hub's
// real HTTP server, with an in-memory hub and real Redis for the lease and the duplicate guard: webhook
// and polling mode, taps, text and form replies, settle, platform failures, doctor's check and set-webhook.
import pino from 'pino';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ChannelError } from '../../channels/channel.js';
import { setWebhookCommand, telegram, type TelegramChannel } from '../../channels/telegram/index.js';
import { NOTICE } from '../../channels/telegram/taps.js';
import { NOT_APPROVER } from '../../src/domain/outcome-text.js';
import type { MessageRef, Request } from '../../src/domain/types.js';
import { startPlugin, type StartedChannel } from '../channels/start.js';
import { MemoryHub } from '../fakes/memory-hub.js';
import { FakeTelegram, type FakeMessage, type TgChat, type TgUser } from '../fakes/telegram.js';
import { makeRequest } from '../helpers/fixtures.js';
import { freePort, waitFor } from '../helpers/services.js';

const SECRET = 'telegram-webhook-secret_0123456789';
const logLines: string[] = [];
const log = pino({ level: 'debug' }, { write: (line: string) => void logLines.push(line) });
const hub = new MemoryHub({ publicUrl: 'https://hub.example.com' });

afterEach(() => {
  hub.respondDelayMs = 0;
});

let chats = 0;
/** A supergroup of its own for each test: Telegram paces every chat on its own (20 messages a minute in a group). */
function newGroup(fake: FakeTelegram): TgChat {
  chats += 1;
  return fake.addChat({ id: -1002000000000 - chats, type: 'supergroup', title: `Group ${chats}` });
}

interface Setup {
  fake: FakeTelegram;
  channel: TelegramChannel;
  started: StartedChannel;
  env: Record<string, string>;
}

async function setUp(mode: 'webhook' | 'polling'): Promise<Setup> {
  const fake = new FakeTelegram();
  await fake.start();
  const port = await freePort();
  const env: Record<string, string> = {
    TELEGRAM_BOT_TOKEN: fake.token,
    TELEGRAM_API_ROOT: fake.url,
    TELEGRAM_MODE: mode,
    PUBLIC_URL: `http://127.0.0.1:${port}`,
    ...(mode === 'webhook' ? { TELEGRAM_WEBHOOK_SECRET: SECRET } : {}),
  };
  const started = await startPlugin(telegram, { env, hub, log, port });
  return { fake, channel: started.channel as TelegramChannel, started, env };
}

async function delivered(s: Setup, over: Partial<Request> = {}, to: string | number = newGroup(s.fake).id) {
  const req = hub.add(makeRequest({ recipients: [{ channel: 'telegram', to: String(to) }], created_at: new Date().toISOString(), ...over }));
  const ref = await s.channel.deliver(req, String(to), 0);
  hub.delivered(req.id, String(to), ref, 'telegram');
  const message = () => s.fake.message(Number(ref.chat_id), Number(ref.message_id))!;
  return { req, ref, message };
}

const current = (id: string) => hub.requests.get(id)!;
const keyboardOf = (m: FakeMessage) => m.message.reply_markup?.inline_keyboard ?? [];
/** The bot's replies to a person's message. */
const repliesTo = (fake: FakeTelegram, chat: number, messageId: number) =>
  fake.messagesIn(chat).filter((m) => m.message.from?.id === fake.bot.id && m.message.reply_to_message?.message_id === messageId);

/** Taps Answer and waits for the ForceReply prompt the bot sends. */
async function prompt(s: Setup, message: FakeMessage, from: TgUser): Promise<FakeMessage> {
  const { update } = await s.fake.tap({ message, from, button: '✍️ Answer' });
  await waitFor(() => s.fake.answerTo(update.callback_query!.id), 3000, 'the tap answered');
  return waitFor(() => s.fake.messagesIn(message.chatId).find((m) => m.forceReply && m.message.reply_to_message?.message_id === message.messageId), 3000, 'the prompt');
}

describe('webhook mode', () => {
  let s: Setup;
  beforeAll(async () => {
    s = await setUp('webhook');
    const out: string[] = [];
    expect(await setWebhookCommand(s.env, (line) => out.push(line))).toBe(0);
    expect(out[0]).toBe(`setWebhook ${s.env.PUBLIC_URL}/telegram/webhook (allowed_updates message, callback_query): Telegram answered true`);
    expect(out[1]).toMatch(/^getWebhookInfo: webhook http:\/\/127\.0\.0\.1:\d+\/telegram\/webhook; 0 update\(s\) pending$/);
  });
  afterAll(async () => {
    await s?.started.stop();
    await s?.fake.stop();
  });

  describe('deliver', () => {
    it('sends an HTML message with its keyboard, to a chat id or an @channelusername, and returns its ref', async () => {
      const { req, ref, message } = await delivered(s, { body: 'Roll out **v2.3**', context: { service: 'payments' } });
      expect(ref).toEqual({ chat_id: expect.any(Number), message_id: expect.any(Number) });
      const call = s.fake.callsTo('sendMessage').at(-1)!;
      expect(call.params).toMatchObject({ parse_mode: 'HTML', link_preview_options: { is_disabled: true } });
      expect(message().message.text).toBe(`${req.title}\n\nRoll out v2.3\n\nservice payments`);
      expect(keyboardOf(message())).toEqual([[{ text: 'Approve', callback_data: `o:${req.id}:0` }, { text: 'Reject', callback_data: `o:${req.id}:1` }]]);
      const named = await delivered(s, {}, '@approvals');
      expect(named.ref.chat_id).toBe(s.fake.group.id);
    });

    it('refuses a recipient that is not a chat at create, and follows a group that became a supergroup', async () => {
      expect(s.channel.validateRecipient('#general')).toMatch(/^not a Telegram recipient/);
      expect(s.channel.validateRecipient('-1001234567890')).toBeUndefined();
      await expect(s.channel.deliver(makeRequest(), 'nope', 0)).rejects.toMatchObject({ kind: 'invalid' });
      const target = newGroup(s.fake);
      s.fake.failNext('sendMessage', { error_code: 400, description: 'Bad Request: group chat was upgraded to a supergroup chat', parameters: { migrate_to_chat_id: target.id } });
      const { ref } = await delivered(s, {}, s.fake.basicGroup.id);
      expect(ref.chat_id).toBe(target.id);
    });

    it('gives a form its recipient\'s own link to the web page', async () => {
      const { req, message } = await delivered(s, { type: 'form', options: [], fields: [{ name: 'reason', label: 'Why?', type: 'text', required: true }] });
      const link = keyboardOf(message())[1]![0]!;
      expect(link.text).toBe('🔗 Open the form');
      expect(hub.tokens.verify(String(link.url).replace('https://hub.example.com/r/', ''))).toEqual({ requestId: req.id, recipient: 0 });
    });
  });

  describe('taps', () => {
    it('a tap decides as the Telegram user, is answered within a second, and edits the message in place', async () => {
      const { req, message } = await delivered(s);
      const { update, delivery } = await s.fake.tap({ message: message(), from: s.fake.users.ana, button: 'Approve' });
      expect(delivery).toMatchObject({ via: 'webhook', status: 200 });
      expect(current(req.id)).toMatchObject({ state: 'resolved', response: { value: 'approve', responder: { channel: 'telegram', id: '42', name: 'ana' } } });
      const answer = s.fake.answerTo(update.callback_query!.id)!;
      expect(answer).toMatchObject({ text: 'Approved by ana via Telegram', show_alert: false });
      expect(answer.afterMs).toBeLessThan(1000);
      await waitFor(() => keyboardOf(message()).length === 0, 3000, 'the keyboard gone');
      expect(message().message.text).toMatch(/✅ Approved by ana via Telegram · \d\d:\d\d UTC$/);
    });

    it('a non-approver gets an alert and a late tap hears who decided; nothing changes', async () => {
      const { req, message } = await delivered(s, { approvers: ['telegram:42'] });
      const { update } = await s.fake.tap({ message: message(), from: s.fake.users.eve, button: 'Approve' });
      expect(s.fake.answerTo(update.callback_query!.id)).toMatchObject({ text: NOT_APPROVER, show_alert: true });
      expect(current(req.id).state).toBe('pending');
      expect(message().edits).toBe(0);
      hub.resolve(req.id, { responder: { channel: 'slack', id: 'U1', name: 'Ana' }, value: 'approve' });
      const late = await s.fake.tap({ message: message(), from: s.fake.users.ana, button: 'Reject' });
      expect(s.fake.answerTo(late.update.callback_query!.id)).toMatchObject({ text: 'Already approved by Ana via Slack.', show_alert: false });
      await waitFor(() => keyboardOf(message()).length === 0, 3000, 'the late tapper\'s copy shows the outcome');
      expect(hub.answersTo(req.id).map((a) => a.value)).toEqual(['approve', 'reject']);
    });

    it('answers the tap within a second even when the hub is slow, and still edits the message after', async () => {
      hub.respondDelayMs = 1500;
      const { req, message } = await delivered(s);
      const { update } = await s.fake.tap({ message: message(), from: s.fake.users.ben, button: 'Reject' });
      const answer = s.fake.answerTo(update.callback_query!.id)!;
      expect(answer.afterMs).toBeLessThan(1000);
      expect(answer.text).toBeUndefined();
      await waitFor(() => current(req.id).state === 'resolved', 5000, 'the request resolved');
      await waitFor(() => keyboardOf(message()).length === 0, 5000, 'the message edited');
      expect(message().message.text).toContain('Rejected by ben_okafor via Telegram');
    });

    it('a re-sent update (same update_id) is handled once', async () => {
      const { req, message } = await delivered(s);
      const { update } = await s.fake.tap({ message: message(), from: s.fake.users.ana, button: 'Reject' });
      const logged = logLines.length;
      expect(await s.fake.redeliver(update)).toMatchObject({ via: 'webhook', status: 200 });
      expect(logLines.slice(logged).some((l) => (JSON.parse(l) as { msg: string }).msg === 'telegram: ignored a repeated update')).toBe(true);
      expect(hub.answersTo(req.id)).toHaveLength(1);
    });

    it('a button naming a request that was not sent to that chat decides nothing (clients can send any callback_data)', async () => {
      const target = await delivered(s);
      const elsewhere = await delivered(s);
      const { update } = await s.fake.tap({ message: elsewhere.message(), from: s.fake.users.ana, data: `o:${target.req.id}:0` });
      expect(s.fake.answerTo(update.callback_query!.id)).toMatchObject({ text: NOTICE.tampered, show_alert: true });
      const junk = await s.fake.tap({ message: elsewhere.message(), from: s.fake.users.ana, data: 'o:req_x:99999' });
      expect(s.fake.answerTo(junk.update.callback_query!.id)).toMatchObject({ text: NOTICE.unknownButton, show_alert: true });
      expect(hub.answersTo(target.req.id)).toEqual([]);
      expect(current(target.req.id).state).toBe('pending');
    });

    it('a forged secret header is a 401, with nothing written', async () => {
      const { req, message } = await delivered(s);
      const update = s.fake.callbackQuery({ message: message(), from: s.fake.users.ana, button: 'Approve' });
      for (const secret of [undefined, 'another-secret', `${SECRET}x`, '']) {
        const res = await s.fake.forgeWebhookPost(update, secret);
        expect(res.status, String(secret)).toBe(401);
        expect(JSON.parse(res.body)).toMatchObject({ status: 401, title: expect.any(String) });
        expect(res.body).not.toContain(SECRET);
      }
      expect(hub.answersTo(req.id)).toEqual([]);
      expect(s.fake.answerTo(update.callback_query!.id)).toBeUndefined();
      expect(message().edits).toBe(0);
      // Not even the update's id was recorded: Telegram's own delivery of it still counts.
      expect(await s.fake.send(update)).toMatchObject({ via: 'webhook', status: 200 });
      expect(current(req.id).state).toBe('resolved');
    });
  });

  describe('text and form replies', () => {
    it('Answer sends a ForceReply prompt; the reply to it is the answer', async () => {
      const { req, message } = await delivered(s, { type: 'text', options: [] });
      const p = await prompt(s, message(), s.fake.users.ben);
      expect(p.forceReply).toEqual({ selective: true, input_field_placeholder: 'Your answer' });
      expect(p.message.text).toContain(`reply to this message with your answer to ${req.title}`);
      const { update } = await s.fake.answerWith({ to: p, from: s.fake.users.ben, text: 'use the blue one' });
      expect(current(req.id)).toMatchObject({ state: 'resolved', response: { value: 'use the blue one', responder: { channel: 'telegram', id: '43', name: 'ben_okafor' } } });
      const reply = await waitFor(() => repliesTo(s.fake, message().chatId, update.message!.message_id)[0], 3000, 'the bot\'s reply');
      expect(reply.message.text).toBe('Thank you — your answer decided this request.');
    });

    it('a form reply of name: value lines decides', async () => {
      const fields = [
        { name: 'reason', label: 'Why?', type: 'textarea' as const, required: true },
        { name: 'count', label: 'How many', type: 'number' as const, required: true },
      ];
      const { req, message } = await delivered(s, { type: 'form', options: [], fields });
      const p = await prompt(s, message(), s.fake.users.ana);
      expect(p.message.text).toContain('reason: Why? (required, may run over several lines)');
      await s.fake.answerWith({ to: p, from: s.fake.users.ana, text: 'reason: it is safe\nand tested\ncount: 3' });
      expect(current(req.id)).toMatchObject({ state: 'resolved', response: { fields: { reason: 'it is safe\nand tested', count: 3 }, responder: { id: '42' } } });
    });

    it('a form reply that does not fill the required fields gets a short correction and decides nothing', async () => {
      const fields = [
        { name: 'reason', label: 'Why?', type: 'text' as const, required: true },
        { name: 'count', label: 'How many', type: 'number' as const, required: true },
      ];
      const { req, message } = await delivered(s, { type: 'form', options: [], fields });
      const p = await prompt(s, message(), s.fake.users.ana);
      const { update } = await s.fake.answerWith({ to: p, from: s.fake.users.ana, text: 'reason: because' });
      const correction = await waitFor(() => repliesTo(s.fake, message().chatId, update.message!.message_id)[0], 3000, 'the correction');
      expect(correction.message.text).toBe('Missing: How many (count). Nothing was recorded. Reply to the prompt again with one field a line, e.g. reason: …');
      expect(hub.answersTo(req.id)).toEqual([]);
      expect(current(req.id).state).toBe('pending');
      // A second reply to the same prompt, complete this time, decides.
      await s.fake.answerWith({ to: p, from: s.fake.users.ana, text: 'reason: because\ncount: 1' });
      expect(current(req.id)).toMatchObject({ state: 'resolved', response: { fields: { reason: 'because', count: 1 } } });
    });

    it('a non-approver is not prompted; a message that answers no prompt is ignored in groups and explained in private', async () => {
      const { req, message } = await delivered(s, { type: 'text', options: [], approvers: ['telegram:42'] });
      const { update } = await s.fake.tap({ message: message(), from: s.fake.users.eve, button: '✍️ Answer' });
      expect(s.fake.answerTo(update.callback_query!.id)).toMatchObject({ text: NOT_APPROVER, show_alert: true });
      expect(s.fake.messagesIn(message().chatId).filter((m) => m.forceReply)).toEqual([]);
      const chatter = s.fake.text({ chat: s.fake.group, from: s.fake.users.eve, text: `Request ${req.id}` });
      expect(await s.fake.send(chatter)).toMatchObject({ status: 200 });
      const hello = s.fake.text({ chat: { id: 44, type: 'private', first_name: 'Eve' }, from: s.fake.users.eve, text: 'hello?' });
      await s.fake.send(hello);
      const reply = await waitFor(() => repliesTo(s.fake, 44, hello.message!.message_id)[0], 3000, 'the greeting');
      expect(reply.message.text).toContain('Your identity for approvers: telegram:44\nThis chat for recipients: 44');
      const whoami = s.fake.text({ chat: s.fake.group, from: s.fake.users.ben, text: '/whoami@switchboard_bot' });
      await s.fake.send(whoami);
      const inGroup = await waitFor(() => repliesTo(s.fake, s.fake.group.id, whoami.message!.message_id)[0], 3000, 'the answer to /whoami');
      expect(inGroup.message.text).toContain(`Your identity for approvers: telegram:43\nThis chat for recipients: ${s.fake.group.id}`);
      expect(repliesTo(s.fake, s.fake.group.id, chatter.message!.message_id)).toEqual([]);
      expect(hub.answersTo(req.id)).toEqual([]);
    });
  });

  describe('settle', () => {
    const endings: [string, Partial<Request>, (r: Request) => ReturnType<MemoryHub['cancel']>, RegExp][] = [
      ['resolved', {}, (r) => hub.resolve(r.id, { responder: { channel: 'slack', id: 'U1', name: 'Ana' }, value: 'reject' }), /❌ Rejected by Ana via Slack · \d\d:\d\d UTC$/],
      ['expired', { timeout_seconds: 60, on_timeout: { value: 'reject' } }, (r) => hub.expire(r.id), /⌛ Expired · \d\d:\d\d UTC — Reject applied$/],
      ['cancelled', {}, (r) => hub.cancel(r.id), /🚫 Cancelled · \d\d:\d\d UTC$/],
    ];
    for (const [ending, over, close, shown] of endings) {
      it(`${ending}: every copy is edited to the outcome, without its keyboard`, async () => {
        const group = newGroup(s.fake);
        const person = s.fake.addUser({ id: 5000 + chats, first_name: 'Dee' });
        const recipients = [String(group.id), String(person.id)];
        const req = hub.add(makeRequest({ recipients: recipients.map((to) => ({ channel: 'telegram' as const, to })), ...over }));
        const refs: MessageRef[] = [];
        for (const [i, to] of recipients.entries()) {
          refs.push(await s.channel.deliver(req, to, i));
          hub.delivered(req.id, to, refs.at(-1)!, 'telegram');
        }
        const { request, outcome } = close(req);
        for (const ref of refs) await s.channel.settle(request, ref, outcome);
        for (const ref of refs) {
          const m = s.fake.message(Number(ref.chat_id), Number(ref.message_id))!;
          expect(keyboardOf(m)).toEqual([]);
          expect(m.message.text).toMatch(shown);
        }
        // Settled again by this process (a retried job): the same edit is not sent twice.
        const edits = s.fake.callsTo('editMessageText').length;
        await s.channel.settle(request, refs[0]!, outcome);
        expect(s.fake.callsTo('editMessageText')).toHaveLength(edits);
        // By another process, which did not make that edit: Telegram says "message is not modified", which is done.
        const elsewhere = await startPlugin(telegram, { env: s.env, hub, log, port: await freePort(), prefix: s.started.prefix });
        try {
          await elsewhere.channel.settle(request, refs[0]!, outcome);
        } finally {
          await elsewhere.stop();
        }
        expect(s.fake.callsTo('editMessageText').at(-1)).toMatchObject({ status: 400, description: expect.stringContaining('message is not modified') });
      });
    }

    it('a message deleted in Telegram has nothing to settle; a chat the bot was removed from fails with the reason', async () => {
      const gone = await delivered(s);
      s.fake.deleteMessage(Number(gone.ref.chat_id), Number(gone.ref.message_id));
      const closed = hub.cancel(gone.req.id);
      await s.channel.settle(closed.request, gone.ref, closed.outcome);

      const kicked = await delivered(s);
      s.fake.kick(Number(kicked.ref.chat_id));
      const c = hub.cancel(kicked.req.id);
      const err = await s.channel.settle(c.request, kicked.ref, c.outcome).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(ChannelError);
      expect(err).toMatchObject({ kind: 'not_found', retryable: false, message: 'Telegram editMessageText: 403 Forbidden: bot was kicked from the supergroup chat' });
      await expect(s.channel.deliver(makeRequest(), String(kicked.ref.chat_id), 0)).rejects.toMatchObject({ kind: 'not_found', message: expect.stringContaining('bot was kicked') });
    });
  });

  describe('platform failures', () => {
    it('429 retry_after is a rate_limited ChannelError, and the chat is held until then without asking Telegram', async () => {
      const group = newGroup(s.fake);
      s.fake.rateLimit('sendMessage', 1, 2, group.id);
      const first = await s.channel.deliver(makeRequest(), String(group.id), 0).catch((e: unknown) => e);
      expect(first).toMatchObject({ kind: 'rate_limited', retryable: true, retryAfterMs: 2000, message: expect.stringContaining('Too Many Requests: retry after 2') });
      const calls = s.fake.callsTo('sendMessage').length;
      await expect(s.channel.deliver(makeRequest(), String(group.id), 0)).rejects.toMatchObject({ kind: 'rate_limited' });
      expect(s.fake.callsTo('sendMessage')).toHaveLength(calls);
      const retryAfterMs = (first as ChannelError).retryAfterMs!;
      await new Promise((r) => setTimeout(r, retryAfterMs));
      await expect(s.channel.deliver(makeRequest(), String(group.id), 0)).resolves.toHaveProperty('message_id');
      expect(s.fake.callsTo('sendMessage').filter((c) => c.early)).toEqual([]);
    });

    it('a refused token is an auth error naming Telegram\'s words and never the token', async () => {
      s.fake.failAuth(1);
      const err = await s.channel.deliver(makeRequest(), '42', 0).catch((e: unknown) => e);
      expect(err).toMatchObject({ kind: 'auth', retryable: false, message: 'Telegram sendMessage: 401 Unauthorized — check TELEGRAM_BOT_TOKEN' });
    });

    it('a Bot API that cannot be reached is a network error without the URL (which holds the token)', async () => {
      const port = await freePort();
      const env = { ...s.env, TELEGRAM_API_ROOT: `http://127.0.0.1:${port}`, TELEGRAM_MODE: 'polling' };
      const made = telegram.create(telegram.settings.parse(env), log);
      const err = await made.deliver(makeRequest(), '42', 0).catch((e: unknown) => e);
      expect(err).toMatchObject({ kind: 'network', retryable: true, message: 'Telegram sendMessage: the Bot API could not be reached (ECONNREFUSED)' });
      expect(await made.check!()).toEqual({ ok: false, detail: 'Telegram getMe: the Bot API could not be reached (ECONNREFUSED)' });
    });
  });

  describe('doctor', () => {
    it('reports the bot, the mode and the webhook as Telegram sees it', async () => {
      expect(await s.channel.check()).toEqual({
        ok: true,
        detail: `bot @switchboard_bot (${s.fake.bot.id}), webhook mode; webhook ${s.env.PUBLIC_URL}/telegram/webhook; 0 update(s) pending`,
      });
      s.fake.failAuth(1);
      expect(await s.channel.check()).toEqual({ ok: false, detail: 'Telegram getMe: 401 Unauthorized — check TELEGRAM_BOT_TOKEN' });
    });

    it('set-webhook says what is missing', async () => {
      const out = () => undefined;
      const official = { ...s.env, TELEGRAM_API_ROOT: '' };
      await expect(setWebhookCommand({ ...official, PUBLIC_URL: 'http://hub.example.com' }, out)).rejects.toThrow(/PUBLIC_URL \(http:\/\/hub\.example\.com\) is not https/);
      await expect(setWebhookCommand({ ...s.env, TELEGRAM_MODE: 'polling', TELEGRAM_WEBHOOK_SECRET: '' }, out)).rejects.toThrow(/^TELEGRAM_WEBHOOK_SECRET is not set/);
      await expect(setWebhookCommand({ ...s.env, TELEGRAM_WEBHOOK_SECRET: '' }, out)).rejects.toThrow(
        'the Telegram channel is off: TELEGRAM_WEBHOOK_SECRET is required in webhook mode (or set TELEGRAM_MODE=polling)',
      );
      await expect(setWebhookCommand({ TELEGRAM_BOT_TOKEN: 'x' }, out)).rejects.toThrow(/TELEGRAM_BOT_TOKEN must be a bot token/);
    });
  });
});

describe('polling mode', () => {
  let s: Setup;
  beforeAll(async () => {
    s = await setUp('polling');
    await waitFor(() => s.fake.callsTo('getUpdates').length > 0, 5000, 'the first poll');
  });
  afterAll(async () => {
    await s?.started.stop();
    await s?.fake.stop();
  });

  it('a tap reaches the channel through getUpdates and decides', async () => {
    const { req, message } = await delivered(s);
    const { update, delivery } = await s.fake.tap({ message: message(), from: s.fake.users.ana, button: 'Approve' });
    expect(delivery).toMatchObject({ via: 'getUpdates' });
    await waitFor(() => current(req.id).state === 'resolved', 5000, 'the request resolved');
    const answer = await waitFor(() => s.fake.answerTo(update.callback_query!.id), 3000, 'the tap answered');
    expect(answer).toMatchObject({ text: 'Approved by ana via Telegram' });
    expect(answer.afterMs).toBeLessThan(1000);
    await waitFor(() => keyboardOf(message()).length === 0, 3000, 'the message edited');
    expect(s.fake.callsTo('getUpdates').at(-1)!.params).toMatchObject({ timeout: 25, allowed_updates: ['message', 'callback_query'] });
  });

  it('a text reply decides through getUpdates too', async () => {
    const { req, message } = await delivered(s, { type: 'text', options: [] }, 42);
    const p = await prompt(s, message(), s.fake.users.ana);
    await s.fake.answerWith({ to: p, from: s.fake.users.ana, text: 'ship it' });
    await waitFor(() => current(req.id).state === 'resolved', 5000, 'the request resolved');
    expect(current(req.id).response).toMatchObject({ value: 'ship it', responder: { channel: 'telegram', id: '42' } });
  });

  it('a webhook set elsewhere is deleted (409), and polling goes on', async () => {
    const deletes = s.fake.callsTo('deleteWebhook').length;
    const res = await fetch(`${s.fake.url}/bot${s.fake.token}/setWebhook`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ url: 'https://elsewhere.example.com/hook' }),
    });
    expect(res.status).toBe(200);
    await waitFor(() => s.fake.callsTo('deleteWebhook').length > deletes, 10_000, 'the webhook deleted');
    const { req, message } = await delivered(s);
    await s.fake.tap({ message: message(), from: s.fake.users.ben, button: 'Reject' });
    await waitFor(() => current(req.id).state === 'resolved', 5000, 'the request resolved');
  });

  it('reports polling mode to doctor', async () => {
    expect(await s.channel.check()).toEqual({ ok: true, detail: `bot @switchboard_bot (${s.fake.bot.id}), polling mode` });
  });
});

describe('logs', () => {
  it('never hold the bot token or the webhook secret', () => {
    expect(logLines.length).toBeGreaterThan(0);
    const all = logLines.join('\n');
    expect(all).not.toContain('AAFakeTelegramBotToken');
    expect(all).not.toContain(SECRET);
  });
});
