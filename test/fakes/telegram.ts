// A protocol-faithful fake of the Telegram Bot API for tests: real HTTP on loopback, driven through grammy.
//
// For the channel engineer — the API in short:
//   const fake = new FakeTelegram();  await fake.start();   fake.url → TELEGRAM_API_ROOT (no trailing slash)
//   fake.token, fake.bot (the bot's User), fake.rootFor('a') → an apiRoot whose calls are recorded with via 'a'
//   People and chats: fake.users.{ana,ben,eve} (private chats with the bot, chat id = user id),
//     fake.group (supergroup -1001234567890, @approvals), fake.basicGroup (-4001234567), fake.channel (-1009876543210, @releases);
//     addUser(), addChat(); kick(chatId) (the bot was removed), deleteMessage(chatId, messageId).
//   Messages: message(chatId, messageId) / messagesIn(chatId) → FakeMessage { message (the Message JSON
//     as Telegram returns it now: text, entities, reply_markup), html, forceReply, edits, history }.
//   Records: calls / callsTo(method) (params as received, via, status, description; getUpdates also the
//     update_ids it returned), answers (every answerCallbackQuery: text, show_alert, afterMs since the tap).
//   Knobs: rateLimit(method, times, retryAfterS, chatId?), failAuth(times?) / restoreAuth(),
//     failNext(method, error), loseNext(method, times) (the call never reaches Telegram: no effect, no answer).
//   Updates as Telegram builds them: callbackQuery({ message, from, data | button }), reply({ to, from, text }),
//     text({ chat, from, text }); send(update) hands one over (POSTed to the webhook with
//     X-Telegram-Bot-Api-Secret-Token, or to getUpdates) and resolves with how it went; tap()/answerWith()
//     build and send in one go; redeliver(update) sends the same update again (a retry, an unconfirmed update).
//   Webhook state: webhookInfo() (as getWebhookInfo answers), pending (updates not yet handed over).
//     A failed webhook POST is retried; a method call in the webhook's JSON answer is performed (via 'webhook-reply').
//   Not Telegram: forgeWebhookPost(update, secret) POSTs once with any secret header, as a forger would.
//
// Methods: getMe, sendMessage, editMessageText, editMessageReplyMarkup, answerCallbackQuery, setWebhook,
// deleteWebhook, getWebhookInfo, getUpdates; over POST (JSON, form-urlencoded, multipart) or GET, names
// case-insensitive, `{ ok, result }` and `{ ok: false, error_code, description, parameters }` with the
// HTTP status of error_code, and Telegram's own error descriptions. HTML parse mode is parsed as
// Telegram parses it (telegram-updates.ts). One deviation: setWebhook accepts http:// URLs on loopback
// (127.0.0.1, localhost), because tests have no TLS; any other non-HTTPS URL is refused as Telegram does.
import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { FakeRateLimits } from './rate-limits.js';
import {
  callbackQueryUpdate,
  type ChatType,
  type InlineButton,
  type InlineKeyboard,
  messageUpdate,
  parseHtml,
  quoted,
  type TgChat,
  type TgEntity,
  type TgMessage,
  type TgUpdate,
  type TgUser,
  trimmed,
  unixNow,
  updateType,
} from './telegram-updates.js';

export * from './telegram-updates.js';

export interface FakeMessage {
  chatId: number;
  messageId: number;
  /** The message as Telegram returns it now (text and entities after parsing, the inline keyboard). */
  message: TgMessage;
  /** The text as the bot last sent it, before parsing. */
  html?: string;
  parseMode?: string;
  /** Set when it was sent with a ForceReply (which the Message object does not echo). */
  forceReply?: { input_field_placeholder?: string; selective?: boolean };
  edits: number;
  /** Every text it showed, oldest first. */
  history: string[];
}

export interface RecordedCall {
  method: string;
  params: Record<string, unknown>;
  /** The name given to rootFor(), or '' for fake.url. 'webhook-reply' for a method answered in a webhook's response. */
  via: string;
  at: number;
  /** HTTP status answered; unset while a call waits (getUpdates) or was lost. */
  status?: number;
  description?: string;
  /** Made inside a retry_after window Telegram had given (and answered 429 again). */
  early?: boolean;
  lost?: boolean;
  /** getUpdates: the update_ids it returned. */
  updates?: number[];
}

export interface CallbackAnswer {
  queryId: string;
  text?: string;
  show_alert: boolean;
  url?: string;
  cache_time?: number;
  at: number;
  /** How long after the tap the answer came. */
  afterMs: number;
}

export interface TelegramError {
  error_code: number;
  description: string;
  parameters?: { retry_after?: number; migrate_to_chat_id?: number };
}

/** How a sent update was handed over. */
export type Delivery =
  | { via: 'webhook'; status: number; body: string }
  | { via: 'webhook'; status: 0; error: string }
  | { via: 'getUpdates'; root: string }
  | { via: 'dropped'; reason: string };

export interface FakeTelegramOptions {
  token?: string;
  botUsername?: string;
  botName?: string;
  /** How long after the tap Telegram still takes answerCallbackQuery (default 15 s). */
  answerWindowMs?: number;
  /** First wait before a failed webhook delivery is tried again; it doubles up to 30 s (default 500 ms). */
  webhookRetryMs?: number;
  /** How long Telegram waits for a webhook's answer (default 10 s). */
  webhookTimeoutMs?: number;
}

