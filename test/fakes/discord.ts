// A protocol-faithful fake of Discord's REST API (v10) for tests: real HTTP on loopback, driven through
// @discordjs/rest. Interactions are built, signed and POSTed with discord-interactions.ts.
//
// For the channel engineer — the API in short:
//   const fake = new FakeDiscord();  await fake.start();
//   new REST({ api: fake.url }).setToken(fake.token)   (fake.url ends in /api; paths are /api/v10/…)
//   fake.token, fake.applicationId, fake.bot (the bot's user), fake.guildId, fake.signer (DiscordSigner:
//     signer.publicKeyHex → DISCORD_PUBLIC_KEY)
//   People: fake.users.{ana,ben,eve} → DiscordPerson { user, nick } (ana has a nick, ben only a global
//     name, eve only a username); addPerson(). Channels: fake.channel (a guild text channel), addChannel(name)
//     → id; dmChannelOf(userId) (once the bot opened one with POST /users/@me/channels).
//   Messages: message(channelId, id) / messagesIn(channelId) → FakeDiscordMessage { message (the JSON as
//     Discord returns it now), edits, history }; ephemerals (flags 64 replies, by user).
//   Records: calls (method, path, route, body, status, code, early, global), interactionCalls
//     (callbacks and follow-ups: kind, type, body, status, afterMs since the interaction was made).
//   Knobs: rateLimit(route, times, retryAfterS, global?) with route like 'POST /channels/{id}/messages'
//     (or a concrete path); failAuth(times?) / restoreAuth(); revokeAccess(channelId) (50001);
//     denyPermission(channelId) (50013); deleteMessage(channelId, messageId) (then 10008).
//   Interactions as Discord sends them: ping(), click({ message, person, customId | label, values? }),
//     modalSubmit({ person, values, modal? }) (answers the last modal the app opened for that person);
//     send(url, payload, opts?) signs and POSTs one (see postInteraction) and, as Discord does, takes an
//     interaction response in the HTTP answer (type 4/5/6/7/9) as the callback (recorded as 'http-response';
//     `refused` says why Discord would not take it: late, a second answer, an invalid body). modals: the modals opened.
//
// Routes: GET/POST /channels/{id}/messages, GET/PATCH/DELETE /channels/{id}/messages/{id}, GET /channels/{id},
// GET /users/@me, POST /users/@me/channels, POST /interactions/{id}/{token}/callback, POST /webhooks/{app}/{token},
// GET/PATCH/DELETE /webhooks/{app}/{token}/messages/{@original|id}. Errors as Discord sends them:
// `{ code, message, errors? }` (50035 Invalid Form Body with the nested `_errors` tree), and 429 with
// `{ message, retry_after, global }` and Retry-After, X-RateLimit-* headers. Every bot route wants
// `Authorization: Bot <token>`; interaction callbacks and webhooks are authorized by their token alone.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  componentInteraction,
  type DiscordMessageJson,
  type DiscordPerson,
  DiscordSigner,
  type DiscordUser,
  type InteractionPayload,
  type InteractionResponse,
  type ModalValues,
  modalSubmitInteraction,
  pingInteraction,
  postInteraction,
  type PostOptions,
  snowflake,
} from './discord-interactions.js';
import { FakeRateLimits } from './rate-limits.js';

export * from './discord-interactions.js';

export interface FakeDiscordMessage {
  channelId: string;
  id: string;
  message: DiscordMessageJson;
  edits: number;
  /** Every content + embed text it showed, oldest first. */
  history: string[];
}

export interface RecordedCall {
  method: string;
  path: string;
  /** The route with ids as placeholders: 'POST /channels/{id}/messages'. */
  route: string;
  body: unknown;
  at: number;
  status: number;
  code?: number;
  /** A 429 given inside a window an earlier 429 announced (the client did not wait). */
  early?: boolean;
  global?: boolean;
}

export interface InteractionCall {
  interactionId: string;
  /** callback: POST …/callback; http-response: the answer in the HTTP response to the interaction (Discord takes it as the callback). */
  kind: 'callback' | 'http-response' | 'followup' | 'edit-original' | 'edit-followup' | 'delete-original';
  /** The callback type (4 reply, 5 deferred reply, 6 deferred update, 7 UPDATE_MESSAGE, 9 MODAL). */
  type?: number;
  body: Record<string, unknown>;
  status: number;
  code?: number;
  at: number;
  /** How long after the interaction was made. */
  afterMs: number;
}

/** A reply only the person who interacted sees (flags 64). */
export interface Ephemeral {
  id: string;
  userId: string;
  interactionId: string;
  content: string;
  body: Record<string, unknown>;
  at: number;
}

export interface OpenedModal {
  interactionId: string;
  userId: string;
  customId: string;
  title: string;
  inputs: { customId: string; label: string; style: number; inLabel: boolean }[];
  /** The message whose button opened it. */
  message?: DiscordMessageJson;
  channelId: string;
}

interface FakeChannel {
  id: string;
  type: 0 | 1;
  name?: string;
  recipient?: DiscordUser;
  access: 'ok' | 'revoked' | 'no-permission';
}

interface Interaction {
  payload: InteractionPayload;
  at: number;
  channelId: string;
  userId: string;
  /** How it was acknowledged: undefined until a callback. */
  ack?: number;
  /** The original response: the source message (updates) or the reply it made. */
  original?: { channelId: string; id: string } | { ephemeral: string };
}

interface DiscordErrorBody {
  code: number;
  message: string;
  errors?: Record<string, unknown>;
}

