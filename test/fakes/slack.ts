// A protocol-faithful fake of the Slack Web API for tests: real HTTP on loopback, the request formats
// WebClient sends (form-urlencoded with JSON-encoded fields, or JSON; token in Authorization or body),
// Slack's response shapes (HTTP 200 + `ok: false` + error code; 429 + Retry-After, and 429 again for
// any call inside the window it gave), and enough state — channels and the bot's membership, users,
// messages with their metadata and history, ephemerals, modals, trigger ids — to drive a real Bolt app
// end to end. A method can be made to hang (the message is posted, the answer never comes) to stand in
// for a process killed mid-call.
import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { parse as parseQuery } from 'node:querystring';
import { FakeSocketMode } from './slack-socket.js';
import { FakeRateLimits } from './rate-limits.js';

export interface FakeUser {
  id: string;
  name: string;
  display_name?: string;
  real_name?: string;
  team_id?: string;
}

export interface FakeMessage {
  channel: string;
  ts: string;
  text: string;
  blocks: any[];
  user: string;
  /** Unset for a message a person wrote (see `say`). */
  bot_id?: string;
  metadata?: { event_type: string; event_payload: Record<string, unknown> };
  edited?: { user: string; ts: string };
  updates: number;
}

export interface FakeView {
  id: string;
  hash: string;
  view: any;
  triggerId: string;
  user: string;
}

export interface RecordedCall {
  method: string;
  args: Record<string, any>;
  token?: string;
  at: number;
  /** The HTTP status answered; unset while a held call hangs. */
  status?: number;
  /** Made inside a Retry-After window Slack had given (and answered 429 again). */
  early?: boolean;
  held?: boolean;
}

export interface FakeSlackOptions {
  token?: string;
  teamId?: string;
  teamName?: string;
  enterpriseId?: string;
  botUserId?: string;
  botId?: string;
  botName?: string;
  scopes?: string[];
  /** An app-level token (xapp-…): enables Socket Mode (apps.connections.open and its WebSocket). */
  appToken?: string;
}

const JSON_FIELDS = new Set(['blocks', 'attachments', 'view', 'metadata']);
const TRIGGER_TTL_MS = 3000;

export class FakeSlack {
  readonly token: string;
  readonly teamId: string;
  readonly teamName: string;
  readonly enterpriseId?: string;
  readonly botUserId: string;
  readonly botId: string;
  readonly botName: string;
  scopes: string[];
  readonly socketMode?: FakeSocketMode;
  readonly calls: RecordedCall[] = [];
  readonly messages = new Map<string, FakeMessage>();
  readonly ephemerals: { channel: string; user: string; text: string; blocks?: any[]; ts: string }[] = [];
  readonly views = new Map<string, FakeView>();
  readonly users = new Map<string, FakeUser>();
  /** id → name (without #); DMs are added as conversations.open creates them. */
  readonly channels = new Map<string, string>();
  /** Conversations the bot is a member of (it can read their history). */
  readonly members = new Set<string>();
  private readonly triggers = new Map<string, { at: number; user: string; used: boolean }>();
  /** Keyed by method, or method:channel for one conversation. */
  private readonly limits = new FakeRateLimits();
  private readonly failures = new Map<string, string[]>();
  private readonly holds = new Map<string, number>();
  private readonly held: ServerResponse[] = [];
  private server?: Server;
  private seq = 0;
  url = '';

  constructor(opts: FakeSlackOptions = {}) {
    this.token = opts.token ?? 'xoxb-fake-0000-token';
    this.teamId = opts.teamId ?? 'T0FAKETEAM';
    this.teamName = opts.teamName ?? 'Acme';
    this.enterpriseId = opts.enterpriseId;
    this.botUserId = opts.botUserId ?? 'U0BOTUSER';
    this.botId = opts.botId ?? 'B0BOTID';
    this.botName = opts.botName ?? 'switchboard';
    this.scopes = opts.scopes ?? [...DEFAULT_SCOPES];
    if (opts.appToken) this.socketMode = new FakeSocketMode(opts.appToken);
    this.addChannel('C0APPROVALS', 'approvals');
    this.addUser({ id: 'U0ANA', name: 'ana', display_name: 'Ana', real_name: 'Ana Lima' });
    this.addUser({ id: 'U0BEN', name: 'ben', display_name: 'Ben', real_name: 'Ben Okafor' });
    this.addUser({ id: 'U0EVE', name: 'eve', display_name: '', real_name: 'Eve Outsider' });
  }