interface FakeChat {
  chat: TgChat;
  instance: string;
  kicked: boolean;
  nextMessageId: number;
}

interface Webhook {
  url: string;
  secret_token?: string;
  max_connections: number;
  last_error_date?: number;
  last_error_message?: string;
}

interface Poll {
  root: string;
  offset: number;
  limit: number;
  call: RecordedCall;
  finish(result: { updates: TgUpdate[] } | { error: TelegramError }): void;
}

class Refusal extends Error {
  constructor(readonly error: TelegramError) {
    super(error.description);
  }
}

const refuse = (error_code: number, description: string, parameters?: TelegramError['parameters']): never => {
  throw new Refusal({ error_code, description, ...(parameters ? { parameters } : {}) });
};
const badRequest = (what: string): never => refuse(400, `Bad Request: ${what}`);

/** Everything but these three is delivered when allowed_updates is empty or was never given. */
const NOT_BY_DEFAULT = new Set(['chat_member', 'message_reaction', 'message_reaction_count']);
const JSON_PARAMS = new Set(['reply_markup', 'allowed_updates', 'entities', 'reply_parameters', 'link_preview_options']);
const MAX_TEXT = 4096;
const MAX_CALLBACK_DATA = 64;
const CONFLICT_OTHER_POLL = 'Conflict: terminated by other getUpdates request; make sure that only one bot instance is running';
const CONFLICT_WEBHOOK = "Conflict: can't use getUpdates method while webhook is active; use deleteWebhook to delete the webhook first";
const NOT_MODIFIED =
  'message is not modified: specified new message content and reply markup are exactly the same as a current content and reply markup of the message';
const QUERY_TOO_OLD = 'query is too old and response timeout expired or query ID is invalid';
const KICKED: Record<ChatType, string> = {
  private: 'Forbidden: bot was blocked by the user',
  group: 'Forbidden: bot was kicked from the group chat',
  supergroup: 'Forbidden: bot was kicked from the supergroup chat',
  channel: 'Forbidden: bot was kicked from the channel chat',
};

const randomDigits = () => BigInt.asUintN(63, randomBytes(8).readBigUInt64BE()).toString();

export class FakeTelegram {
  readonly token: string;
  readonly bot: TgUser;
  readonly users: { ana: TgUser; ben: TgUser; eve: TgUser };
  readonly group: TgChat;
  readonly basicGroup: TgChat;
  readonly channel: TgChat;
  readonly calls: RecordedCall[] = [];
  readonly answers: CallbackAnswer[] = [];
  /** Updates not yet handed over: waiting for getUpdates (until an offset confirms them) or for the webhook to take them. */
  readonly pending: TgUpdate[] = [];
  url = '';

  private readonly chats = new Map<number, FakeChat>();
  private readonly messages = new Map<string, FakeMessage>();
  private readonly queries = new Map<string, { at: number; answered: boolean }>();
  private readonly limits = new FakeRateLimits();
  private readonly failures = new Map<string, TelegramError[]>();
  private readonly losses = new Map<string, number>();
  private readonly lost: ServerResponse[] = [];
  private readonly inflight = new Set<number>();
  /** Who is told how a sent update was handed over. */
  private readonly waiters = new Map<number, (d: Delivery) => void>();
  private readonly retryTimers = new Set<NodeJS.Timeout>();
  private readonly answerWindowMs: number;
  private readonly webhookRetryMs: number;
  private readonly webhookTimeoutMs: number;
  private authFailures = 0;
  private webhook?: Webhook;
  private allowedUpdates: string[] = [];
  private poll?: Poll;
  private nextUpdateId = 100_000 + Math.floor(Math.random() * 100_000);
  private server?: Server;
  private stopped = false;

  constructor(opts: FakeTelegramOptions = {}) {
    this.token = opts.token ?? '7000000001:AAFakeTelegramBotToken-0123456789abcdef';
    const botId = Number(this.token.split(':')[0]);
    this.bot = { id: botId, is_bot: true, first_name: opts.botName ?? 'Switchboard', username: opts.botUsername ?? 'switchboard_bot' };
    this.answerWindowMs = opts.answerWindowMs ?? 15_000;
    this.webhookRetryMs = opts.webhookRetryMs ?? 500;
    this.webhookTimeoutMs = opts.webhookTimeoutMs ?? 10_000;
    this.users = {
      ana: this.addUser({ id: 42, first_name: 'Ana', last_name: 'Lima', username: 'ana' }),
      ben: this.addUser({ id: 43, first_name: 'Ben', last_name: 'Okafor', username: 'ben_okafor' }),
      eve: this.addUser({ id: 44, first_name: 'Eve' }),
    };
    this.group = this.addChat({ id: -1001234567890, type: 'supergroup', title: 'Approvals', username: 'approvals' });
    this.basicGroup = this.addChat({ id: -4001234567, type: 'group', title: 'Release crew' });
    this.channel = this.addChat({ id: -1009876543210, type: 'channel', title: 'Releases', username: 'releases' });
  }

  /** A person who has started the bot: a private chat with it exists (chat id = user id). */
  addUser(user: Omit<TgUser, 'is_bot'> & { is_bot?: boolean }): TgUser {
    const u: TgUser = { is_bot: false, ...user };
    this.addChat({ id: u.id, type: 'private', first_name: u.first_name, ...(u.last_name ? { last_name: u.last_name } : {}), ...(u.username ? { username: u.username } : {}) });
    return u;
  }