class Refusal extends Error {
  constructor(
    readonly status: number,
    readonly body: DiscordErrorBody,
  ) {
    super(body.message);
  }
}

const refuse = (status: number, code: number, message: string): never => {
  throw new Refusal(status, { code, message });
};
const UNKNOWN_CHANNEL = () => refuse(404, 10003, 'Unknown Channel');
const UNKNOWN_MESSAGE = () => refuse(404, 10008, 'Unknown Message');
const UNKNOWN_INTERACTION = () => refuse(404, 10062, 'Unknown interaction');
const UNKNOWN_WEBHOOK = () => refuse(404, 10015, 'Unknown Webhook');

/** 50035 with Discord's error tree: `errors.components[0].components[1].custom_id._errors`. */
class FormErrors {
  private readonly tree: Record<string, unknown> = {};
  any = false;

  add(path: (string | number)[], code: string, message: string): void {
    let node = this.tree;
    for (const key of path) node = (node[String(key)] ??= {}) as Record<string, unknown>;
    ((node._errors ??= []) as unknown[]).push({ code, message });
    this.any = true;
  }

  throwIfAny(): void {
    if (this.any) throw new Refusal(400, { code: 50035, message: 'Invalid Form Body', errors: this.tree });
  }
}

/** A JSON value as Discord reads it where it wants a string: strings as they are, numbers written out, anything else as JSON. */
const str = (v: unknown): string => (typeof v === 'string' ? v : typeof v === 'number' || typeof v === 'boolean' ? String(v) : JSON.stringify(v) ?? '');

const FLAG_EPHEMERAL = 64;
const INTERACTION_ACK_MS = 3000;
const INTERACTION_TOKEN_MS = 15 * 60_000;
const EMBED = { title: 256, description: 4096, fields: 25, fieldName: 256, fieldValue: 1024, footer: 2048, author: 256, total: 6000, perMessage: 10 };
const COMPONENT = { rows: 5, buttons: 5, customId: 100, label: 80, options: 25, optionText: 100, placeholder: 150 };
const MODAL = { title: 45, inputs: 5, label: 45, value: 4000, placeholder: 100 };

function checkLength(e: FormErrors, path: (string | number)[], v: unknown, max: number, required = false): void {
  if (v === undefined || v === null) {
    if (required) e.add(path, 'BASE_TYPE_REQUIRED', 'This field is required');
    return;
  }
  if (typeof v !== 'string') return e.add(path, 'BASE_TYPE_STRING', 'Must be a string.');
  if (required && v.length === 0) return e.add(path, 'BASE_TYPE_REQUIRED', 'This field is required');
  if ([...v].length > max) e.add(path, 'BASE_TYPE_MAX_LENGTH', `Must be ${max} or fewer in length.`);
}

function checkCount(e: FormErrors, path: (string | number)[], list: unknown, min: number, max: number): unknown[] {
  if (!Array.isArray(list)) {
    e.add(path, 'BASE_TYPE_REQUIRED', 'This field is required');
    return [];
  }
  if (list.length < min || list.length > max) e.add(path, 'BASE_TYPE_BAD_LENGTH', `Must be between ${min} and ${max} in length.`);
  return list;
}

function checkUrl(e: FormErrors, path: (string | number)[], v: unknown): void {
  if (v === undefined) return;
  try {
    const u = new URL(str(v));
    if (!['http:', 'https:', 'discord:'].includes(u.protocol)) throw new Error('scheme');
  } catch {
    e.add(path, 'URL_TYPE_INVALID_URL', 'Not a well formed URL.');
  }
}

/** Embeds as Discord checks them: the per-field limits, 25 fields, and 6000 characters across every embed. */
function checkEmbeds(e: FormErrors, embeds: unknown): void {
  if (embeds === undefined || embeds === null) return;
  const list = checkCount(e, ['embeds'], embeds, 0, EMBED.perMessage) as Record<string, unknown>[];
  let total = 0;
  const count = (v: unknown) => (typeof v === 'string' ? [...v].length : 0);
  list.forEach((embed, i) => {
    const at = ['embeds', i];
    checkLength(e, [...at, 'title'], embed.title, EMBED.title);
    checkLength(e, [...at, 'description'], embed.description, EMBED.description);
    checkUrl(e, [...at, 'url'], embed.url);
    if (embed.timestamp !== undefined && Number.isNaN(Date.parse(str(embed.timestamp)))) e.add([...at, 'timestamp'], 'DATE_TYPE_PARSE', 'Could not parse timestamp.');
    const footer = embed.footer as { text?: unknown } | undefined;
    if (footer) checkLength(e, [...at, 'footer', 'text'], footer.text, EMBED.footer, true);
    const author = embed.author as { name?: unknown } | undefined;
    if (author) checkLength(e, [...at, 'author', 'name'], author.name, EMBED.author, true);
    const fields = embed.fields === undefined ? [] : (checkCount(e, [...at, 'fields'], embed.fields, 0, EMBED.fields) as Record<string, unknown>[]);
    fields.forEach((f, j) => {
      checkLength(e, [...at, 'fields', j, 'name'], f.name, EMBED.fieldName, true);
      checkLength(e, [...at, 'fields', j, 'value'], f.value, EMBED.fieldValue, true);
      total += count(f.name) + count(f.value);
    });
    total += count(embed.title) + count(embed.description) + count(footer?.text) + count(author?.name);
  });
  if (total > EMBED.total) e.add(['embeds'], 'MAX_EMBED_SIZE_EXCEEDED', `Embed size exceeds maximum size of ${EMBED.total}`);
}

