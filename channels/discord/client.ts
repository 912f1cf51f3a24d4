// The Discord REST calls the channel makes, through @discordjs/rest: it queues calls per route bucket,
// reads X-RateLimit-* headers, honours the global limit and a 429's retry_after. A wait it would make
// longer than MAX_INLINE_WAIT_MS is refused instead (rejectOnRateLimit), and the job is retried after it.
import { REST } from '@discordjs/rest';
import { type APIChannel, type APIMessage, type APIUser, Routes } from 'discord-api-types/v10';
import type { DiscordMessage } from './render.js';
import { toChannelError } from './errors.js';

/** A deliver or settle job waits out a rate limit this long in-process; longer, it is retried later. */
export const MAX_INLINE_WAIT_MS = 5000;
const TIMEOUT_MS = 10_000;

export interface FollowUp {
  content?: string;
  flags?: number;
  embeds?: DiscordMessage['embeds'];
  components?: DiscordMessage['components'];
  allowed_mentions?: { parse: [] };
}

export class DiscordApi {
  private readonly rest: REST;

  constructor(
    private readonly o: { token: string; applicationId: string; apiUrl?: string },
  ) {
    this.rest = new REST({
      version: '10',
      timeout: TIMEOUT_MS,
      retries: 1,
      ...(o.apiUrl ? { api: o.apiUrl } : {}),
      rejectOnRateLimit: (limit) => limit.retryAfter > MAX_INLINE_WAIT_MS,
    }).setToken(o.token);
  }

  private async call<T>(what: string, run: () => Promise<unknown>, secrets: string[] = []): Promise<T> {
    try {
      return (await run()) as T;
    } catch (err) {
      const mapped = toChannelError(what, err, [this.o.token, ...secrets]);
      // @discordjs/rest forgets the token after a 401; the next call (a doctor run, a retried job) tries it again.
      if (mapped.kind === 'auth') this.rest.setToken(this.o.token);
      throw mapped;
    }
  }

  me(): Promise<APIUser> {
    return this.call('get current user', () => this.rest.get(Routes.user('@me')));
  }

  channel(channelId: string): Promise<APIChannel> {
    return this.call('get channel', () => this.rest.get(Routes.channel(channelId)));
  }

  /** The DM channel with a user (Discord returns the existing one if there is one). */
  openDm(userId: string): Promise<APIChannel> {
    return this.call('create DM', () => this.rest.post(Routes.userChannels(), { body: { recipient_id: userId } }));
  }

  /**
   * With a `nonce` (at most 25 characters) Discord returns the message already created with it in the
   * last few minutes instead of posting again (enforce_nonce): a delivery retried after a crash posts once.
   */
  post(channelId: string, message: DiscordMessage, nonce?: string): Promise<APIMessage> {
    const body = nonce ? { ...message, nonce, enforce_nonce: true } : message;
    return this.call('create message', () => this.rest.post(Routes.channelMessages(channelId), { body }));
  }

  /** A plain reply to a message (a reminder), pinging only `users`; `nonce` as in post(). */
  reply(channelId: string, messageId: string, content: string, users: string[], nonce?: string): Promise<APIMessage> {
    const body = {
      content,
      message_reference: { message_id: messageId, fail_if_not_exists: false },
      allowed_mentions: { parse: [], users, replied_user: false },
      ...(nonce ? { nonce, enforce_nonce: true } : {}),
    };
    return this.call('create message', () => this.rest.post(Routes.channelMessages(channelId), { body }));
  }

  edit(channelId: string, messageId: string, message: DiscordMessage): Promise<APIMessage> {
    return this.call('edit message', () => this.rest.patch(Routes.channelMessage(channelId, messageId), { body: message }));
  }

  /** Edits the message a deferred interaction answered (the interaction token authorises it, not the bot token). */
  editOriginal(interactionToken: string, body: FollowUp): Promise<APIMessage> {
    const route = Routes.webhookMessage(this.o.applicationId, interactionToken, '@original');
    return this.call('edit interaction response', () => this.rest.patch(route, { body, auth: false }), [interactionToken]);
  }

  followUp(interactionToken: string, body: FollowUp): Promise<APIMessage> {
    const route = Routes.webhook(this.o.applicationId, interactionToken);
    return this.call('send follow-up', () => this.rest.post(route, { body, auth: false }), [interactionToken]);
  }
}
