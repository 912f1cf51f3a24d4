// Interactions as Discord sends them to an app's interactions endpoint: the payloads (PING, a component
// click or select, a modal submission), signed with Ed25519 over timestamp + raw body, and POSTed to the
// hub. The fake (discord.ts) registers the interactions it builds, so their tokens work for callbacks.
import { generateKeyPairSync, type KeyObject, randomBytes, sign } from 'node:crypto';

/** Discord's epoch (2015-01-01), the origin of snowflake timestamps. */
const DISCORD_EPOCH = 1420070400000n;
let increment = 0n;

/** A fresh snowflake, as Discord makes them: milliseconds since its epoch, then worker, process and an increment. */
export function snowflake(at = Date.now()): string {
  increment = (increment + 1n) & 0xfffn;
  return (((BigInt(at) - DISCORD_EPOCH) << 22n) | (1n << 17n) | increment).toString();
}

export interface DiscordUser {
  id: string;
  username: string;
  global_name: string | null;
  discriminator: '0';
  avatar: null;
  bot?: boolean;
  public_flags: number;
}

export interface DiscordPerson {
  user: DiscordUser;
  /** Their nickname in the guild, if they set one. */
  nick: string | null;
}

/** The message a component belongs to, as the interaction carries it. */
export type DiscordMessageJson = Record<string, unknown> & { id: string; channel_id: string };

/** Text inputs as a modal submission carries them, by custom_id: { 'sb:text': 'Ship it' }. */
export type ModalValues = Record<string, string>;

export const InteractionType = { PING: 1, MESSAGE_COMPONENT: 3, MODAL_SUBMIT: 5 } as const;
export const ComponentType = { ACTION_ROW: 1, BUTTON: 2, STRING_SELECT: 3, TEXT_INPUT: 4, LABEL: 18 } as const;
/** Permissions the fake reports for the bot and for people (VIEW_CHANNEL, SEND_MESSAGES, …: everything ordinary). */
const PERMISSIONS = '2248473465835073';

export interface InteractionPayload extends Record<string, unknown> {
  id: string;
  application_id: string;
  type: number;
  token: string;
  version: 1;
}

interface Where {
  applicationId: string;
  channelId: string;
  /** Unset in a DM. */
  guildId?: string;
  person: DiscordPerson;
}

function envelope(w: Where, type: number): InteractionPayload {
  const who = w.guildId
    ? {
        member: {
          user: w.person.user,
          nick: w.person.nick,
          avatar: null,
          roles: [],
          joined_at: '2024-01-01T00:00:00.000000+00:00',
          premium_since: null,
          deaf: false,
          mute: false,
          flags: 0,
          pending: false,
          permissions: PERMISSIONS,
          communication_disabled_until: null,
          unusual_dm_activity_until: null,
        },
        guild_id: w.guildId,
        guild: { id: w.guildId, locale: 'en-US', features: [] },
        guild_locale: 'en-US',
        context: 0,
        authorizing_integration_owners: { '0': w.guildId },
      }
    : { user: w.person.user, context: 1, authorizing_integration_owners: { '0': w.guildId ?? w.person.user.id } };
  return {
    id: snowflake(),
    application_id: w.applicationId,
    type,
    token: `aW50ZXJhY3Rpb246${randomBytes(48).toString('base64url')}`,
    version: 1,
    app_permissions: PERMISSIONS,
    locale: 'en-US',
    entitlements: [],
    attachment_size_limit: 10485760,
    channel_id: w.channelId,
    channel: { id: w.channelId, type: w.guildId ? 0 : 1, ...(w.guildId ? { guild_id: w.guildId } : {}) },
    ...who,
  };
}

/** PING: what Discord sends when the interactions URL is saved in the developer portal. */
export function pingInteraction(applicationId: string): InteractionPayload {
  return { id: snowflake(), application_id: applicationId, type: InteractionType.PING, token: randomBytes(32).toString('base64url'), version: 1, entitlements: [] };
}