  /** A chat the bot is in (a group, supergroup or channel; private chats come with addUser). */
  addChat(chat: TgChat): TgChat {
    this.chats.set(chat.id, { chat, instance: `-${randomDigits()}`, kicked: false, nextMessageId: 1 });
    return chat;
  }

  /** The bot was removed from the chat (or blocked by the user): sends and edits there get 403. */
  kick(chatId: number): void {
    this.mustChat(chatId).kicked = true;
  }

  /** Someone deleted the message: edits of it get "message to edit not found". */
  deleteMessage(chatId: number, messageId: number): void {
    this.messages.delete(`${chatId}:${messageId}`);
  }

  message(chatId: number, messageId: number): FakeMessage | undefined {
    return this.messages.get(`${chatId}:${messageId}`);
  }

  messagesIn(chatId: number): FakeMessage[] {
    return [...this.messages.values()].filter((m) => m.chatId === chatId);
  }

  callsTo(method: string): RecordedCall[] {
    return this.calls.filter((c) => c.method === method);
  }

  answerTo(queryId: string): CallbackAnswer | undefined {
    return this.answers.find((a) => a.queryId === queryId);
  }

  /** An apiRoot for one client: its calls are recorded with `via: name` (to tell hub processes apart). */
  rootFor(name: string): string {
    if (!/^[A-Za-z0-9_-]+$/.test(name)) throw new Error(`rootFor: "${name}" is not a plain path segment`);
    return `${this.url}/${name}`;
  }

  /**
   * The next `times` calls of `method` (to `chatId`, when given) get 429 "Too Many Requests: retry after N"
   * with parameters.retry_after; as Telegram does, every further call inside that window gets 429 too.
   */
  rateLimit(method: string, times = 1, retryAfterS = 1, chatId?: number): void {
    this.limits.limit(chatId === undefined ? method : `${method}:${chatId}`, times, retryAfterS);
  }

  /** The token stops working (revoked): the next `times` calls, or every call until restoreAuth(), get 401 "Unauthorized". */
  failAuth(times = Number.POSITIVE_INFINITY): void {
    this.authFailures = times;
  }

  restoreAuth(): void {
    this.authFailures = 0;
  }

  /** The next call of `method` answers this error. */
  failNext(method: string, error: TelegramError): void {
    this.failures.set(method, [...(this.failures.get(method) ?? []), error]);
  }

  /** The next `times` calls of `method` are lost on the way: Telegram never sees them (no effect) and they are never answered. */
  loseNext(method: string, times = 1): void {
    this.losses.set(method, times);
  }

  webhookInfo(): Record<string, unknown> {
    const w = this.webhook;
    return {
      url: w?.url ?? '',
      has_custom_certificate: false,
      pending_update_count: this.pending.length,
      ...(w?.last_error_date ? { last_error_date: w.last_error_date, last_error_message: w.last_error_message } : {}),
      ...(w ? { max_connections: w.max_connections, ip_address: '127.0.0.1' } : {}),
      ...(w && this.allowedUpdates.length ? { allowed_updates: [...this.allowedUpdates] } : {}),
    };
  }

  /** A tap on a button of a message the bot sent: by its label (`button`) or with any `data` (a modified client can send anything). */
  callbackQuery(o: { message: FakeMessage; from: TgUser; data?: string; button?: string }): TgUpdate {
    const current = this.message(o.message.chatId, o.message.messageId);
    if (!current) throw new Error(`no Telegram message ${o.message.chatId}:${o.message.messageId}`);
    let data = o.data;
    if (data === undefined) {
      const button = (current.message.reply_markup?.inline_keyboard ?? []).flat().find((b) => b.text === o.button && b.callback_data !== undefined);
      if (!button) throw new Error(`no button "${o.button}" on message ${current.chatId}:${current.messageId}`);
      data = button.callback_data!;
    }
    const queryId = randomDigits();
    this.queries.set(queryId, { at: Date.now(), answered: false });
    const chat = this.mustChat(current.chatId);
    return callbackQueryUpdate({ updateId: this.nextUpdateId++, queryId, from: o.from, message: current.message, chatInstance: chat.instance, data });
  }

  /** A person's reply to a message (`reply_to_message` set), as Telegram sends it; the reply is stored in the chat. */
  reply(o: { to: FakeMessage; from: TgUser; text: string }): TgUpdate {
    const to = this.message(o.to.chatId, o.to.messageId);
    if (!to) throw new Error(`no Telegram message ${o.to.chatId}:${o.to.messageId}`);
    return this.personSays(to.chatId, o.from, o.text, to.message);
  }

  /** A plain message a person writes in a chat. */
  text(o: { chat: TgChat; from: TgUser; text: string }): TgUpdate {
    return this.personSays(o.chat.id, o.from, o.text);
  }

  /**
   * Hands an update over as Telegram would: POSTed to the webhook when one is set, else kept for getUpdates.
   * Resolves once it was handed over (the webhook's first answer, or a getUpdates that returned it).
   */
  send(update: TgUpdate): Promise<Delivery> {
    const type = updateType(update);
    if (!this.allows(type)) return Promise.resolve({ via: 'dropped', reason: `${type} is not in allowed_updates` });
    const delivery = new Promise<Delivery>((resolve) => {
      this.pending.push(update);
      this.waiters.set(update.update_id, resolve);
    });
    if (this.webhook) void this.post(update);
    else this.feedPoll();
    return delivery;
  }

