// The fake Bot API (test/fakes/telegram.ts) through grammy, the client the channel uses: Telegram's
// envelopes and error descriptions, HTML parsing, keyboards, edits, callback answers, webhook delivery
// and getUpdates' offset, timeout and conflict rules.
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Api, Bot, GrammyError } from 'grammy';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FakeTelegram, parseHtml, type TgUpdate } from '../fakes/telegram.js';
import { waitFor } from '../helpers/services.js';

let fake: FakeTelegram;
let api: Api;

beforeEach(async () => {
  fake = new FakeTelegram({ webhookRetryMs: 50 });
  await fake.start();
  api = new Api(fake.token, { apiRoot: fake.url });
});
afterEach(() => fake.stop());

/** The GrammyError a call fails with. */
async function refusal(call: Promise<unknown>): Promise<GrammyError> {
  const err = await call.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(GrammyError);
  return err as GrammyError;
}

const keyboard = (...rows: [string, string][][]) => ({
  inline_keyboard: rows.map((row) => row.map(([text, data]) => ({ text, callback_data: data }))),
});

/** A webhook endpoint that records what Telegram POSTs and answers with `status` (and optionally a body). */
async function receiver(answer: { status: number; body?: string; type?: string } = { status: 200 }) {
  const got: { headers: IncomingMessage['headers']; update: TgUpdate }[] = [];
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      got.push({ headers: req.headers, update: JSON.parse(Buffer.concat(chunks).toString('utf8')) as TgUpdate });
      res.writeHead(answer.status, { 'content-type': answer.type ?? 'text/plain' });
      res.end(answer.body ?? '');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/telegram/webhook`,
    got,
    answer,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

describe('the envelope', () => {
  it('answers getMe with the bot, and 401 "Unauthorized" to another token', async () => {
    expect(await api.getMe()).toMatchObject({ id: fake.bot.id, is_bot: true, username: 'switchboard_bot' });
    const err = await refusal(new Api('7000000001:another-token', { apiRoot: fake.url }).getMe());
    expect(err).toMatchObject({ error_code: 401, description: 'Unauthorized' });
  });

  it('failAuth(n) refuses the next n calls with 401; failAuth() until restoreAuth()', async () => {
    fake.failAuth(1);
    expect((await refusal(api.getMe())).error_code).toBe(401);
    await api.getMe();
    fake.failAuth();
    expect((await refusal(api.getMe())).error_code).toBe(401);
    expect((await refusal(api.getMe())).error_code).toBe(401);
    fake.restoreAuth();
    await api.getMe();
  });

  it('takes form-urlencoded, multipart and GET parameters, method names in any case, with the HTTP status of error_code', async () => {
    const form = await fetch(`${fake.url}/bot${fake.token}/SENDMESSAGE`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ chat_id: String(fake.users.ana.id), text: 'form', reply_markup: JSON.stringify(keyboard([['Yes', 'y']])) }),
    });
    expect(form.status).toBe(200);
    expect(await form.json()).toMatchObject({ ok: true, result: { text: 'form', reply_markup: keyboard([['Yes', 'y']]) } });

    const multipart = new FormData();
    multipart.set('chat_id', '@approvals');
    multipart.set('text', 'multipart');
    const res = await fetch(`${fake.url}/bot${fake.token}/sendMessage`, { method: 'POST', body: multipart });
    expect(await res.json()).toMatchObject({ ok: true, result: { text: 'multipart', chat: { id: fake.group.id, type: 'supergroup' } } });

    const get = await fetch(`${fake.url}/bot${fake.token}/getMe`);
    expect(await get.json()).toMatchObject({ ok: true, result: { id: fake.bot.id } });

    const missing = await fetch(`${fake.url}/bot${fake.token}/sendMessage?chat_id=1&text=x`);
    expect(missing.status).toBe(400);
    expect(await missing.json()).toEqual({ ok: false, error_code: 400, description: 'Bad Request: chat not found' });

    const unknown = await fetch(`${fake.url}/bot${fake.token}/noSuchMethod`, { method: 'POST' });
    expect([unknown.status, await unknown.json()]).toEqual([404, { ok: false, error_code: 404, description: 'Not Found' }]);
  });

  it('429 "Too Many Requests: retry after N" with parameters.retry_after, and again for calls inside the window', async () => {
    fake.rateLimit('sendMessage', 1, 2);
    const err = await refusal(api.sendMessage(fake.users.ana.id, 'hi'));
    expect(err).toMatchObject({ error_code: 429, description: 'Too Many Requests: retry after 2', parameters: { retry_after: 2 } });
    const early = await refusal(api.sendMessage(fake.users.ana.id, 'hi'));
    expect(early.error_code).toBe(429);
    expect(fake.callsTo('sendMessage').map((c) => c.early)).toEqual([false, true]);
  });

  it('a rate limit that names a chat holds only that chat', async () => {
    const inGroup = await api.sendMessage(fake.group.id, 'x');
    const toBen = await api.sendMessage(fake.users.ben.id, 'x');
    fake.rateLimit('editMessageText', 1, 1, fake.group.id);
    expect((await refusal(api.editMessageText(fake.group.id, inGroup.message_id, 'y'))).error_code).toBe(429);
    await api.editMessageText(fake.users.ben.id, toBen.message_id, 'y');
  });

  it('records every call with the root it came through', async () => {
    const other = new Api(fake.token, { apiRoot: fake.rootFor('hub-b') });
    await other.getMe();
    await api.getMe();
    expect(fake.callsTo('getMe').map((c) => [c.via, c.status])).toEqual([
      ['hub-b', 200],
      ['', 200],
    ]);
  });

  it('failNext answers the next call with the given error; loseNext makes a call vanish without effect', async () => {
    fake.failNext('sendMessage', { error_code: 400, description: 'Bad Request: have no rights to send a message' });
    expect((await refusal(api.sendMessage(fake.group.id, 'x'))).description).toBe('Bad Request: have no rights to send a message');

    fake.loseNext('sendMessage');
    const controller = new AbortController();
    // grammy types its signal with the abort-controller polyfill's AbortSignal; Node's is the same at run time.
    const signal = controller.signal as Parameters<Api['sendMessage']>[3];
    const lost = api.sendMessage(fake.group.id, 'lost', undefined, signal).catch((e: unknown) => e);
    await waitFor(() => fake.callsTo('sendMessage').some((c) => c.lost), 2000, 'the lost call');
    expect(fake.messagesIn(fake.group.id)).toEqual([]);
    controller.abort();
    await lost;
  });
});

describe('sendMessage', () => {
  it('parses HTML as Telegram does: the text a person sees, entities in UTF-16 offsets', async () => {
    const msg = await api.sendMessage(fake.users.ana.id, '<b>Deploy 🚀 &lt;v2&gt;</b>\n<i>risk</i> &amp; <a href="https://x.example/r">link</a> a&b', { parse_mode: 'HTML' });
    expect(msg.text).toBe('Deploy 🚀 <v2>\nrisk & link a&b');
    expect(msg.entities).toEqual([
      { type: 'bold', offset: 0, length: 14 },
      { type: 'italic', offset: 15, length: 4 },
      { type: 'text_link', offset: 22, length: 4, url: 'https://x.example/r' },
    ]);
    expect(msg).toMatchObject({ from: { id: fake.bot.id, is_bot: true }, chat: { id: fake.users.ana.id, type: 'private', first_name: 'Ana' } });
    expect(fake.message(fake.users.ana.id, msg.message_id)).toMatchObject({ html: expect.stringContaining('<b>'), parseMode: 'HTML', edits: 0 });
  });

  it.each([
    ['<foo>x</foo>', 'Unsupported start tag "foo" at byte offset 0'],
    ['a < b', 'Unsupported start tag "" at byte offset 2'],
    ['x <b', 'Unclosed start tag at byte offset 2'],
    ['<b>bold', "Can't find end tag corresponding to start tag b"],
    ['x</b>', 'Unexpected end tag at byte offset 1'],
    ['<b>x</i>', 'Unmatched end tag at byte offset 4, expected "</b>", found "</i>"'],
    ['<span>x</span>', 'Tag "span" must have class "tg-spoiler" at byte offset 0'],
    ['🏟 🏟&lt;<abac>', 'Unsupported start tag "abac" at byte offset 13'],
  ])('refuses %j: "Bad Request: can\'t parse entities: %s"', async (html, error) => {
    expect(parseHtml(html)).toEqual({ error });
    const err = await refusal(api.sendMessage(fake.users.ana.id, html, { parse_mode: 'HTML' }));
    expect(err).toMatchObject({ error_code: 400, description: `Bad Request: can't parse entities: ${error}` });
  });

  it('keeps markup as text without a parse mode, and refuses empty or over-long text', async () => {
    expect((await api.sendMessage(fake.users.ana.id, '<b>x</b>')).text).toBe('<b>x</b>');
    expect((await refusal(api.sendMessage(fake.users.ana.id, '  \n'))).description).toBe('Bad Request: message text is empty');
    expect((await refusal(api.sendMessage(fake.users.ana.id, '<b></b>', { parse_mode: 'HTML' }))).description).toBe('Bad Request: message text is empty');
    await api.sendMessage(fake.users.ana.id, `<b>${'x'.repeat(4096)}</b>`, { parse_mode: 'HTML' });
    expect((await refusal(api.sendMessage(fake.users.ana.id, 'x'.repeat(4097)))).description).toBe('Bad Request: message is too long');
  });

  it('takes inline keyboards with callback_data of 1–64 bytes and url buttons, and a ForceReply', async () => {
    const ok = await api.sendMessage(fake.group.id, 'choose', {
      reply_markup: { inline_keyboard: [[{ text: 'A', callback_data: 'x'.repeat(64) }], [{ text: 'Open', url: 'http://127.0.0.1:8080/r/abc' }]] },
    });
    expect(ok.reply_markup?.inline_keyboard).toHaveLength(2);
    for (const data of ['x'.repeat(65), 'é'.repeat(33), '']) {
      const err = await refusal(api.sendMessage(fake.group.id, 'x', { reply_markup: keyboard([['A', data]]) }));
      expect(err.description).toBe('Bad Request: BUTTON_DATA_INVALID');
    }
    const textOnly = await refusal(api.sendMessage(fake.group.id, 'x', { reply_markup: { inline_keyboard: [[{ text: 'A' } as never]] } }));
    expect(textOnly.description).toBe("Bad Request: can't parse inline keyboard button: Text buttons are unallowed in the inline keyboard");

    const prompt = await api.sendMessage(fake.users.ben.id, 'Your answer?', { reply_markup: { force_reply: true, input_field_placeholder: 'Type it' } });
    expect(prompt.reply_markup).toBeUndefined();
    expect(fake.message(fake.users.ben.id, prompt.message_id)?.forceReply).toEqual({ input_field_placeholder: 'Type it' });
  });

  it('finds chats by id or @username; "chat not found" otherwise; 403 once the bot was removed', async () => {
    expect((await api.sendMessage('@releases', 'x')).chat).toMatchObject({ id: fake.channel.id, type: 'channel' });
    expect((await api.sendMessage(String(fake.group.id), 'x')).chat.id).toBe(fake.group.id);
    expect((await refusal(api.sendMessage('@nobody', 'x'))).description).toBe('Bad Request: chat not found');
    fake.kick(fake.basicGroup.id);
    expect(await refusal(api.sendMessage(fake.basicGroup.id, 'x'))).toMatchObject({ error_code: 403, description: 'Forbidden: bot was kicked from the group chat' });
    fake.kick(fake.users.eve.id);
    expect((await refusal(api.sendMessage(fake.users.eve.id, 'x'))).description).toBe('Forbidden: bot was blocked by the user');
  });
});