  /** A channel; `member: false` for one the bot posts in through chat:write.public without joining. */
  addChannel(id: string, name: string, o: { member?: boolean } = {}): void {
    this.channels.set(id, name);
    if (o.member ?? true) this.members.add(id);
    else this.members.delete(id);
  }

  addUser(user: FakeUser): void {
    this.users.set(user.id, { team_id: this.teamId, ...user });
  }

  /**
   * The next `times` calls of `method` (in `channel`, when given) get HTTP 429 with `Retry-After: retryAfter`
   * seconds; as Slack does, every further call of it inside that window gets 429 too (recorded `early`).
   */
  rateLimit(method: string, times = 1, retryAfter = 1, channel?: string): void {
    this.limits.limit(channel ? `${method}:${channel}` : method, times, retryAfter);
  }

  /** The next `times` calls of `method` take effect (a post is posted) but are never answered. */
  holdNext(method: string, times = 1): void {
    this.holds.set(method, times);
  }

  /** A message a person wrote in a conversation (history noise). */
  say(channel: string, user: string, text: string): FakeMessage {
    const msg: FakeMessage = { channel, ts: this.nextTs(), text, blocks: [], user, updates: 0 };
    this.messages.set(`${channel}:${msg.ts}`, msg);
    return msg;
  }

  /** The next call of `method` answers `{ ok: false, error }`. */
  failNext(method: string, error: string): void {
    this.failures.set(method, [...(this.failures.get(method) ?? []), error]);
  }

  deleteMessage(channel: string, ts: string): void {
    this.messages.delete(`${channel}:${ts}`);
  }

  message(channel: string, ts: string): FakeMessage | undefined {
    return this.messages.get(`${channel}:${ts}`);
  }

  callsTo(method: string): RecordedCall[] {
    return this.calls.filter((c) => c.method === method);
  }

  /** A trigger_id as Slack issues one with each interaction, valid for 3 seconds. */
  issueTrigger(user: string): string {
    const id = `${Date.now()}.${randomBytes(6).readUIntBE(0, 6)}.${randomBytes(16).toString('hex')}`;
    this.triggers.set(id, { at: Date.now(), user, used: false });
    return id;
  }