/** Message components: ≤ 5 action rows, each ≤ 5 buttons or one select; custom_ids ≤ 100 and unique. */
function checkComponents(e: FormErrors, components: unknown): void {
  if (components === undefined || components === null) return;
  const rows = checkCount(e, ['components'], components, 0, COMPONENT.rows) as Record<string, unknown>[];
  const seen = new Set<string>();
  rows.forEach((row, i) => {
    if (row.type !== 1) return e.add(['components', i, 'type'], 'UNION_TYPE_CHOICES', 'Value of field "type" must be one of (1,).');
    const items = checkCount(e, ['components', i, 'components'], row.components, 1, COMPONENT.buttons) as Record<string, unknown>[];
    const hasSelect = items.some((c) => c.type === 3);
    if (hasSelect && items.length > 1) e.add(['components', i, 'components'], 'COMPONENT_LAYOUT_WIDTH_EXCEEDED', 'The specified component exceeds the maximum width');
    items.forEach((c, j) => {
      const at = ['components', i, 'components', j];
      if (c.custom_id !== undefined) {
        if (seen.has(str(c.custom_id))) e.add([...at, 'custom_id'], 'COMPONENT_CUSTOM_ID_DUPLICATED', 'Component custom id cannot be duplicated');
        seen.add(str(c.custom_id));
      }
      if (c.type === 2) return checkButton(e, at, c);
      if (c.type === 3) return checkSelect(e, at, c);
      e.add([...at, 'type'], 'UNION_TYPE_CHOICES', 'Value of field "type" must be one of (2, 3, 5, 6, 7, 8).');
    });
  });
}

function checkButton(e: FormErrors, at: (string | number)[], b: Record<string, unknown>): void {
  if (![1, 2, 3, 4, 5].includes(Number(b.style))) e.add([...at, 'style'], 'BASE_TYPE_CHOICES', 'Value must be one of {1, 2, 3, 4, 5, 6}.');
  checkLength(e, [...at, 'label'], b.label, COMPONENT.label);
  if (b.style === 5) {
    if (b.url === undefined) e.add([...at, 'url'], 'BUTTON_COMPONENT_URL_REQUIRED', 'A url is required');
    else checkUrl(e, [...at, 'url'], b.url);
    if (b.custom_id !== undefined) e.add([...at, 'custom_id'], 'BUTTON_COMPONENT_INVALID_URL_FIELDS', 'A custom id cannot be set on a link button');
  } else {
    checkLength(e, [...at, 'custom_id'], b.custom_id, COMPONENT.customId, true);
    if (b.url !== undefined) e.add([...at, 'url'], 'BUTTON_COMPONENT_INVALID_URL_FIELDS', 'A url can only be set on a link button');
  }
}

function checkSelect(e: FormErrors, at: (string | number)[], s: Record<string, unknown>): void {
  checkLength(e, [...at, 'custom_id'], s.custom_id, COMPONENT.customId, true);
  checkLength(e, [...at, 'placeholder'], s.placeholder, COMPONENT.placeholder);
  const options = checkCount(e, [...at, 'options'], s.options, 1, COMPONENT.options) as Record<string, unknown>[];
  options.forEach((o, k) => {
    checkLength(e, [...at, 'options', k, 'label'], o.label, COMPONENT.optionText, true);
    checkLength(e, [...at, 'options', k, 'value'], o.value, COMPONENT.optionText, true);
    checkLength(e, [...at, 'options', k, 'description'], o.description, COMPONENT.optionText);
  });
  for (const key of ['min_values', 'max_values'] as const) {
    const v = s[key];
    if (v !== undefined && (!Number.isInteger(v) || Number(v) < 0 || Number(v) > COMPONENT.options)) e.add([...at, key], 'NUMBER_TYPE_MAX', 'int value should be less than or equal to 25.');
  }
}

/** A message body (create, edit, or an interaction's reply): content ≤ 2000, embeds, components. */
function checkMessageBody(body: Record<string, unknown>, creating: boolean): void {
  const e = new FormErrors();
  checkLength(e, ['content'], body.content, 2000);
  checkEmbeds(e, body.embeds);
  checkComponents(e, body.components);
  e.throwIfAny();
  const empty = !body.content && !(Array.isArray(body.embeds) && body.embeds.length) && !(Array.isArray(body.components) && body.components.length);
  if (creating && empty) refuse(400, 50006, 'Cannot send an empty message');
}

/** A modal (callback type 9): title ≤ 45, 1–5 text inputs, each in an action row or a label. */
function readModal(data: Record<string, unknown>): Pick<OpenedModal, 'customId' | 'title' | 'inputs'> {
  const e = new FormErrors();
  const at = ['data'];
  checkLength(e, [...at, 'custom_id'], data.custom_id, COMPONENT.customId, true);
  checkLength(e, [...at, 'title'], data.title, MODAL.title, true);
  const rows = checkCount(e, [...at, 'components'], data.components, 1, MODAL.inputs) as Record<string, unknown>[];
  const inputs: OpenedModal['inputs'] = [];
  rows.forEach((row, i) => {
    const rowAt = [...at, 'components', i];
    let input: Record<string, unknown> | undefined;
    let label: unknown;
    if (row.type === 1) {
      const inner = checkCount(e, [...rowAt, 'components'], row.components, 1, 1) as Record<string, unknown>[];
      input = inner[0];
      label = input?.label;
      if (input) checkLength(e, [...rowAt, 'components', 0, 'label'], input.label, MODAL.label, true);
    } else if (row.type === 18) {
      input = row.component as Record<string, unknown> | undefined;
      label = row.label;
      checkLength(e, [...rowAt, 'label'], row.label, MODAL.label, true);
    } else {
      e.add([...rowAt, 'type'], 'UNION_TYPE_CHOICES', 'Value of field "type" must be one of (1, 18).');
    }
    if (!input) return;
    if (input.type !== 4) return e.add([...rowAt, 'type'], 'UNION_TYPE_CHOICES', 'Value of field "type" must be one of (4,).');
    checkLength(e, [...rowAt, 'custom_id'], input.custom_id, COMPONENT.customId, true);
    if (![1, 2].includes(Number(input.style))) e.add([...rowAt, 'style'], 'BASE_TYPE_CHOICES', 'Value must be one of {1, 2}.');
    checkLength(e, [...rowAt, 'value'], input.value, MODAL.value);
    checkLength(e, [...rowAt, 'placeholder'], input.placeholder, MODAL.placeholder);
    inputs.push({ customId: str(input.custom_id), label: str(label ?? ''), style: Number(input.style), inLabel: row.type === 18 });
  });
  e.throwIfAny();
  return { customId: String(data.custom_id), title: String(data.title), inputs };
}