  /** Telegram sends an update again: the webhook did not answer 2xx in time, or a poller never confirmed it. */
  redeliver(update: TgUpdate): Promise<Delivery> {
    const i = this.pending.findIndex((u) => u.update_id === update.update_id);
    if (i >= 0) this.pending.splice(i, 1);
    const at = this.pending.findIndex((u) => u.update_id > update.update_id);
    const delivery = new Promise<Delivery>((resolve) => this.waiters.set(update.update_id, resolve));
    this.pending.splice(at < 0 ? this.pending.length : at, 0, structuredClone(update));
    if (this.webhook) void this.post(update, 0, true);
    else this.feedPoll();
    return delivery;
  }

  /** Builds and sends a tap; the update is returned with how it went. */
  async tap(o: { message: FakeMessage; from: TgUser; data?: string; button?: string }): Promise<{ update: TgUpdate; delivery: Delivery }> {
    const update = this.callbackQuery(o);
    return { update, delivery: await this.send(update) };
  }

  /** Builds and sends a reply to a message. */
  async answerWith(o: { to: FakeMessage; from: TgUser; text: string }): Promise<{ update: TgUpdate; delivery: Delivery }> {
    const update = this.reply(o);
    return { update, delivery: await this.send(update) };
  }

  /** Not Telegram but a forger: POSTs an update once to the registered webhook URL with this secret header (none when undefined). */
  async forgeWebhookPost(update: TgUpdate, secret: string | undefined): Promise<{ status: number; body: string }> {
    if (!this.webhook) throw new Error('fake Telegram: no webhook is set');
    const headers: Record<string, string> = { 'content-type': 'application/json' };
    if (secret !== undefined) headers['x-telegram-bot-api-secret-token'] = secret;
    const res = await fetch(this.webhook.url, { method: 'POST', headers, body: JSON.stringify(update), redirect: 'manual' });
    return { status: res.status, body: await res.text() };
  }

  async start(): Promise<string> {
    this.server = createServer((req, res) => {
      this.handle(req, res).catch((err: unknown) => {
        if (res.headersSent) return void res.destroy();
        res.writeHead(500, { 'content-type': 'text/plain' });
        res.end(`fake Telegram: ${String(err)}`);
      });
    });
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
    return this.url;
  }

  async stop(): Promise<void> {
    this.stopped = true;
    for (const t of this.retryTimers) clearTimeout(t);
    this.poll?.finish({ updates: [] });
    for (const res of this.lost.splice(0)) res.destroy();
    this.server?.closeAllConnections();
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }

  private personSays(chatId: number, from: TgUser, text: string, replyTo?: TgMessage): TgUpdate {
    const chat = this.mustChat(chatId);
    if (chat.chat.type === 'channel') throw new Error('people do not write messages to a channel through the bot');
    const message: TgMessage = {
      message_id: chat.nextMessageId++,
      from,
      chat: chat.chat,
      date: unixNow(),
      text,
      ...(replyTo ? { reply_to_message: quoted(replyTo) } : {}),
    };
    this.messages.set(`${chatId}:${message.message_id}`, { chatId, messageId: message.message_id, message, edits: 0, history: [text] });
    return messageUpdate({ updateId: this.nextUpdateId++, message });
  }

  private allows(type: string): boolean {
    return this.allowedUpdates.length ? this.allowedUpdates.includes(type) : !NOT_BY_DEFAULT.has(type);
  }

  /** Tells whoever sent the update how it was handed over (the first time only). */
  private notify(update: TgUpdate, delivery: Delivery): void {
    const resolve = this.waiters.get(update.update_id);
    this.waiters.delete(update.update_id);
    resolve?.(delivery);
  }

  /** POSTs an update to the webhook as Telegram does; a failure is recorded in getWebhookInfo and retried. */
  private async post(update: TgUpdate, attempt = 0, again = false): Promise<void> {
    const webhook = this.webhook;
    if (!webhook || this.stopped || (this.inflight.has(update.update_id) && !again)) return;
    this.inflight.add(update.update_id);
    try {
      await this.attempt(webhook, update, attempt);
    } finally {
      this.inflight.delete(update.update_id);
    }
  }

  private async attempt(webhook: Webhook, update: TgUpdate, attempt: number): Promise<void> {
    const headers: Record<string, string> = { 'content-type': 'application/json' };
    if (webhook.secret_token) headers['x-telegram-bot-api-secret-token'] = webhook.secret_token;
    let delivery: Delivery;
    try {
      const res = await fetch(webhook.url, { method: 'POST', headers, body: JSON.stringify(update), redirect: 'manual', signal: AbortSignal.timeout(this.webhookTimeoutMs) });
      const body = await res.text();
      delivery = { via: 'webhook', status: res.status, body };
      if (res.status >= 200 && res.status < 300) {
        const taken = this.pending.findIndex((u) => u.update_id === update.update_id);
        if (taken >= 0) this.pending.splice(taken, 1);
        this.notify(update, delivery);
        this.webhookReply(res.headers.get('content-type'), body);
        return;
      }
      webhook.last_error_message = `Wrong response from the webhook: ${res.status} ${res.statusText}`.trim();
    } catch (err) {
      const timedOut = (err as Error).name === 'TimeoutError';
      const message = timedOut ? 'Read timeout expired' : 'Connection refused';
      delivery = { via: 'webhook', status: 0, error: message };
      webhook.last_error_message = message;
    }
    webhook.last_error_date = unixNow();
    // The sender learns how the first attempt went; the update stays pending and is tried again.
    this.notify(update, delivery);
    if (this.stopped) return;
    const timer = setTimeout(() => {
      this.retryTimers.delete(timer);
      if (this.pending.some((u) => u.update_id === update.update_id)) void this.post(update, attempt + 1);
    }, Math.min(this.webhookRetryMs * 2 ** attempt, 30_000));
    this.retryTimers.add(timer);
  }