  async start(): Promise<string> {
    this.server = createServer((req, res) => {
      this.handle(req, res).catch((err) => {
        res.writeHead(500, { 'content-type': 'text/plain' });
        res.end(String(err));
      });
    });
    this.socketMode?.attach(this.server);
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/api/`;
    return this.url;
  }

  async stop(): Promise<void> {
    for (const res of this.held.splice(0)) res.destroy();
    this.socketMode?.close();
    this.server?.closeAllConnections();
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }

  private nextTs(): string {
    this.seq += 1;
    return `${Math.floor(Date.now() / 1000)}.${String(this.seq).padStart(6, '0')}`;
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const raw = Buffer.concat(chunks).toString('utf8');
    const reply = (status: number, body: unknown, headers: Record<string, string> = {}) => {
      res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', ...headers });
      res.end(JSON.stringify(body));
    };
    const m = /^\/api\/([a-zA-Z.]+)$/.exec((req.url ?? '').split('?')[0]!);
    if (req.method !== 'POST' || !m) return reply(404, { ok: false, error: 'unknown_method' });
    const method = m[1]!;
    const args = this.parseArgs(req, raw);
    const auth = req.headers.authorization;
    const token = auth?.startsWith('Bearer ') ? auth.slice(7) : typeof args.token === 'string' ? args.token : undefined;
    delete args.token;
    const call: RecordedCall = { method, args, token, at: Date.now() };
    this.calls.push(call);
    const send = (status: number, body: unknown, headers?: Record<string, string>) => {
      call.status = status;
      reply(status, body, headers);
    };

    const limited = this.rateLimited(method, args, call.at);
    if (limited) {
      call.early = limited.early;
      return send(429, { ok: false, error: 'ratelimited' }, { 'retry-after': String(limited.retryAfter) });
    }
    if (method === 'apps.connections.open' && this.socketMode) return send(200, this.socketMode.open(this.url, token));
    if (!token) return send(200, { ok: false, error: 'not_authed' });
    if (token !== this.token) return send(200, { ok: false, error: 'invalid_auth' });
    const failure = this.failures.get(method)?.shift();
    if (failure) return send(200, { ok: false, error: failure });

    const scopeHeaders = { 'x-oauth-scopes': this.scopes.join(','), 'x-accepted-oauth-scopes': ACCEPTED[method] ?? '' };
    const handler = this.methods[method];
    if (!handler) return send(200, { ok: false, error: 'unknown_method', req_method: method });
    const needed = ACCEPTED[method];
    if (needed && !needed.split(',').some((s) => this.scopes.includes(s))) {
      return send(200, { ok: false, error: 'missing_scope', needed, provided: this.scopes.join(',') }, scopeHeaders);
    }
    const body = handler(args);
    const holds = this.holds.get(method) ?? 0;
    if (holds > 0) {
      this.holds.set(method, holds - 1);
      call.held = true;
      this.held.push(res);
      return;
    }
    send(200, body, scopeHeaders);
  }

  /** A 429 to give: one asked for with rateLimit(), or any call inside a window already given. */
  private rateLimited(method: string, args: Record<string, any>, now: number): { retryAfter: number; early: boolean } | undefined {
    const channel = this.resolveChannel(args.channel) ?? (typeof args.channel === 'string' ? args.channel : undefined);
    const keys = channel ? [`${method}:${channel}`, method] : [method];
    return this.limits.check(keys, now);
  }

  private parseArgs(req: IncomingMessage, raw: string): Record<string, any> {
    const type = String(req.headers['content-type'] ?? '').split(';')[0]!.trim();
    if (type === 'application/json') return raw ? (JSON.parse(raw) as Record<string, any>) : {};
    const form = parseQuery(raw) as Record<string, any>;
    for (const key of Object.keys(form)) {
      if (JSON_FIELDS.has(key) && typeof form[key] === 'string') {
        try {
          form[key] = JSON.parse(form[key]);
        } catch {
          form[key] = { __invalid_json: form[key] };
        }
      }
    }
    return form;
  }

  private resolveChannel(channel: unknown): string | undefined {
    if (typeof channel !== 'string' || !channel) return undefined;
    if (channel.startsWith('#')) {
      for (const [id, name] of this.channels) if (name === channel.slice(1)) return id;
      return undefined;
    }
    return this.channels.has(channel) ? channel : undefined;
  }

  private readonly methods: Record<string, (args: Record<string, any>) => Record<string, unknown>> = {
    'auth.test': () => ({
      ok: true,
      url: `https://${this.teamName.toLowerCase()}.slack.com/`,
      team: this.teamName,
      user: this.botName,
      team_id: this.teamId,
      user_id: this.botUserId,
      bot_id: this.botId,
      is_enterprise_install: false,
      ...(this.enterpriseId ? { enterprise_id: this.enterpriseId } : {}),
    }),

    'chat.postMessage': (args) => {
      const channel = this.resolveChannel(args.channel);
      if (!channel) return { ok: false, error: 'channel_not_found' };
      const problem = validateMessage(args);
      if (problem) return problem;
      const metadata = readMetadata(args.metadata);
      if (metadata === 'invalid') return { ok: false, error: 'invalid_metadata_format' };
      const ts = this.nextTs();
      const msg: FakeMessage = {
        channel, ts, text: args.text ?? '', blocks: withBlockIds(args.blocks ?? []), user: this.botUserId, bot_id: this.botId, updates: 0,
        ...(metadata ? { metadata } : {}),
      };
      this.messages.set(`${channel}:${ts}`, msg);
      return { ok: true, channel, ts, message: this.messageJson(msg) };
    },

    'chat.update': (args) => {
      const channel = this.resolveChannel(args.channel);
      if (!channel) return { ok: false, error: 'channel_not_found' };
      const msg = this.messages.get(`${channel}:${args.ts}`);
      if (!msg) return { ok: false, error: 'message_not_found' };
      const problem = validateMessage(args);
      if (problem) return problem;
      // Without `metadata` Slack keeps the message's metadata; an empty object removes it.
      const metadata = readMetadata(args.metadata);
      if (metadata === 'invalid') return { ok: false, error: 'invalid_metadata_format' };
      if (metadata) msg.metadata = metadata;
      else if (args.metadata !== undefined) delete msg.metadata;
      msg.text = args.text ?? msg.text;
      if (args.blocks !== undefined) msg.blocks = withBlockIds(args.blocks);
      msg.updates += 1;
      msg.edited = { user: this.botUserId, ts: this.nextTs() };
      return { ok: true, channel, ts: msg.ts, text: msg.text, message: this.messageJson(msg) };
    },

    'chat.postEphemeral': (args) => {
      const channel = this.resolveChannel(args.channel);
      if (!channel) return { ok: false, error: 'channel_not_found' };
      if (!this.users.has(args.user)) return { ok: false, error: 'user_not_in_channel' };
      if (!args.text && !args.blocks) return { ok: false, error: 'no_text' };
      const ts = this.nextTs();
      this.ephemerals.push({ channel, user: args.user, text: args.text ?? '', blocks: args.blocks, ts });
      return { ok: true, message_ts: ts };
    },

    'conversations.open': (args) => {
      const ids = String(args.users ?? '').split(',').filter(Boolean);
      if (ids.length !== 1) return { ok: false, error: ids.length ? 'not_enough_users' : 'users_list_not_supplied' };
      if (!this.users.has(ids[0]!)) return { ok: false, error: 'user_not_found' };
      const id = `D${ids[0]!.slice(1)}`;
      this.channels.set(id, `dm-${ids[0]}`);
      this.members.add(id);
      return { ok: true, channel: { id } };
    },

    'conversations.history': (args) => this.history(args),

    'users.info': (args) => {
      const u = this.users.get(args.user);
      if (!u) return { ok: false, error: 'user_not_found' };
      return {
        ok: true,
        user: {
          id: u.id, team_id: u.team_id, name: u.name, deleted: false, real_name: u.real_name ?? u.name, is_bot: false,
          profile: { display_name: u.display_name ?? '', real_name: u.real_name ?? u.name, display_name_normalized: u.display_name ?? '' },
        },
      };
    },

    'views.open': (args) => {
      const trigger = this.triggers.get(args.trigger_id);
      if (!trigger) return { ok: false, error: 'invalid_trigger_id' };
      if (trigger.used || Date.now() - trigger.at > TRIGGER_TTL_MS) return { ok: false, error: 'expired_trigger_id' };
      const problem = validateView(args.view);
      if (problem) return problem;
      trigger.used = true;
      const id = `V${randomBytes(5).toString('hex').toUpperCase()}`;
      const view = {
        id, team_id: this.teamId, type: 'modal', app_id: 'A0FAKEAPP', bot_id: this.botId, app_installed_team_id: this.teamId,
        root_view_id: id, previous_view_id: null, external_id: '', hash: `${Date.now()}.${randomBytes(4).toString('hex')}`,
        state: { values: {} }, clear_on_close: false, notify_on_close: false, private_metadata: '', callback_id: '', ...args.view,
      };
      this.views.set(id, { id, hash: view.hash, view, triggerId: args.trigger_id, user: trigger.user });
      return { ok: true, view };
    },
  };

  /** conversations.history: newest first, `oldest`/`latest` (exclusive unless `inclusive`), cursor pages, metadata on request. */
  private history(args: Record<string, any>): Record<string, unknown> {
    const channel = typeof args.channel === 'string' && this.channels.has(args.channel) ? args.channel : undefined;
    if (!channel) return { ok: false, error: 'channel_not_found' };
    const needed = channel.startsWith('C') ? 'channels:history' : channel.startsWith('D') ? 'im:history' : 'groups:history';
    if (!this.scopes.includes(needed)) return { ok: false, error: 'missing_scope', needed, provided: this.scopes.join(',') };
    if (!this.members.has(channel)) return { ok: false, error: channel.startsWith('C') ? 'not_in_channel' : 'channel_not_found' };
    const oldest = args.oldest === undefined ? 0n : tsValue(String(args.oldest));
    let latest = args.latest === undefined ? undefined : tsValue(String(args.latest));
    if (oldest === undefined) return { ok: false, error: 'invalid_ts_oldest' };
    if (args.latest !== undefined && latest === undefined) return { ok: false, error: 'invalid_ts_latest' };
    const inclusive = isTrue(args.inclusive);
    let fromCursor = false;
    if (args.cursor) {
      const m = /^next_ts:(\d+)(\d{6})$/.exec(Buffer.from(String(args.cursor), 'base64').toString('utf8'));
      if (!m) return { ok: false, error: 'invalid_cursor' };
      latest = tsValue(`${m[1]}.${m[2]}`);
      fromCursor = true;
    }
    const limit = Math.min(999, Math.max(1, Number.parseInt(String(args.limit ?? '100'), 10) || 100));
    const inRange = (v: bigint) =>
      (inclusive ? v >= oldest : v > oldest) && (latest === undefined || (inclusive && !fromCursor ? v <= latest : v < latest));
    const all = [...this.messages.values()]
      .filter((msg) => msg.channel === channel && inRange(tsValue(msg.ts)!))
      .sort((a, b) => (tsValue(b.ts)! > tsValue(a.ts)! ? 1 : -1));
    const page = all.slice(0, limit);
    const hasMore = all.length > limit;
    const withMetadata = isTrue(args.include_all_metadata);
    return {
      ok: true,
      messages: page.map((msg) => this.messageJson(msg, withMetadata)),
      has_more: hasMore,
      pin_count: 0,
      channel_actions_ts: null,
      channel_actions_count: 0,
      ...(hasMore ? { response_metadata: { next_cursor: Buffer.from(`next_ts:${page.at(-1)!.ts.replace('.', '')}`).toString('base64') } } : {}),
    };
  }

  private messageJson(msg: FakeMessage, withMetadata = false) {
    const fromBot = msg.bot_id ? { subtype: 'bot_message', bot_id: msg.bot_id, app_id: 'A0FAKEAPP' } : {};
    return {
      type: 'message', ...fromBot, text: msg.text, user: msg.user, ts: msg.ts, team: this.teamId, blocks: msg.blocks,
      ...(msg.edited ? { edited: msg.edited } : {}),
      ...(withMetadata && msg.metadata ? { metadata: msg.metadata } : {}),
    };
  }
}