describe('edits', () => {
  it('editMessageText replaces text and entities; without reply_markup the keyboard goes; the same content is "not modified"', async () => {
    const sent = await api.sendMessage(fake.group.id, '<b>Deploy?</b>', { parse_mode: 'HTML', reply_markup: keyboard([['Approve', 'a'], ['Reject', 'r']]) });
    const edited = await api.editMessageText(fake.group.id, sent.message_id, '<b>Deploy?</b>\nApproved by Ana', { parse_mode: 'HTML' });
    expect(edited).toMatchObject({ text: 'Deploy?\nApproved by Ana', entities: [{ type: 'bold', offset: 0, length: 7 }], edit_date: expect.any(Number) });
    expect(edited).not.toHaveProperty('reply_markup');
    const err = await refusal(api.editMessageText(fake.group.id, sent.message_id, '<b>Deploy?</b>\nApproved by Ana', { parse_mode: 'HTML' }));
    expect(err.description).toMatch(/^Bad Request: message is not modified: specified new message content and reply markup are exactly the same/);
    expect(fake.message(fake.group.id, sent.message_id)).toMatchObject({ edits: 1, history: ['Deploy?', 'Deploy?\nApproved by Ana'] });
  });

  it('editMessageReplyMarkup removes the keyboard; a deleted message, a kicked chat or a person\'s message cannot be edited', async () => {
    const sent = await api.sendMessage(fake.group.id, 'x', { reply_markup: keyboard([['A', 'a']]) });
    expect(await api.editMessageReplyMarkup(fake.group.id, sent.message_id)).not.toHaveProperty('reply_markup');
    expect((await refusal(api.editMessageReplyMarkup(fake.group.id, sent.message_id))).description).toMatch(/message is not modified/);

    fake.deleteMessage(fake.group.id, sent.message_id);
    expect((await refusal(api.editMessageText(fake.group.id, sent.message_id, 'y'))).description).toBe('Bad Request: message to edit not found');

    const said = fake.text({ chat: fake.group, from: fake.users.ana, text: 'hello' });
    expect((await refusal(api.editMessageText(fake.group.id, said.message!.message_id, 'y'))).description).toBe("Bad Request: message can't be edited");

    const other = await api.sendMessage(fake.group.id, 'x');
    fake.kick(fake.group.id);
    expect(await refusal(api.editMessageText(fake.group.id, other.message_id, 'y'))).toMatchObject({ error_code: 403, description: 'Forbidden: bot was kicked from the supergroup chat' });
  });
});