  /** A webhook may answer with one method call in its response body; Telegram performs it and says nothing of the outcome. */
  private webhookReply(contentType: string | null, body: string): void {
    if (!contentType?.startsWith('application/json') || !body) return;
    let call: Record<string, unknown>;
    try {
      call = JSON.parse(body) as Record<string, unknown>;
    } catch {
      return;
    }
    if (typeof call.method !== 'string') return;
    const { method, ...params } = call;
    const name = this.canonical(method);
    const record: RecordedCall = { method: name ?? method, params, via: 'webhook-reply', at: Date.now() };
    this.calls.push(record);
    void this.perform(name, params, record).then((out) => {
      record.status = 'error' in out ? out.error.error_code : 200;
      if ('error' in out) record.description = out.error.description;
    });
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const raw = Buffer.concat(chunks);
    const url = new URL(req.url ?? '/', 'http://fake');
    const box: { call?: RecordedCall } = {};
    const send = (status: number, body: unknown) => {
      if (box.call) box.call.status = status;
      if (box.call && status !== 200) box.call.description = (body as TelegramError).description;
      if (res.writableEnded || res.destroyed) return;
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(JSON.stringify(body));
    };
    const fail = (e: TelegramError) => send(e.error_code, { ok: false, ...e });

    const m = /^(?:\/([A-Za-z0-9_-]+))?\/bot([^/]*)\/([A-Za-z0-9_]+)$/.exec(url.pathname);
    if (!m || (req.method !== 'POST' && req.method !== 'GET')) return fail({ error_code: 404, description: 'Not Found' });
    const [, via = '', token, methodName] = m;
    const method = this.canonical(methodName!);
    const params = { ...Object.fromEntries(url.searchParams), ...(await readBody(req, raw)) };
    for (const key of JSON_PARAMS) {
      if (typeof params[key] !== 'string') continue;
      try {
        params[key] = JSON.parse(params[key]);
      } catch {
        params[key] = { __invalid_json: params[key] };
      }
    }
    const call: RecordedCall = { method: method ?? methodName!, params, via, at: Date.now() };
    box.call = call;
    this.calls.push(call);

    const losses = this.losses.get(call.method) ?? 0;
    if (losses > 0) {
      this.losses.set(call.method, losses - 1);
      call.lost = true;
      this.lost.push(res);
      return;
    }
    if (this.authFailures > 0 || token !== this.token) {
      if (token === this.token) this.authFailures -= 1;
      return fail({ error_code: 401, description: 'Unauthorized' });
    }
    if (!method) return fail({ error_code: 404, description: 'Not Found' });
    const limited = this.rateLimited(method, params, call.at);
    if (limited) {
      call.early = limited.early;
      return fail({ error_code: 429, description: `Too Many Requests: retry after ${limited.retryAfter}`, parameters: { retry_after: limited.retryAfter } });
    }
    const failure = this.failures.get(method)?.shift();
    if (failure) return fail(failure);

    if (method === 'getUpdates') {
      // A poller that hangs up (or dies) stops waiting; what it was about to get stays for the next poll.
      res.on('close', () => {
        if (this.poll?.call === call) this.poll.finish({ updates: [] });
      });
    }
    const out = await this.perform(method, params, call, via);
    if ('error' in out) return fail(out.error);
    send(200, { ok: true, result: out.result, ...(out.description ? { description: out.description } : {}) });
  }

  private canonical(name: string): string | undefined {
    const lower = name.toLowerCase();
    return [...Object.keys(this.methods), 'getUpdates'].find((k) => k.toLowerCase() === lower);
  }

  private async perform(
    method: string | undefined,
    params: Record<string, unknown>,
    call: RecordedCall,
    via = '',
  ): Promise<{ result: unknown; description?: string } | { error: TelegramError }> {
    try {
      if (!method) return refuse(404, 'Not Found');
      if (method === 'getUpdates') return { result: await this.getUpdates(params, call, via) };
      return this.methods[method]!(params);
    } catch (err) {
      if (err instanceof Refusal) return { error: err.error };
      throw err;
    }
  }

  /** A 429 to give: one asked for with rateLimit(), or any call inside a window already given. */
  private rateLimited(method: string, params: Record<string, unknown>, now: number): { retryAfter: number; early: boolean } | undefined {
    const chatId = params.chat_id === undefined ? undefined : this.findChat(params.chat_id)?.chat.id;
    const keys = chatId === undefined ? [method] : [`${method}:${chatId}`, method];
    return this.limits.check(keys, now);
  }