/** What a person reads in a message: its content and every embed's text. */
export function visibleText(message: Record<string, unknown>): string {
  const parts: string[] = [];
  if (typeof message.content === 'string' && message.content) parts.push(message.content);
  for (const embed of (message.embeds as Record<string, unknown>[] | undefined) ?? []) {
    const author = embed.author as { name?: string } | undefined;
    const footer = embed.footer as { text?: string } | undefined;
    if (author?.name) parts.push(author.name);
    if (typeof embed.title === 'string') parts.push(embed.title);
    if (typeof embed.description === 'string') parts.push(embed.description);
    for (const f of (embed.fields as { name: string; value: string }[] | undefined) ?? []) parts.push(f.name, f.value);
    if (footer?.text) parts.push(footer.text);
  }
  return parts.join('\n');
}

export interface FakeDiscordOptions {
  token?: string;
  /** How long after an interaction Discord still takes its callback (default 3 s). */
  ackWindowMs?: number;
}

export class FakeDiscord {
  readonly token: string;
  readonly applicationId: string;
  readonly bot: DiscordUser;
  readonly guildId: string;
  readonly signer = new DiscordSigner();
  readonly users: { ana: DiscordPerson; ben: DiscordPerson; eve: DiscordPerson };
  readonly channel: string;
  readonly calls: RecordedCall[] = [];
  readonly interactionCalls: InteractionCall[] = [];
  readonly ephemerals: Ephemeral[] = [];
  readonly modals: OpenedModal[] = [];
  /** Ends in /api: give it to `new REST({ api })`. */
  url = '';

  private readonly people = new Map<string, DiscordPerson>();
  private readonly channels = new Map<string, FakeChannel>();
  private readonly messages = new Map<string, FakeDiscordMessage>();
  private readonly interactions = new Map<string, Interaction>();
  private readonly limits = new FakeRateLimits();
  private readonly globalRoutes = new Set<string>();
  private readonly ackWindowMs: number;
  private globalUntil = 0;
  private authFailures = 0;
  private server?: Server;

  constructor(opts: FakeDiscordOptions = {}) {
    this.applicationId = snowflake(Date.now() - 86_400_000);
    this.token = opts.token ?? `${Buffer.from(this.applicationId).toString('base64url')}.GfAkE0.fake-discord-bot-token_0123456789abcdefghij`;
    this.ackWindowMs = opts.ackWindowMs ?? INTERACTION_ACK_MS;
    this.bot = { id: this.applicationId, username: 'Switchboard', global_name: null, discriminator: '0', avatar: null, bot: true, public_flags: 0 };
    this.guildId = snowflake();
    this.users = {
      ana: this.addPerson('ana.lima', 'Ana Lima', 'Ana (ops)'),
      ben: this.addPerson('ben_okafor', 'Ben Okafor'),
      eve: this.addPerson('eve'),
    };
    this.channel = this.addChannel('approvals');
  }

  addPerson(username: string, globalName: string | null = null, nick: string | null = null): DiscordPerson {
    const person: DiscordPerson = {
      user: { id: snowflake(), username, global_name: globalName, discriminator: '0', avatar: null, public_flags: 0 },
      nick,
    };
    this.people.set(person.user.id, person);
    return person;
  }

  /** A text channel in the guild the bot can see and write in. */
  addChannel(name: string): string {
    const id = snowflake();
    this.channels.set(id, { id, type: 0, name, access: 'ok' });
    return id;
  }

  /** The DM channel the bot opened with this user, if it did. */
  dmChannelOf(userId: string): string | undefined {
    return [...this.channels.values()].find((c) => c.type === 1 && c.recipient?.id === userId)?.id;
  }

  /** The bot lost the channel (removed, or the role that let it see it): 403 50001 Missing Access. */
  revokeAccess(channelId: string): void {
    this.mustChannel(channelId).access = 'revoked';
  }

  /** The bot sees the channel but may not send there: 403 50013 Missing Permissions. */
  denyPermission(channelId: string): void {
    this.mustChannel(channelId).access = 'no-permission';
  }

  /** Someone deleted the message: edits of it get 404 10008 Unknown Message. */
  deleteMessage(channelId: string, messageId: string): void {
    this.messages.delete(`${channelId}:${messageId}`);
  }

  message(channelId: string, messageId: string): FakeDiscordMessage | undefined {
    return this.messages.get(`${channelId}:${messageId}`);
  }