const DEFAULT_SCOPES = ['chat:write', 'chat:write.public', 'im:write', 'users:read', 'channels:history', 'groups:history', 'im:history'];

const isTrue = (v: unknown) => v === true || v === 'true' || v === '1' || v === 1;

/** A Slack ts ("1700000000.000123", or whole seconds) as a comparable integer of microseconds. */
function tsValue(ts: string): bigint | undefined {
  const m = /^(\d{1,12})(?:\.(\d{1,6}))?$/.exec(ts);
  return m ? BigInt(m[1]!) * 1_000_000n + BigInt((m[2] ?? '').padEnd(6, '0')) : undefined;
}

/** Slack's message metadata: `{ event_type, event_payload }`; anything else is refused. */
function readMetadata(v: unknown): FakeMessage['metadata'] | 'invalid' | undefined {
  if (v === undefined) return undefined;
  if (!v || typeof v !== 'object' || (v as any).__invalid_json) return 'invalid';
  const m = v as { event_type?: unknown; event_payload?: unknown };
  if (Object.keys(m).length === 0) return undefined;
  if (typeof m.event_type !== 'string' || !m.event_type || !m.event_payload || typeof m.event_payload !== 'object') return 'invalid';
  return { event_type: m.event_type, event_payload: m.event_payload as Record<string, unknown> };
}