  private readonly methods: Record<string, (p: Record<string, unknown>) => { result: unknown; description?: string }> = {
    getMe: () => ({
      result: {
        ...this.bot,
        can_join_groups: true,
        can_read_all_group_messages: false,
        supports_inline_queries: false,
        can_connect_to_business: false,
        has_main_web_app: false,
      },
    }),

    sendMessage: (p) => {
      const chat = this.writableChat(p.chat_id);
      const { text, entities } = formatted(p.text, p.parse_mode);
      const markup = readMarkup(p.reply_markup);
      const replyTo = replyTarget(p);
      const quotedMessage = replyTo === undefined ? undefined : this.message(chat.chat.id, replyTo);
      if (replyTo !== undefined && !quotedMessage) badRequest('message to be replied not found');
      const message: TgMessage = {
        message_id: chat.nextMessageId++,
        ...(chat.chat.type === 'channel' ? { sender_chat: chat.chat } : { from: this.bot }),
        chat: chat.chat,
        date: unixNow(),
        text,
        ...(entities.length ? { entities } : {}),
        ...(markup.inline ? { reply_markup: markup.inline } : {}),
        ...(quotedMessage ? { reply_to_message: quoted(quotedMessage.message) } : {}),
      };
      this.messages.set(`${chat.chat.id}:${message.message_id}`, {
        chatId: chat.chat.id,
        messageId: message.message_id,
        message,
        html: String(p.text),
        ...(typeof p.parse_mode === 'string' ? { parseMode: p.parse_mode } : {}),
        ...(markup.forceReply ? { forceReply: markup.forceReply } : {}),
        edits: 0,
        history: [text],
      });
      return { result: structuredClone(message) };
    },

    editMessageText: (p) => {
      const msg = this.editable(p);
      const { text, entities } = formatted(p.text, p.parse_mode);
      const markup = readMarkup(p.reply_markup);
      if (markup.forceReply) badRequest("can't parse inline keyboard button: InlineKeyboardButton must be an Object");
      const before = { text: msg.message.text, entities: msg.message.entities ?? [], markup: msg.message.reply_markup };
      if (before.text === text && sameJson(before.entities, entities) && sameJson(before.markup, markup.inline)) badRequest(NOT_MODIFIED);
      msg.message.text = text;
      if (entities.length) msg.message.entities = entities;
      else delete msg.message.entities;
      this.setMarkup(msg, markup.inline);
      msg.html = String(p.text);
      msg.history.push(text);
      return { result: structuredClone(msg.message) };
    },

    editMessageReplyMarkup: (p) => {
      const msg = this.editable(p);
      const markup = readMarkup(p.reply_markup);
      if (sameJson(msg.message.reply_markup, markup.inline)) badRequest(NOT_MODIFIED);
      this.setMarkup(msg, markup.inline);
      return { result: structuredClone(msg.message) };
    },

    answerCallbackQuery: (p) => {
      const queryId = scalar(p.callback_query_id);
      const query = this.queries.get(queryId);
      const now = Date.now();
      if (!query || query.answered || now - query.at > this.answerWindowMs) badRequest(QUERY_TOO_OLD);
      query!.answered = true;
      this.answers.push({
        queryId,
        ...(typeof p.text === 'string' ? { text: p.text } : {}),
        show_alert: isTrue(p.show_alert),
        ...(typeof p.url === 'string' ? { url: p.url } : {}),
        ...(p.cache_time !== undefined ? { cache_time: Number(p.cache_time) } : {}),
        at: now,
        afterMs: now - query!.at,
      });
      return { result: true };
    },

    setWebhook: (p) => {
      const url = scalar(p.url);
      if (!url) return this.dropWebhook(p);
      checkWebhookUrl(url);
      const secret = p.secret_token === undefined ? undefined : scalar(p.secret_token);
      if (secret !== undefined && secret.length > 256) badRequest('secret token is too long');
      if (secret !== undefined && !/^[A-Za-z0-9_-]*$/.test(secret)) badRequest('secret token contains unallowed characters');
      const maxConnections = p.max_connections === undefined ? 40 : Number(p.max_connections);
      if (!Number.isInteger(maxConnections) || maxConnections < 1 || maxConnections > 100) badRequest('max_connections must be between 1 and 100');
      if (p.allowed_updates !== undefined) this.allowedUpdates = readAllowedUpdates(p.allowed_updates);
      if (isTrue(p.drop_pending_updates)) this.dropPending();
      const same = this.webhook?.url === url && this.webhook.secret_token === secret;
      this.webhook = { url, max_connections: maxConnections, ...(secret ? { secret_token: secret } : {}) };
      this.poll?.finish({ updates: [] });
      for (const update of [...this.pending]) void this.post(update);
      return { result: true, description: same ? 'Webhook is already set' : 'Webhook was set' };
    },

    deleteWebhook: (p) => this.dropWebhook(p),

    getWebhookInfo: () => ({ result: this.webhookInfo() }),
  };

  private dropWebhook(p: Record<string, unknown>): { result: true; description: string } {
    const had = this.webhook !== undefined;
    this.webhook = undefined;
    if (isTrue(p.drop_pending_updates)) this.dropPending();
    return { result: true, description: had ? 'Webhook was deleted' : 'Webhook is already deleted' };
  }

  private dropPending(): void {
    for (const update of this.pending.splice(0)) this.notify(update, { via: 'dropped', reason: 'drop_pending_updates' });
  }