describe('updates', () => {
  it('builds a tap exactly as Telegram sends it, and records the answer with its delay', async () => {
    const sent = await api.sendMessage(fake.group.id, '<b>Deploy?</b>', { parse_mode: 'HTML', reply_markup: keyboard([['Approve', 'r1:0']]) });
    const update = fake.callbackQuery({ message: fake.message(fake.group.id, sent.message_id)!, from: fake.users.ana, button: 'Approve' });
    const query = update.callback_query!;
    expect(Object.keys(update)).toEqual(['update_id', 'callback_query']);
    expect(query).toMatchObject({
      id: expect.stringMatching(/^\d+$/),
      from: { id: 42, is_bot: false, first_name: 'Ana', username: 'ana' },
      chat_instance: expect.stringMatching(/^-\d+$/),
      data: 'r1:0',
      message: { message_id: sent.message_id, chat: { id: fake.group.id }, text: 'Deploy?', reply_markup: keyboard([['Approve', 'r1:0']]) },
    });
    await api.answerCallbackQuery(query.id, { text: 'Approved' });
    expect(fake.answerTo(query.id)).toMatchObject({ text: 'Approved', show_alert: false, afterMs: expect.any(Number) });
    expect(fake.answerTo(query.id)!.afterMs).toBeLessThan(1000);
    const again = await refusal(api.answerCallbackQuery(query.id));
    expect(again.description).toBe('Bad Request: query is too old and response timeout expired or query ID is invalid');
    expect((await refusal(api.answerCallbackQuery('12345'))).error_code).toBe(400);
  });

  it('builds a reply with reply_to_message one level deep', async () => {
    const prompt = await api.sendMessage(fake.users.ben.id, 'Your answer?', { reply_markup: { force_reply: true } });
    const update = fake.reply({ to: fake.message(fake.users.ben.id, prompt.message_id)!, from: fake.users.ben, text: 'ship it' });
    expect(update.message).toMatchObject({
      from: { id: 43, first_name: 'Ben' },
      chat: { id: 43, type: 'private' },
      text: 'ship it',
      reply_to_message: { message_id: prompt.message_id, from: { id: fake.bot.id }, text: 'Your answer?' },
    });
    expect(update.message!.reply_to_message).not.toHaveProperty('reply_to_message');
  });

  it('getUpdates: offset confirms, timeout waits for an update, limit caps', async () => {
    const sent = await api.sendMessage(fake.users.ana.id, 'x', { reply_markup: keyboard([['A', 'a']]) });
    const msg = fake.message(fake.users.ana.id, sent.message_id)!;
    const taps = [fake.callbackQuery({ message: msg, from: fake.users.ana, data: 'a' }), fake.callbackQuery({ message: msg, from: fake.users.ana, data: 'a' })];
    const delivered = taps.map((u) => fake.send(u));
    expect((await api.getUpdates({ limit: 1 })).map((u) => u.update_id)).toEqual([taps[0]!.update_id]);
    // Unconfirmed: the same update again; an offset past it confirms it.
    expect((await api.getUpdates()).map((u) => u.update_id)).toEqual(taps.map((u) => u.update_id));
    expect(await delivered[0]).toEqual({ via: 'getUpdates', root: '' });
    expect((await api.getUpdates({ offset: taps[1]!.update_id + 1 })).length).toBe(0);
    expect(fake.pending).toEqual([]);

    const started = Date.now();
    const waiting = api.getUpdates({ timeout: 5, offset: taps[1]!.update_id + 1 });
    await waitFor(() => fake.callsTo('getUpdates').length === 4, 2000, 'the long poll');
    const late = fake.text({ chat: fake.group, from: fake.users.ben, text: 'hi' });
    void fake.send(late);
    expect((await waiting).map((u) => u.update_id)).toEqual([late.update_id]);
    expect(Date.now() - started).toBeLessThan(4000);

    const empty = Date.now();
    expect(await api.getUpdates({ timeout: 1, offset: late.update_id + 1 })).toEqual([]);
    expect(Date.now() - empty).toBeGreaterThanOrEqual(900);
  });

  it('getUpdates: a second poll ends the first with 409, and a webhook makes it 409', async () => {
    const first = refusal(api.getUpdates({ timeout: 10 }));
    await waitFor(() => fake.callsTo('getUpdates').length === 1, 2000, 'the first poll');
    const second = api.getUpdates({ timeout: 1 });
    expect(await first).toMatchObject({
      error_code: 409,
      description: 'Conflict: terminated by other getUpdates request; make sure that only one bot instance is running',
    });
    await second;
    await api.setWebhook('http://127.0.0.1:9/telegram/webhook');
    expect((await refusal(api.getUpdates())).description).toBe(
      "Conflict: can't use getUpdates method while webhook is active; use deleteWebhook to delete the webhook first",
    );
  });

  it('allowed_updates filters what is delivered (and the default leaves out chat_member)', async () => {
    await api.getUpdates({ allowed_updates: ['callback_query'] });
    const said = fake.text({ chat: fake.group, from: fake.users.ana, text: 'noise' });
    expect(await fake.send(said)).toEqual({ via: 'dropped', reason: 'message is not in allowed_updates' });
    await api.getUpdates({ allowed_updates: [] });
    expect(await fake.send({ update_id: 1, chat_member: {} })).toMatchObject({ via: 'dropped' });
  });

  it('grammy long polling: deleteWebhook, getUpdates, a tap answered, the offset confirmed on stop', async () => {
    const bot = new Bot(fake.token, { client: { apiRoot: fake.url } });
    const seen: string[] = [];
    bot.on('callback_query:data', async (ctx) => {
      seen.push(ctx.callbackQuery.data);
      await ctx.answerCallbackQuery({ text: 'Approved' });
    });
    const running = bot.start({ timeout: 1 });
    await waitFor(() => fake.callsTo('getUpdates').length > 0, 3000, 'the first poll');
    const sent = await api.sendMessage(fake.users.ana.id, 'x', { reply_markup: keyboard([['A', 'a']]) });
    const { update } = await fake.tap({ message: fake.message(fake.users.ana.id, sent.message_id)!, from: fake.users.ana, button: 'A' });
    await waitFor(() => fake.answerTo(update.callback_query!.id), 3000, 'the answer');
    expect(seen).toEqual(['a']);
    await bot.stop();
    await running;
    expect(fake.pending).toEqual([]);
  });
});