/** A button click (component_type 2) or a string select (3, with `values`) on a message. */
export function componentInteraction(
  w: Where & { message: DiscordMessageJson; customId: string; componentType?: number; values?: string[] },
): InteractionPayload {
  const componentType = w.componentType ?? (w.values ? ComponentType.STRING_SELECT : ComponentType.BUTTON);
  return {
    ...envelope(w, InteractionType.MESSAGE_COMPONENT),
    message: w.message,
    data: { custom_id: w.customId, component_type: componentType, ...(w.values ? { values: w.values } : {}) },
  };
}

/**
 * A modal submission: every text input of the modal with the value typed (in action rows, or in
 * labels for modals built with them), and the message when the modal was opened from one of its buttons.
 */
export function modalSubmitInteraction(
  w: Where & { customId: string; inputs: { customId: string; inLabel: boolean }[]; values: ModalValues; message?: DiscordMessageJson },
): InteractionPayload {
  // Discord numbers every component of the modal in order (the row or label, then its input).
  const components = w.inputs.map((input, i) => {
    const textInput = { type: ComponentType.TEXT_INPUT, id: i * 2 + 2, custom_id: input.customId, value: w.values[input.customId] ?? '' };
    return input.inLabel
      ? { type: ComponentType.LABEL, id: i * 2 + 1, component: textInput }
      : { type: ComponentType.ACTION_ROW, id: i * 2 + 1, components: [textInput] };
  });
  return {
    ...envelope(w, InteractionType.MODAL_SUBMIT),
    ...(w.message ? { message: w.message } : {}),
    data: { custom_id: w.customId, components },
  };
}

/** The application's Ed25519 key pair: the public key as the developer portal shows it (64 hex digits). */
export class DiscordSigner {
  readonly publicKeyHex: string;
  private readonly privateKey: KeyObject;

  constructor() {
    const { publicKey, privateKey } = generateKeyPairSync('ed25519');
    // The SPKI DER of an Ed25519 key ends with the raw 32-byte key.
    this.publicKeyHex = publicKey.export({ format: 'der', type: 'spki' }).subarray(-32).toString('hex');
    this.privateKey = privateKey;
  }

  /** X-Signature-Ed25519: the signature of timestamp + body, as hex. */
  sign(timestamp: string, body: string): string {
    return sign(null, Buffer.from(timestamp + body, 'utf8'), this.privateKey).toString('hex');
  }
}

export interface InteractionResponse {
  status: number;
  text: string;
  /** The body as JSON, when it was JSON. */
  json?: Record<string, unknown>;
  headers: Headers;
}

export interface PostOptions {
  signer: DiscordSigner;
  /** Unix seconds (default now); an old one is a replay. */
  timestamp?: number;
  /** Sign this body but send `body` (a payload changed on the way). */
  signedBody?: string;
  /** Send this signature instead of the right one. */
  signature?: string;
}

/** POSTs an interaction to an endpoint (the hub's /discord/interactions) exactly as Discord does. */
export async function postInteraction(url: string, payload: Record<string, unknown> | string, o: PostOptions): Promise<InteractionResponse> {
  const body = typeof payload === 'string' ? payload : JSON.stringify(payload);
  const timestamp = String(o.timestamp ?? Math.floor(Date.now() / 1000));
  const signature = o.signature ?? o.signer.sign(timestamp, o.signedBody ?? body);
  const res = await fetch(url, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      'user-agent': 'Discord-Interactions/1.0 (+https://discord.com)',
      'x-signature-ed25519': signature,
      'x-signature-timestamp': timestamp,
    },
    body,
  });
  const text = await res.text();
  let json: Record<string, unknown> | undefined;
  if ((res.headers.get('content-type') ?? '').includes('json') && text) json = JSON.parse(text) as Record<string, unknown>;
  return { status: res.status, text, ...(json ? { json } : {}), headers: res.headers };
}