  /**
   * getUpdates: `offset` confirms every update below it; `timeout` (seconds) waits for one to arrive; a second
   * poll while one waits ends the first with 409; a webhook set makes it 409.
   */
  private async getUpdates(p: Record<string, unknown>, call: RecordedCall, root: string): Promise<TgUpdate[]> {
    if (this.webhook) refuse(409, CONFLICT_WEBHOOK);
    let offset = p.offset === undefined ? 0 : Number(p.offset);
    if (offset < 0) {
      const keep = this.pending.slice(offset);
      this.pending.splice(0, this.pending.length, ...keep);
      offset = 0;
    } else if (offset > 0) {
      for (const confirmed of this.pending.filter((u) => u.update_id < offset)) this.pending.splice(this.pending.indexOf(confirmed), 1);
    }
    const limit = Math.min(100, Math.max(1, p.limit === undefined ? 100 : Number(p.limit)));
    const timeoutS = Math.max(0, p.timeout === undefined ? 0 : Number(p.timeout));
    if (p.allowed_updates !== undefined) this.allowedUpdates = readAllowedUpdates(p.allowed_updates);
    this.poll?.finish({ error: { error_code: 409, description: CONFLICT_OTHER_POLL } });

    const ready = this.available(offset, limit);
    if (ready.length || timeoutS === 0) return this.handOverPolled(ready, root, call);
    const outcome = await new Promise<{ updates: TgUpdate[] } | { error: TelegramError }>((resolve) => {
      const timer = setTimeout(() => poll.finish({ updates: [] }), timeoutS * 1000);
      const poll: Poll = {
        root, offset, limit, call,
        finish: (result) => {
          clearTimeout(timer);
          if (this.poll === poll) this.poll = undefined;
          resolve(result);
        },
      };
      this.poll = poll;
    });
    if ('error' in outcome) throw new Refusal(outcome.error);
    return this.handOverPolled(outcome.updates, root, call);
  }

  private available(offset: number, limit: number): TgUpdate[] {
    return this.pending.filter((u) => u.update_id >= offset).slice(0, limit);
  }

  private handOverPolled(updates: TgUpdate[], root: string, call: RecordedCall): TgUpdate[] {
    call.updates = updates.map((u) => u.update_id);
    for (const update of updates) this.notify(update, { via: 'getUpdates', root });
    return structuredClone(updates);
  }

  /** A waiting poll gets what arrived. */
  private feedPoll(): void {
    const poll = this.poll;
    if (!poll) return;
    const ready = this.available(poll.offset, poll.limit);
    if (ready.length) poll.finish({ updates: ready });
  }

  private findChat(chatId: unknown): FakeChat | undefined {
    if (typeof chatId === 'string' && chatId.startsWith('@')) {
      const name = chatId.slice(1).toLowerCase();
      return [...this.chats.values()].find((c) => c.chat.type !== 'private' && c.chat.username?.toLowerCase() === name);
    }
    const id = typeof chatId === 'number' ? chatId : typeof chatId === 'string' && /^-?\d+$/.test(chatId) ? Number(chatId) : undefined;
    return id === undefined ? undefined : this.chats.get(id);
  }

  private mustChat(chatId: number): FakeChat {
    const chat = this.chats.get(chatId);
    if (!chat) throw new Error(`fake Telegram: no chat ${chatId}`);
    return chat;
  }

  /** The chat a send or edit names, if the bot may write there. */
  private writableChat(chatId: unknown): FakeChat {
    if (chatId === undefined || chatId === '') badRequest('chat_id is empty');
    const chat = this.findChat(chatId);
    if (!chat) return badRequest('chat not found');
    if (chat.kicked) refuse(403, KICKED[chat.chat.type]);
    return chat;
  }

  private editable(p: Record<string, unknown>): FakeMessage {
    if (p.inline_message_id !== undefined) badRequest('inline messages are not modelled by the fake');
    const chat = this.writableChat(p.chat_id);
    if (p.message_id === undefined) badRequest('message identifier is not specified');
    const msg = this.message(chat.chat.id, Number(p.message_id));
    if (!msg) return badRequest('message to edit not found');
    if (msg.message.from?.id !== this.bot.id && msg.message.sender_chat?.id !== chat.chat.id) badRequest("message can't be edited");
    return msg;
  }

  private setMarkup(msg: FakeMessage, inline: InlineKeyboard | undefined): void {
    if (inline) msg.message.reply_markup = inline;
    else delete msg.message.reply_markup;
    msg.message.edit_date = unixNow();
    msg.edits += 1;
  }
}

const isTrue = (v: unknown) => v === true || v === 'true' || v === '1' || v === 1;
/** A parameter as Telegram reads a scalar: strings as they are, numbers and booleans written out, anything else as its JSON. */
const scalar = (v: unknown): string =>
  typeof v === 'string' ? v : typeof v === 'number' || typeof v === 'boolean' || typeof v === 'bigint' ? String(v) : v === undefined || v === null ? '' : JSON.stringify(v);

function isLink(url: string): boolean {
  try {
    const u = new URL(url);
    return ['http:', 'https:', 'tg:'].includes(u.protocol) && (u.protocol === 'tg:' || Boolean(u.hostname));
  } catch {
    return false;
  }
}
const sameJson = (a: unknown, b: unknown) => JSON.stringify(a ?? null) === JSON.stringify(b ?? null);

