// The Discord channel: delivers a request as an embed with buttons (or a select menu, or an Answer button
// that opens a modal) to a channel or, for `user:<id>`, to a DM channel opened first; settles every copy
// when the request closes (PATCH the message: the outcome, no components); takes clicks and modal
// submissions back at POST /discord/interactions, verified with the application's Ed25519 public key.
// No gateway connection: Discord's REST API and its interactions webhook are all it needs.
import { createHash } from 'node:crypto';
import type { Logger } from 'pino';
import { reminderText } from '../../src/domain/reminders.js';
import type { MessageRef, Outcome, Request } from '../../src/domain/types.js';
import { type Channel, type ChannelCheck, type ChannelContext, ChannelError, type ChannelPlugin, type DeliveryAttempt, type Hub } from '../channel.js';
import { DuplicateGuard } from '../kit/duplicate-guard.js';
import { recentDecisions } from '../kit/recent-decisions.js';
import { DiscordApi } from './client.js';
import { discordTarget, isSnowflake } from './codec.js';
import { discordSettings, type DiscordSettings } from './config.js';
import { INTERACTION_SEEN_FOR_MS, Interactions } from './interactions.js';
import { type DiscordMessage, renderClosed, renderPending } from './render.js';
import { checkBot } from './setup.js';

export { registerCommand } from './setup.js';
export { DISCORD_INTERACTIONS_PATH } from './interactions.js';

const HISTORY_LIMIT = 4;

export class DiscordChannel implements Channel {
  readonly name = 'discord' as const;
  readonly api: DiscordApi;
  private hub?: Hub;
  private interactions?: Interactions;

  constructor(
    private readonly settings: DiscordSettings,
    private readonly log: Logger,
  ) {
    this.api = new DiscordApi({ token: settings.botToken, applicationId: settings.applicationId, apiUrl: settings.apiUrl });
  }

  async start(ctx: ChannelContext): Promise<void> {
    this.hub = ctx.hub;
    this.interactions = new Interactions({
      publicKeyHex: this.settings.publicKey,
      api: this.api,
      log: this.log,
      duplicates: new DuplicateGuard(ctx, INTERACTION_SEEN_FOR_MS),
      respond: { hub: ctx.hub, log: this.log, render: (r, o) => this.message(r, o) },
    });
    await this.interactions.mount(ctx.http);
  }

  validateRecipient(to: string | undefined): string | undefined {
    const target = discordTarget(to);
    return 'error' in target ? target.error : undefined;
  }

  async stop(): Promise<void> {
    await this.interactions?.drain();
  }

  async deliver(request: Request, to: string | undefined, recipientIndex: number, delivery?: DeliveryAttempt): Promise<MessageRef> {
    const target = discordTarget(to);
    if ('error' in target) throw new ChannelError('invalid', target.error);
    const channelId = 'channel' in target ? target.channel : (await this.api.openDm(target.user)).id;
    const sent = await this.api.post(channelId, await this.message(request, undefined, this.formUrl(request, recipientIndex)), delivery && nonceOf(delivery.id));
    return { channel_id: sent.channel_id, message_id: sent.id };
  }

  /** Edits the copy to the outcome with no components; a deleted message or lost access fails the delivery with Discord's reason. */
  async settle(request: Request, ref: MessageRef, outcome: Outcome): Promise<void> {
    const channelId = String(ref.channel_id);
    const messageId = String(ref.message_id);
    if (!isSnowflake(channelId) || !isSnowflake(messageId)) throw new ChannelError('invalid', 'not a Discord message reference');
    await this.api.edit(channelId, messageId, await this.message(request, outcome));
  }

  /** A reply to the delivered message, mentioning the approvers who are Discord users. */
  async remind(request: Request, ref: MessageRef, step: number): Promise<void> {
    const channelId = String(ref.channel_id);
    const messageId = String(ref.message_id);
    if (!isSnowflake(channelId) || !isSnowflake(messageId)) throw new ChannelError('invalid', 'not a Discord message reference');
    const users = request.approvers.map((a) => a.slice('discord:'.length)).filter((id, i) => request.approvers[i]!.startsWith('discord:') && isSnowflake(id));
    const content = [...users.map((u) => `<@${u}>`), `⏰ ${reminderText(request)}`].join(' ');
    await this.api.reply(channelId, messageId, content, users, nonceOf(`${messageId}:reminder-${step}`));
  }

  check(): Promise<ChannelCheck> {
    return checkBot(this.api, this.settings);
  }

  /** A form's recipient gets its own link to the request's web page (the only way to answer a form too long for a modal). */
  private formUrl(request: Request, recipientIndex: number): string | undefined {
    const hub = this.hub;
    if (request.type !== 'form' || !hub || !/^https?:\/\//.test(hub.publicUrl)) return undefined;
    return `${hub.publicUrl}/r/${hub.tokens.issue(request.id, recipientIndex)}`;
  }

  /** The message for a request, with the recent decisions of its workflow. */
  private async message(request: Request, outcome?: Outcome, formUrl?: string): Promise<DiscordMessage> {
    const history = await recentDecisions(this.hub, request, HISTORY_LIMIT, this.log);
    return outcome ? renderClosed(request, outcome, { history }) : renderPending(request, { history, formUrl });
  }
}

/** A message nonce for a delivery: the same on every attempt, within Discord's 25 characters. */
export const nonceOf = (deliveryId: string) => createHash('sha256').update(deliveryId).digest('base64url').slice(0, 25);

/** The registry's entry: settings from DISCORD_* (config.ts), one DiscordChannel. */
export const discord: ChannelPlugin<DiscordSettings> = {
  name: 'discord',
  settings: discordSettings,
  create: (settings, log) => new DiscordChannel(settings, log),
};