/** Bot scopes each method accepts (`x-accepted-oauth-scopes`). */
const ACCEPTED: Record<string, string> = {
  'chat.postMessage': 'chat:write',
  'chat.update': 'chat:write',
  'chat.postEphemeral': 'chat:write',
  'conversations.open': 'im:write',
  'conversations.history': 'channels:history,groups:history,im:history,mpim:history',
  'users.info': 'users:read',
};

/** Slack gives every block without a block_id a generated one, and echoes it in interaction payloads. */
function withBlockIds(blocks: any[]): any[] {
  return blocks.map((b) => (b.block_id ? b : { ...b, block_id: randomBytes(3).toString('base64url') }));
}

function invalid(error: string, message: string) {
  return { ok: false, error, errors: [message], response_metadata: { messages: [`[ERROR] ${message}`] } };
}

function textLen(t: any): number {
  return typeof t?.text === 'string' ? t.text.length : 0;
}

/** The Block Kit rules Slack enforces that a renderer can get wrong. */
export function blockProblems(blocks: any[], max = 50): string[] {
  const problems: string[] = [];
  if (!Array.isArray(blocks)) return ['blocks must be an array'];
  if (blocks.length > max) problems.push(`must be less than ${max + 1} items [json-pointer:/blocks]`);
  const blockIds = new Set<string>();
  blocks.forEach((b, i) => {
    const at = `/blocks/${i}`;
    if (b.block_id !== undefined) {
      if (String(b.block_id).length > 255) problems.push(`block_id too long [json-pointer:${at}/block_id]`);
      if (blockIds.has(b.block_id)) problems.push(`duplicate block_id [json-pointer:${at}/block_id]`);
      blockIds.add(b.block_id);
    }
    if (b.type === 'header' && (b.text?.type !== 'plain_text' || textLen(b.text) > 150)) problems.push(`header text [json-pointer:${at}/text]`);
    if (b.type === 'section') {
      if (!b.text && !b.fields) problems.push(`section needs text or fields [json-pointer:${at}]`);
      if (textLen(b.text) > 3000) problems.push(`must be less than 3001 characters [json-pointer:${at}/text/text]`);
      if (b.fields && (b.fields.length > 10 || b.fields.some((f: any) => textLen(f) > 2000))) problems.push(`fields [json-pointer:${at}/fields]`);
    }
    if (b.type === 'context' && (!Array.isArray(b.elements) || b.elements.length > 10)) problems.push(`context elements [json-pointer:${at}/elements]`);
    if (b.type === 'actions') {
      if (!Array.isArray(b.elements) || b.elements.length > 25) problems.push(`actions elements [json-pointer:${at}/elements]`);
      const ids = new Set<string>();
      for (const [j, e] of (b.elements ?? []).entries()) {
        const ep = `${at}/elements/${j}`;
        if (typeof e.action_id !== 'string' || e.action_id.length > 255) problems.push(`action_id [json-pointer:${ep}/action_id]`);
        if (ids.has(e.action_id)) problems.push(`duplicate action_id [json-pointer:${ep}/action_id]`);
        ids.add(e.action_id);
        if (e.type === 'button') {
          if (textLen(e.text) > 75 || e.text?.type !== 'plain_text') problems.push(`button text [json-pointer:${ep}/text]`);
          if (e.value !== undefined && String(e.value).length > 2000) problems.push(`button value [json-pointer:${ep}/value]`);
          if (e.style !== undefined && e.style !== 'primary' && e.style !== 'danger') problems.push(`button style [json-pointer:${ep}/style]`);
        }
        if (e.type === 'static_select') {
          if (!Array.isArray(e.options) || e.options.length > 100) problems.push(`options [json-pointer:${ep}/options]`);
          for (const o of e.options ?? []) if (textLen(o.text) > 75 || String(o.value).length > 150) problems.push(`option [json-pointer:${ep}/options]`);
        }
      }
    }
  });
  return problems;
}