/** Query string, JSON, form-urlencoded or multipart: every parameter as sent (JSON-typed ones still strings unless JSON). */
async function readBody(req: IncomingMessage, raw: Buffer): Promise<Record<string, unknown>> {
  if (!raw.length) return {};
  const type = String(req.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();
  if (type === 'application/json') {
    const parsed = JSON.parse(raw.toString('utf8')) as unknown;
    return parsed && typeof parsed === 'object' ? (parsed as Record<string, unknown>) : {};
  }
  if (type === 'application/x-www-form-urlencoded') return Object.fromEntries(new URLSearchParams(raw.toString('utf8')));
  if (type === 'multipart/form-data') {
    const form = await new Request('http://fake/', { method: 'POST', headers: { 'content-type': String(req.headers['content-type']) }, body: new Uint8Array(raw) }).formData();
    const out: Record<string, unknown> = {};
    for (const [k, v] of form) out[k] = typeof v === 'string' ? v : `<file ${v.name}>`;
    return out;
  }
  return {};
}

/** The text a message shows: parsed in HTML mode (Telegram's errors for bad markup), trimmed, within 4096 characters. */
function formatted(text: unknown, parseMode: unknown): { text: string; entities: TgEntity[] } {
  if (text === undefined || text === null || text === '') return badRequest('message text is empty');
  let parsed: { text: string; entities: TgEntity[] } = { text: scalar(text), entities: [] };
  const mode = typeof parseMode === 'string' ? parseMode.toLowerCase() : '';
  if (mode === 'html') {
    const out = parseHtml(scalar(text));
    if ('error' in out) return badRequest(`can't parse entities: ${out.error}`);
    parsed = out;
  } else if (mode === 'markdown' || mode === 'markdownv2') {
    throw new Error(`fake Telegram: parse_mode ${String(parseMode)} is not modelled (only HTML)`);
  } else if (mode) {
    badRequest('unsupported parse_mode');
  }
  parsed = trimmed(parsed);
  if (!parsed.text) badRequest('message text is empty');
  if ([...parsed.text].length > MAX_TEXT) badRequest('message is too long');
  return parsed;
}

function replyTarget(p: Record<string, unknown>): number | undefined {
  const params = p.reply_parameters as { message_id?: unknown } | undefined;
  const id = params?.message_id ?? p.reply_to_message_id;
  return id === undefined ? undefined : Number(id);
}

/** reply_markup: an inline keyboard (callback_data 1–64 bytes, url buttons) or a ForceReply. */
function readMarkup(markup: unknown): { inline?: InlineKeyboard; forceReply?: { input_field_placeholder?: string; selective?: boolean } } {
  if (markup === undefined || markup === null) return {};
  const m = markup as Record<string, unknown>;
  if (m.__invalid_json !== undefined || typeof markup !== 'object') return badRequest("can't parse reply keyboard markup JSON object");
  if (m.force_reply !== undefined) {
    if (m.force_reply !== true) badRequest("can't parse reply keyboard markup JSON object");
    const placeholder = m.input_field_placeholder;
    if (placeholder !== undefined && (typeof placeholder !== 'string' || placeholder.length > 64)) badRequest('REPLY_MARKUP_INVALID');
    return { forceReply: { ...(placeholder !== undefined ? { input_field_placeholder: scalar(placeholder) } : {}), ...(m.selective ? { selective: true } : {}) } };
  }
  const rows = m.inline_keyboard;
  if (!Array.isArray(rows) || rows.some((r) => !Array.isArray(r))) return badRequest('field "inline_keyboard" of the InlineKeyboardMarkup should be an Array of Arrays');
  const keyboard: InlineButton[][] = (rows as unknown[][]).map((row) => row.map(readButton)).filter((row) => row.length > 0);
  return keyboard.length ? { inline: { inline_keyboard: keyboard } } : {};
}

function readButton(raw: unknown): InlineButton {
  if (!raw || typeof raw !== 'object') return badRequest("can't parse inline keyboard button: InlineKeyboardButton must be an Object");
  const b = raw as Record<string, unknown>;
  if (typeof b.text !== 'string') return badRequest("can't parse inline keyboard button: Field \"text\" must be of type String");
  if (!b.text.trim()) badRequest('BUTTON_TEXT_EMPTY');
  if (b.callback_data !== undefined) {
    const bytes = Buffer.byteLength(scalar(b.callback_data), 'utf8');
    if (typeof b.callback_data !== 'string' || bytes < 1 || bytes > MAX_CALLBACK_DATA) badRequest('BUTTON_DATA_INVALID');
    return { text: b.text, callback_data: b.callback_data as string };
  }
  if (b.url !== undefined) {
    const url = scalar(b.url);
    if (!isLink(url)) badRequest(`inline keyboard button URL '${url}' is invalid: Wrong HTTP URL`);
    return { text: b.text, url };
  }
  const other = Object.keys(b).filter((k) => k !== 'text');
  if (!other.length) badRequest("can't parse inline keyboard button: Text buttons are unallowed in the inline keyboard");
  return { ...b, text: b.text };
}

function readAllowedUpdates(v: unknown): string[] {
  if (!Array.isArray(v) || v.some((t) => typeof t !== 'string')) return badRequest("can't parse allowed updates");
  return v as string[];
}

/** Telegram wants HTTPS on 443, 80, 88 or 8443; the fake also takes plain http on loopback (tests have no TLS). */
function checkWebhookUrl(raw: string): void {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return badRequest('bad webhook: Failed to resolve host: Name or service not known');
  }
  const loopback = url.hostname === '127.0.0.1' || url.hostname === 'localhost' || url.hostname === '[::1]';
  if (url.protocol === 'http:' && loopback) return;
  if (url.protocol !== 'https:') badRequest('bad webhook: An HTTPS URL must be provided for webhook');
  if (url.port && !['80', '88', '443', '8443'].includes(url.port)) badRequest('bad webhook: Webhook can be set up only on ports 80, 88, 443 or 8443');
}