  messagesIn(channelId: string): FakeDiscordMessage[] {
    return [...this.messages.values()].filter((m) => m.channelId === channelId);
  }

  callsTo(route: string): RecordedCall[] {
    return this.calls.filter((c) => c.route === route);
  }

  /** Every interaction token handed out so far (secrets: they authorize the follow-up webhooks). */
  interactionTokens(): string[] {
    return [...this.interactions.values()].map((i) => i.payload.token);
  }

  callbacksOf(interactionId: string): InteractionCall[] {
    return this.interactionCalls.filter((c) => c.interactionId === interactionId);
  }

  /**
   * The next `times` calls of `route` ('POST /channels/{id}/messages', or a concrete path) get 429 with
   * retry_after; as Discord does, every further call inside that window gets 429 too. `global`: the
   * global limit (X-RateLimit-Global, scope global), which holds every bot route for the window.
   */
  rateLimit(route: string, times = 1, retryAfterS = 1, global = false): void {
    this.limits.limit(route, times, retryAfterS);
    if (global) this.globalRoutes.add(route);
  }

  /** The token stops working (reset in the portal): the next `times` bot calls, or all until restoreAuth(), get 401. */
  failAuth(times = Number.POSITIVE_INFINITY): void {
    this.authFailures = times;
  }

  restoreAuth(): void {
    this.authFailures = 0;
  }

  /** PING, as Discord sends it when the interactions URL is saved. */
  ping(): InteractionPayload {
    return pingInteraction(this.applicationId);
  }

  /** A click on a message's button (by `label` or any `customId`), or a choice in its select (`values`). */
  click(o: { message: FakeDiscordMessage; person: DiscordPerson; label?: string; customId?: string; values?: string[] }): InteractionPayload {
    const current = this.message(o.message.channelId, o.message.id);
    if (!current) throw new Error(`no Discord message ${o.message.channelId}:${o.message.id}`);
    const components = ((current.message.components as { components: Record<string, unknown>[] }[] | undefined) ?? []).flatMap((r) => r.components);
    let customId = o.customId;
    let componentType: number | undefined;
    if (customId === undefined) {
      const found = components.find((c) => (o.label !== undefined ? c.label === o.label : o.values !== undefined && c.type === 3));
      if (!found?.custom_id) throw new Error(`no component "${o.label ?? 'select'}" on ${current.channelId}:${current.id}`);
      customId = str(found.custom_id);
      componentType = Number(found.type);
    }
    const payload = componentInteraction({
      ...this.where(current.channelId, o.person),
      message: structuredClone(current.message),
      customId,
      ...(componentType ? { componentType } : {}),
      ...(o.values ? { values: o.values } : {}),
    });
    this.register(payload, current.channelId, o.person.user.id);
    return payload;
  }

  /** The person submits a modal the app opened for them (the last one, or `modal`), with these values. */
  modalSubmit(o: { person: DiscordPerson; values: ModalValues; modal?: OpenedModal }): InteractionPayload {
    const modal = o.modal ?? this.modals.filter((m) => m.userId === o.person.user.id).at(-1);
    if (!modal) throw new Error(`no modal was opened for ${o.person.user.username}`);
    const source = modal.message ? this.message(modal.message.channel_id, modal.message.id)?.message : undefined;
    const payload = modalSubmitInteraction({
      ...this.where(modal.channelId, o.person),
      customId: modal.customId,
      inputs: modal.inputs,
      values: o.values,
      ...(source ? { message: structuredClone(source) } : {}),
    });
    this.register(payload, modal.channelId, o.person.user.id);
    return payload;
  }

  /** Signs and POSTs an interaction to the app's endpoint, as Discord does. */
  async send(url: string, payload: InteractionPayload, opts: Omit<PostOptions, 'signer'> = {}): Promise<InteractionResponse & { refused?: DiscordErrorBody }> {
    const res = await postInteraction(url, payload, { signer: this.signer, ...opts });
    const interaction = this.interactions.get(payload.id);
    if (!interaction || res.status !== 200 || !res.json || typeof res.json.type !== 'number') return res;
    try {
      this.acknowledge(interaction, res.json, 'http-response', res.status);
      return res;
    } catch (err) {
      if (err instanceof Refusal) return { ...res, refused: err.body };
      throw err;
    }
  }