describe('webhooks', () => {
  it('setWebhook registers url, secret and allowed_updates; updates are POSTed with the secret header', async () => {
    const rx = await receiver();
    try {
      expect(await api.setWebhook(rx.url, { secret_token: 'sec_RET-1', allowed_updates: ['message', 'callback_query'] })).toBe(true);
      expect(await api.getWebhookInfo()).toMatchObject({ url: rx.url, pending_update_count: 0, allowed_updates: ['message', 'callback_query'] });
      const update = fake.text({ chat: fake.group, from: fake.users.ana, text: 'hi' });
      expect(await fake.send(update)).toMatchObject({ via: 'webhook', status: 200 });
      expect(rx.got).toHaveLength(1);
      expect(rx.got[0]!.headers['x-telegram-bot-api-secret-token']).toBe('sec_RET-1');
      expect(rx.got[0]!.headers['content-type']).toBe('application/json');
      expect(rx.got[0]!.update).toEqual(update);
      const setCall = fake.callsTo('setWebhook')[0]!;
      expect(setCall.params).toMatchObject({ url: rx.url, secret_token: 'sec_RET-1', allowed_updates: ['message', 'callback_query'] });
    } finally {
      await rx.close();
    }
  });

  it('a failed delivery shows in getWebhookInfo and is retried until the webhook takes it', async () => {
    const rx = await receiver({ status: 401 });
    try {
      await api.setWebhook(rx.url, { secret_token: 'right' });
      const update = fake.text({ chat: fake.group, from: fake.users.ana, text: 'hi' });
      expect(await fake.send(update)).toMatchObject({ via: 'webhook', status: 401 });
      expect(await api.getWebhookInfo()).toMatchObject({
        pending_update_count: 1,
        last_error_date: expect.any(Number),
        last_error_message: 'Wrong response from the webhook: 401 Unauthorized',
      });
      rx.answer.status = 200;
      await waitFor(() => fake.pending.length === 0, 3000, 'the retry');
      expect(rx.got.filter((g) => g.update.update_id === update.update_id).length).toBeGreaterThanOrEqual(2);
    } finally {
      await rx.close();
    }
  });

  it('refuses bad webhook settings as Telegram does', async () => {
    expect((await refusal(api.setWebhook('http://example.com/hook'))).description).toBe('Bad Request: bad webhook: An HTTPS URL must be provided for webhook');
    expect((await refusal(api.setWebhook('https://example.com:444/hook'))).description).toBe(
      'Bad Request: bad webhook: Webhook can be set up only on ports 80, 88, 443 or 8443',
    );
    expect((await refusal(api.setWebhook('https://example.com/hook', { secret_token: 'a+b' }))).description).toBe(
      'Bad Request: secret token contains unallowed characters',
    );
  });

  it('deleteWebhook goes back to getUpdates, keeping pending updates unless told to drop them', async () => {
    await api.setWebhook('http://127.0.0.1:9/telegram/webhook');
    const update = fake.text({ chat: fake.group, from: fake.users.ana, text: 'hi' });
    expect(await fake.send(update)).toMatchObject({ via: 'webhook', status: 0, error: 'Connection refused' });
    expect(await api.deleteWebhook()).toBe(true);
    expect((await api.getWebhookInfo()).url).toBe('');
    expect((await api.getUpdates()).map((u) => u.update_id)).toEqual([update.update_id]);
    await api.deleteWebhook({ drop_pending_updates: true });
    expect(fake.pending).toEqual([]);
  });

  it('performs a method call given in the webhook response, as Telegram does', async () => {
    const sent = await api.sendMessage(fake.users.ana.id, 'x', { reply_markup: keyboard([['A', 'a']]) });
    const update = fake.callbackQuery({ message: fake.message(fake.users.ana.id, sent.message_id)!, from: fake.users.ana, button: 'A' });
    const body = JSON.stringify({ method: 'answerCallbackQuery', callback_query_id: update.callback_query!.id, text: 'Approved' });
    const rx = await receiver({ status: 200, body, type: 'application/json' });
    try {
      await api.setWebhook(rx.url);
      await fake.send(update);
      await waitFor(() => fake.answerTo(update.callback_query!.id), 2000, 'the answer');
      expect(fake.callsTo('answerCallbackQuery')[0]).toMatchObject({ via: 'webhook-reply', status: 200 });
    } finally {
      await rx.close();
    }
  });

  it('redeliver sends the same update again', async () => {
    const rx = await receiver();
    try {
      await api.setWebhook(rx.url);
      const update = fake.text({ chat: fake.group, from: fake.users.ana, text: 'hi' });
      await fake.send(update);
      await fake.redeliver(update);
      expect(rx.got.map((g) => g.update.update_id)).toEqual([update.update_id, update.update_id]);
    } finally {
      await rx.close();
    }
  });
});