function validateMessage(args: Record<string, any>) {
  if (args.blocks?.__invalid_json) return invalid('invalid_blocks_format', 'blocks is not valid JSON');
  if (!args.text && !(Array.isArray(args.blocks) && args.blocks.length)) return { ok: false, error: 'no_text' };
  if (typeof args.text === 'string' && args.text.length > 40_000) return { ok: false, error: 'msg_too_long' };
  if (args.blocks !== undefined) {
    const problems = blockProblems(args.blocks);
    if (problems.length) return invalid('invalid_blocks', problems[0]!);
  }
  return undefined;
}

function validateView(view: any) {
  if (!view || view.__invalid_json) return invalid('invalid_arguments', 'view is not valid JSON');
  if (view.type !== 'modal') return invalid('invalid_arguments', 'view.type must be modal');
  for (const key of ['title', 'submit', 'close']) {
    if (view[key] && (view[key].type !== 'plain_text' || textLen(view[key]) > 24)) return invalid('invalid_arguments', `${key} must be plain_text of at most 24 characters [json-pointer:/view/${key}]`);
  }
  if (!view.title) return invalid('invalid_arguments', 'missing required field: title');
  if (String(view.private_metadata ?? '').length > 3000) return invalid('invalid_arguments', 'private_metadata too long');
  if (String(view.callback_id ?? '').length > 255) return invalid('invalid_arguments', 'callback_id too long');
  const hasInput = (view.blocks ?? []).some((b: any) => b.type === 'input');
  if (hasInput && !view.submit) return invalid('invalid_arguments', 'a view with inputs needs submit [json-pointer:/view/submit]');
  const problems = blockProblems((view.blocks ?? []).filter((b: any) => b.type !== 'input'), 100);
  for (const [i, b] of (view.blocks ?? []).entries()) {
    if (b.type !== 'input') continue;
    if (!b.label || textLen(b.label) > 2000) problems.push(`input label [json-pointer:/view/blocks/${i}/label]`);
    if (!b.element?.action_id) problems.push(`input element action_id [json-pointer:/view/blocks/${i}/element]`);
  }
  if ((view.blocks ?? []).length > 100) problems.push('must be less than 101 items [json-pointer:/view/blocks]');
  return problems.length ? invalid('invalid_arguments', problems[0]!) : undefined;
}