  async start(): Promise<void> {
    this.server = createServer((req, res) => void this.handle(req, res));
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/api`;
  }

  async stop(): Promise<void> {
    this.server?.closeAllConnections();
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }

  private where(channelId: string, person: DiscordPerson) {
    const channel = this.mustChannel(channelId);
    return { applicationId: this.applicationId, channelId, person, ...(channel.type === 0 ? { guildId: this.guildId } : {}) };
  }

  private register(payload: InteractionPayload, channelId: string, userId: string): void {
    this.interactions.set(payload.id, { payload, at: Date.now(), channelId, userId });
  }

  private mustChannel(id: string): FakeChannel {
    const channel = this.channels.get(id);
    if (!channel) throw new Error(`fake Discord: no channel ${id}`);
    return channel;
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const raw = Buffer.concat(chunks).toString('utf8');
    const url = new URL(req.url ?? '/', 'http://fake');
    const method = req.method ?? 'GET';
    const path = decodeURIComponent(url.pathname.replace(/^\/api\/v10/, ''));
    const route = `${method} ${path.replace(/\/\d{15,21}(?=\/|$)/g, '/{id}').replace(/^(\/(?:interactions\/\{id\}|webhooks\/\{id\}))\/[^/]+/, '$1/{token}')}`;
    const call: RecordedCall = { method, path, route, body: undefined, at: Date.now(), status: 0 };
    this.calls.push(call);
    const send = (status: number, body?: unknown, headers: Record<string, string> = {}) => {
      call.status = status;
      if (body && typeof body === 'object' && 'code' in body) call.code = Number(body.code);
      res.writeHead(status, { ...(body === undefined ? {} : { 'content-type': 'application/json' }), ...headers });
      res.end(body === undefined ? undefined : JSON.stringify(body));
    };
    try {
      if (!url.pathname.startsWith('/api/v10/')) return send(404, { message: '404: Not Found', code: 0 });
      let body: Record<string, unknown> = {};
      if (raw) {
        try {
          body = JSON.parse(raw) as Record<string, unknown>;
        } catch {
          return send(400, { code: 50109, message: 'The request body contains invalid JSON.' });
        }
      }
      call.body = body;
      const byToken = /^\/(interactions|webhooks)\//.test(path);
      if (!byToken) {
        if (this.authFailures > 0 || req.headers.authorization !== `Bot ${this.token}`) {
          if (this.authFailures > 0) this.authFailures -= 1;
          return send(401, { message: '401: Unauthorized', code: 0 });
        }
        const limited = this.rateLimited(method, path, route);
        if (limited) {
          call.early = limited.early;
          call.global = limited.global;
          return send(429, limited.body, limited.headers);
        }
      }
      const out = this.dispatch(method, path, body, url.searchParams);
      return send(out.status, out.body, byToken ? {} : this.bucketHeaders(route));
    } catch (err) {
      if (err instanceof Refusal) return send(err.status, err.body);
      return send(500, { message: `fake Discord: ${String(err)}`, code: 0 });
    }
  }

  private rateLimited(method: string, path: string, route: string) {
    const now = Date.now();
    if (this.globalUntil > now) return this.tooMany((this.globalUntil - now) / 1000, true, true, route);
    for (const key of [`${method} ${path}`, route]) {
      const hit = this.limits.check([key], now);
      if (!hit) continue;
      const global = this.globalRoutes.has(key);
      if (global && !hit.early) this.globalUntil = now + hit.retryAfter * 1000;
      return this.tooMany(hit.retryAfter, global, hit.early, route);
    }
    return undefined;
  }

  private tooMany(retryAfterS: number, global: boolean, early: boolean, route: string) {
    const body = { message: 'You are being rate limited.', retry_after: Number(retryAfterS.toFixed(3)), global, ...(global ? { code: 0 } : {}) };
    const headers: Record<string, string> = { 'Retry-After': String(Math.ceil(retryAfterS)), 'X-RateLimit-Scope': global ? 'global' : 'user' };
    if (global) headers['X-RateLimit-Global'] = 'true';
    else
      Object.assign(headers, {
        'X-RateLimit-Limit': '5',
        'X-RateLimit-Remaining': '0',
        'X-RateLimit-Reset': ((Date.now() + retryAfterS * 1000) / 1000).toFixed(3),
        'X-RateLimit-Reset-After': retryAfterS.toFixed(3),
        'X-RateLimit-Bucket': bucketOf(route),
      });
    return { body, headers, early, global };
  }

  /** The bucket headers of a successful call: a roomy bucket, so only the knobs make 429s. */
  private bucketHeaders(route: string): Record<string, string> {
    return {
      'X-RateLimit-Limit': '50',
      'X-RateLimit-Remaining': '49',
      'X-RateLimit-Reset': ((Date.now() + 1000) / 1000).toFixed(3),
      'X-RateLimit-Reset-After': '1.000',
      'X-RateLimit-Bucket': bucketOf(route),
    };
  }

  private dispatch(method: string, path: string, body: Record<string, unknown>, query: URLSearchParams): { status: number; body?: unknown } {
    let m: RegExpMatchArray | null;
    if (path === '/users/@me' && method === 'GET') return { status: 200, body: this.bot };
    if (path === '/users/@me/channels' && method === 'POST') return { status: 200, body: this.openDm(body) };
    if ((m = path.match(/^\/channels\/(\d+)$/)) && method === 'GET') return { status: 200, body: this.channelJson(this.visibleChannel(m[1]!)) };
    if ((m = path.match(/^\/channels\/(\d+)\/messages$/))) {
      if (method === 'POST') return { status: 200, body: this.createMessage(this.writableChannel(m[1]!), body) };
      if (method === 'GET') return { status: 200, body: this.messagesIn(this.visibleChannel(m[1]!).id).map((x) => x.message).reverse() };
    }
    if ((m = path.match(/^\/channels\/(\d+)\/messages\/(\d+)$/))) {
      const channel = method === 'GET' ? this.visibleChannel(m[1]!) : this.writableChannel(m[1]!);
      const msg = this.message(channel.id, m[2]!) ?? UNKNOWN_MESSAGE();
      if (method === 'GET') return { status: 200, body: msg.message };
      if (method === 'PATCH') return { status: 200, body: this.editMessage(msg, body) };
      if (method === 'DELETE') {
        this.deleteMessage(channel.id, msg.id);
        return { status: 204 };
      }
    }
    if ((m = path.match(/^\/interactions\/(\d+)\/([^/]+)\/callback$/)) && method === 'POST') return this.callback(m[1]!, m[2]!, body, query);
    if ((m = path.match(/^\/webhooks\/(\d+)\/([^/]+)(?:\/messages\/(@original|\d+))?$/))) return this.webhook(method, m[1]!, m[2]!, m[3], body);
    return refuse(404, 0, '404: Not Found');
  }

  private openDm(body: Record<string, unknown>): unknown {
    const person = this.people.get(String(body.recipient_id));
    if (!person) return refuse(400, 50033, 'Invalid Recipient(s)');
    const existing = this.dmChannelOf(person.user.id);
    if (existing) return this.channelJson(this.mustChannel(existing));
    const id = snowflake();
    const channel: FakeChannel = { id, type: 1, recipient: person.user, access: 'ok' };
    this.channels.set(id, channel);
    return this.channelJson(channel);
  }

  private channelJson(c: FakeChannel): Record<string, unknown> {
    const last = this.messagesIn(c.id).at(-1)?.id ?? null;
    if (c.type === 1) return { id: c.id, type: 1, last_message_id: last, flags: 0, recipients: [c.recipient] };
    return {
      id: c.id, type: 0, guild_id: this.guildId, name: c.name, position: 0, permission_overwrites: [], parent_id: null,
      nsfw: false, topic: null, rate_limit_per_user: 0, last_message_id: last, flags: 0,
    };
  }

  private visibleChannel(id: string): FakeChannel {
    const channel = this.channels.get(id) ?? UNKNOWN_CHANNEL();
    if (channel.access === 'revoked') refuse(403, 50001, 'Missing Access');
    return channel;
  }

  private writableChannel(id: string): FakeChannel {
    const channel = this.visibleChannel(id);
    if (channel.access === 'no-permission') refuse(403, 50013, 'Missing Permissions');
    return channel;
  }

  private createMessage(channel: FakeChannel, body: Record<string, unknown>, author: DiscordUser = this.bot, extra: Record<string, unknown> = {}): DiscordMessageJson {
    checkMessageBody(body, true);
    const id = snowflake();
    const message: DiscordMessageJson = {
      type: 0,
      channel_id: channel.id,
      content: typeof body.content === 'string' ? body.content : '',
      attachments: [],
      embeds: normalizeEmbeds(body.embeds),
      timestamp: new Date().toISOString().replace('Z', '+00:00'),
      edited_timestamp: null,
      flags: Number(body.flags ?? 0) & ~FLAG_EPHEMERAL,
      components: structuredClone((body.components as unknown[] | undefined) ?? []),
      id,
      author,
      mentions: [],
      mention_roles: [],
      pinned: false,
      mention_everyone: false,
      tts: false,
      ...extra,
    };
    this.messages.set(`${channel.id}:${id}`, { channelId: channel.id, id, message, edits: 0, history: [visibleText(message)] });
    return structuredClone(message);
  }

  /** PATCH: only the fields given change (components: [] removes them). */
  private editMessage(msg: FakeDiscordMessage, body: Record<string, unknown>): DiscordMessageJson {
    checkMessageBody(body, false);
    if (body.content !== undefined) msg.message.content = body.content ?? '';
    if (body.embeds !== undefined) msg.message.embeds = normalizeEmbeds(body.embeds);
    if (body.components !== undefined) msg.message.components = structuredClone(body.components ?? []);
    msg.message.edited_timestamp = new Date().toISOString().replace('Z', '+00:00');
    msg.edits += 1;
    msg.history.push(visibleText(msg.message));
    return structuredClone(msg.message);
  }

  private record(interaction: Interaction, kind: InteractionCall['kind'], body: Record<string, unknown>, status: number, type?: number, code?: number): void {
    const at = Date.now();
    this.interactionCalls.push({ interactionId: interaction.payload.id, kind, ...(type !== undefined ? { type } : {}), body, status, ...(code !== undefined ? { code } : {}), at, afterMs: at - interaction.at });
  }

  private callback(id: string, token: string, body: Record<string, unknown>, query: URLSearchParams): { status: number; body?: unknown } {
    const interaction = this.interactions.get(id);
    if (!interaction || interaction.payload.token !== token) return UNKNOWN_INTERACTION();
    const withResponse = query.get('with_response') === 'true';
    const result = this.acknowledge(interaction, body, 'callback', withResponse ? 200 : 204);
    if (withResponse) return { status: 200, body: { interaction: { id, type: interaction.payload.type }, ...(result ? { resource: { type: body.type, message: result } } : {}) } };
    return { status: 204 };
  }

  /** The first answer to an interaction, by the callback endpoint or in the HTTP response: within the window, once. */
  private acknowledge(interaction: Interaction, body: Record<string, unknown>, kind: 'callback' | 'http-response', okStatus: number): unknown {
    const type = Number(body.type);
    try {
      if (Date.now() - interaction.at >= this.ackWindowMs) UNKNOWN_INTERACTION();
      if (interaction.ack !== undefined) refuse(400, 40060, 'Interaction has already been acknowledged.');
      const result = this.respond(interaction, type, (body.data as Record<string, unknown> | undefined) ?? {});
      interaction.ack = type;
      this.record(interaction, kind, body, okStatus, type);
      return result;
    } catch (err) {
      if (err instanceof Refusal) this.record(interaction, kind, body, err.status, type, err.body.code);
      throw err;
    }
  }

  /** What a callback does: 4 reply, 5 deferred reply, 6 deferred update, 7 UPDATE_MESSAGE, 9 MODAL. */
  private respond(interaction: Interaction, type: number, data: Record<string, unknown>): unknown {
    const p = interaction.payload;
    const source = p.message as DiscordMessageJson | undefined;
    const formError = (message: string) => {
      const e = new FormErrors();
      e.add(['type'], 'INTERACTION_RESPONSE_TYPE_INVALID', message);
      e.throwIfAny();
    };
    switch (type) {
      case 4:
        return this.reply(interaction, data, true);
      case 5:
        interaction.original = Number(data.flags ?? 0) & FLAG_EPHEMERAL ? { ephemeral: '' } : undefined;
        return undefined;
      case 6:
      case 7: {
        if (!source) return formError('Interaction response type is not valid for this interaction.');
        const msg = this.message(source.channel_id, source.id) ?? UNKNOWN_MESSAGE();
        interaction.original = { channelId: msg.channelId, id: msg.id };
        return type === 7 ? this.editMessage(msg, data) : undefined;
      }
      case 9: {
        if (p.type === 5) return formError('Interaction response type is not valid for this interaction.');
        const modal = readModal(data);
        this.modals.push({ ...modal, interactionId: p.id, userId: interaction.userId, channelId: interaction.channelId, ...(source ? { message: source } : {}) });
        return undefined;
      }
      default:
        return formError(`Value must be one of {4, 5, 6, 7, 9}.`);
    }
  }

  /** A reply to an interaction: ephemeral (flags 64, seen only by the person) or a message in the channel. */
  private reply(interaction: Interaction, data: Record<string, unknown>, isOriginal: boolean): Record<string, unknown> & { id: string } {
    checkMessageBody(data, true);
    if (Number(data.flags ?? 0) & FLAG_EPHEMERAL) {
      const id = snowflake();
      this.ephemerals.push({ id, userId: interaction.userId, interactionId: interaction.payload.id, content: visibleText(data), body: data, at: Date.now() });
      if (isOriginal) interaction.original = { ephemeral: id };
      return { id, channel_id: interaction.channelId, content: data.content ?? '', flags: FLAG_EPHEMERAL };
    }
    const metadata = { id: interaction.payload.id, type: interaction.payload.type, user: this.people.get(interaction.userId)?.user };
    const extra = { type: isOriginal ? 20 : 0, application_id: this.applicationId, webhook_id: this.applicationId, interaction_metadata: metadata };
    const message = this.createMessage(this.mustChannel(interaction.channelId), data, this.bot, extra);
    if (isOriginal) interaction.original = { channelId: message.channel_id, id: message.id };
    return message;
  }

  /** Follow-ups: allowed once acknowledged, for 15 minutes; @original is the response (or the updated message). */
  private webhook(method: string, appId: string, token: string, target: string | undefined, body: Record<string, unknown>): { status: number; body?: unknown } {
    const interaction = [...this.interactions.values()].find((i) => i.payload.token === token);
    if (!interaction || appId !== this.applicationId || interaction.ack === undefined || Date.now() - interaction.at > INTERACTION_TOKEN_MS) return UNKNOWN_WEBHOOK();
    const kind: InteractionCall['kind'] = target === undefined ? 'followup' : method === 'DELETE' ? 'delete-original' : target === '@original' ? 'edit-original' : 'edit-followup';
    try {
      const out = this.webhookCall(interaction, method, target, body);
      this.record(interaction, kind, body, out.status);
      return out;
    } catch (err) {
      if (err instanceof Refusal) this.record(interaction, kind, body, err.status, undefined, err.body.code);
      throw err;
    }
  }

  private webhookCall(interaction: Interaction, method: string, target: string | undefined, body: Record<string, unknown>): { status: number; body?: unknown } {
    if (target === undefined) {
      if (method !== 'POST') return refuse(405, 0, '405: Method Not Allowed');
      return { status: 200, body: this.reply(interaction, body, false) };
    }
    const original = target === '@original' ? interaction.original : { channelId: interaction.channelId, id: target };
    const deferredEphemeral = original && 'ephemeral' in original && original.ephemeral === '';
    if (!original || deferredEphemeral) {
      // A deferred reply (type 5) becomes a message at its first edit.
      if (method !== 'PATCH') return UNKNOWN_MESSAGE();
      return { status: 200, body: this.reply(interaction, deferredEphemeral ? { ...body, flags: FLAG_EPHEMERAL } : body, true) };
    }
    if ('ephemeral' in original) {
      const eph = this.ephemerals.find((x) => x.id === original.ephemeral) ?? UNKNOWN_MESSAGE();
      if (method === 'DELETE') {
        this.ephemerals.splice(this.ephemerals.indexOf(eph), 1);
        return { status: 204 };
      }
      checkMessageBody(body, false);
      eph.body = { ...eph.body, ...body };
      eph.content = visibleText(eph.body);
      return { status: 200, body: { id: eph.id, channel_id: interaction.channelId, content: eph.body.content ?? '', flags: FLAG_EPHEMERAL } };
    }
    const msg = this.message(original.channelId, original.id) ?? UNKNOWN_MESSAGE();
    if (method === 'GET') return { status: 200, body: msg.message };
    if (method === 'DELETE') {
      this.deleteMessage(msg.channelId, msg.id);
      return { status: 204 };
    }
    if (method === 'PATCH') return { status: 200, body: this.editMessage(msg, body) };
    return refuse(405, 0, '405: Method Not Allowed');
  }
}

/** Discord fills in `type: 'rich'` and the color as given. */
function normalizeEmbeds(embeds: unknown): unknown[] {
  return ((embeds as Record<string, unknown>[] | undefined) ?? []).map((e) => ({ type: 'rich', ...structuredClone(e) }));
}

/** A stable bucket hash per route, as Discord's opaque X-RateLimit-Bucket. */
function bucketOf(route: string): string {
  let h = 0;
  for (const ch of route) h = (h * 31 + ch.charCodeAt(0)) | 0;
  return (h >>> 0).toString(16).padStart(8, '0');
}
