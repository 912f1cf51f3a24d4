// The Telegram channel: delivers a request as an HTML message with an inline keyboard, settles every
// copy when the request closes (editMessageText, keyboard removed), and takes taps and replies back
// through the Bot API — by webhook on the hub's own server (POST /telegram/webhook) or, for hubs
// Telegram cannot reach, by long polling under a lease so exactly one hub process polls.
import type { Logger } from 'pino';
import { reminderText } from '../../src/domain/reminders.js';
import type { MessageRef, Outcome, Request } from '../../src/domain/types.js';
import { type Channel, type ChannelCheck, type ChannelContext, ChannelError, type ChannelPlugin, type DeliveryAttempt, type Hub, type Lease } from '../channel.js';
import { DuplicateGuard } from '../kit/duplicate-guard.js';
import { recentDecisions } from '../kit/recent-decisions.js';
import { TelegramApi } from './client.js';
import { botIdOf, chatTarget, refChat, refMessage } from './codec.js';
import { telegramSettings, type TelegramSettings } from './config.js';
import { TelegramApiError } from './errors.js';
import { escapeHtml } from './html.js';
import { Inbound, UPDATE_SEEN_FOR_MS } from './inbound.js';
import { poll } from './poller.js';
import { renderClosed, renderPending, type TelegramMessage } from './render.js';
import { checkBot } from './setup.js';
import { mountWebhook } from './webhook.js';

export { setWebhookCommand } from './setup.js';
export { SECRET_HEADER, TELEGRAM_WEBHOOK_PATH } from './webhook.js';

const HISTORY_LIMIT = 4;

export class TelegramChannel implements Channel {
  readonly name = 'telegram' as const;
  readonly api: TelegramApi;
  private hub?: Hub;
  private inbound?: Inbound;
  private poller?: Lease;

  constructor(
    private readonly settings: TelegramSettings,
    private readonly log: Logger,
  ) {
    this.api = new TelegramApi({ token: settings.botToken, apiRoot: settings.apiRoot, log });
  }

  get mode(): TelegramSettings['mode'] {
    return this.settings.mode;
  }

  async start(ctx: ChannelContext): Promise<void> {
    this.hub = ctx.hub;
    const inbound = new Inbound(
      { api: this.api, hub: ctx.hub, log: this.log, botId: botIdOf(this.settings.botToken), render: (r, o) => this.message(r, o) },
      new DuplicateGuard(ctx, UPDATE_SEEN_FOR_MS),
    );
    this.inbound = inbound;
    const handle = (update: Parameters<Inbound['handle']>[0]) => inbound.handle(update);
    if (this.settings.mode === 'webhook') {
      await mountWebhook(ctx.http, { secret: this.settings.webhookSecret!, log: this.log, handle });
      return;
    }
    this.poller = ctx.lease('poller');
    this.poller.run((signal) => poll({ api: this.api, log: this.log, handle }, signal));
  }

  validateRecipient(to: string | undefined): string | undefined {
    const target = chatTarget(to);
    return 'error' in target ? target.error : undefined;
  }

  async stop(): Promise<void> {
    await this.poller?.stop();
    await this.inbound?.drain();
  }

  async deliver(request: Request, to: string | undefined, recipientIndex: number, delivery?: DeliveryAttempt): Promise<MessageRef> {
    const target = chatTarget(to);
    if ('error' in target) throw new ChannelError('invalid', target.error);
    const message = await this.message(request, undefined, this.formUrl(request, recipientIndex));
    const ticket = delivery?.id;
    const sent = await this.api.send(target.chat, message, { ticket }).catch(async (err: unknown) => {
      // A group that became a supergroup: Telegram names its new id, and the request goes there.
      if (!(err instanceof TelegramApiError) || err.migrateTo === undefined) throw err;
      this.log.warn({ requestId: request.id, to, migratedTo: err.migrateTo }, 'telegram: the group is now a supergroup; delivering there');
      return this.api.send(err.migrateTo, message, { ticket });
    });
    return { chat_id: sent.chat.id, message_id: sent.message_id };
  }

  async settle(request: Request, ref: MessageRef, outcome: Outcome): Promise<void> {
    const chat = refChat(ref.chat_id);
    const messageId = refMessage(ref.message_id);
    if (chat === undefined || messageId === undefined) throw new ChannelError('invalid', 'not a Telegram message reference');
    try {
      await this.api.edit(chat, messageId, await this.message(request, outcome), { ticket: `${chat}:${messageId}` });
    } catch (err) {
      if (err instanceof TelegramApiError && err.messageGone) {
        this.log.info({ requestId: request.id }, 'telegram: message deleted in Telegram; nothing to settle');
        return;
      }
      throw err;
    }
  }

  /** A reply to the delivered message (Telegram notifies the chat); a deleted message gets a plain message instead. */
  async remind(request: Request, ref: MessageRef): Promise<void> {
    const chat = refChat(ref.chat_id);
    const messageId = refMessage(ref.message_id);
    if (chat === undefined || messageId === undefined) throw new ChannelError('invalid', 'not a Telegram message reference');
    await this.api.reply(chat, `⏰ ${escapeHtml(reminderText(request))}`, messageId);
  }

  check(): Promise<ChannelCheck> {
    return checkBot(this.api, this.settings);
  }

  /** A form's recipient gets its own link to the request's web page; Telegram takes only https links on buttons it can reach. */
  private formUrl(request: Request, recipientIndex: number): string | undefined {
    const hub = this.hub;
    if (request.type !== 'form' || !hub?.publicUrl.startsWith('https://')) return undefined;
    return `${hub.publicUrl}/r/${hub.tokens.issue(request.id, recipientIndex)}`;
  }

  /** The message for a request, with the recent decisions of its workflow. */
  private async message(request: Request, outcome?: Outcome, formUrl?: string): Promise<TelegramMessage> {
    const history = await recentDecisions(this.hub, request, HISTORY_LIMIT, this.log);
    return outcome ? renderClosed(request, outcome, { history }) : renderPending(request, { history, formUrl });
  }
}

/** The registry's entry: settings from TELEGRAM_* (config.ts), one TelegramChannel. */
export const telegram: ChannelPlugin<TelegramSettings> = {
  name: 'telegram',
  settings: telegramSettings,
  create: (settings, log) => new TelegramChannel(settings, log),
};
