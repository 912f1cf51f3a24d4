// The Bot API as Switchboard uses it, through grammy's Api (pointed at TELEGRAM_API_ROOT when set):
// messages sent and edited are paced through one RateGate (Telegram's limits, and a 429's retry_after
// shared by every caller in the process), failures mapped to ChannelError. The token never appears in
// errors or logs.
import { Api } from 'grammy';
import type { ForceReply, Message, Update, UserFromGetMe, WebhookInfo } from 'grammy/types';
import type { Logger } from 'pino';
import { RateGate } from '../kit/rate-gate.js';
import { RecentEdits } from '../kit/recent-edits.js';
import type { ChatTarget } from './codec.js';
import { TelegramApiError, toChannelError } from './errors.js';
import { telegramLanes } from './pacing.js';
import type { TelegramMessage } from './render.js';

/** Every update type the channel handles: taps on buttons and replies. */
export const ALLOWED_UPDATES = ['message', 'callback_query'] as const;

/** getUpdates waits this long for an update before answering with none. */
export const LONG_POLL_SECONDS = 25;
const CALL_TIMEOUT_SECONDS = 15;

/**
 * How long a call may wait at the rate gate. A job gives its worker slot back beyond a second and is
 * retried when the gate opens; someone who just tapped is better served by a short wait than an error.
 */
export type Patience = 'job' | 'interactive';
const MAX_WAIT_MS: Record<Patience, number> = { job: 1000, interactive: 10_000 };

interface Paced {
  chat?: ChatTarget;
  patience?: Patience;
  /** Names a retried caller (a delivery, a message to settle) so the gate keeps its place in the queue. */
  ticket?: string;
}

export interface TelegramApiOptions {
  token: string;
  apiRoot?: string;
  log: Logger;
}

const NO_PREVIEW = { is_disabled: true } as const;

export class TelegramApi {
  private readonly api: Api;
  /** getUpdates holds its request open for LONG_POLL_SECONDS: its own client, with a timeout beyond that. */
  private readonly pollApi: Api;
  private readonly gate = new RateGate();
  private readonly edits = new RecentEdits();

  constructor(private readonly opts: TelegramApiOptions) {
    const root = opts.apiRoot ? { apiRoot: opts.apiRoot } : {};
    this.api = new Api(opts.token, { ...root, timeoutSeconds: CALL_TIMEOUT_SECONDS });
    this.pollApi = new Api(opts.token, { ...root, timeoutSeconds: LONG_POLL_SECONDS + CALL_TIMEOUT_SECONDS });
  }

  /** A call that is not a message: not paced, only mapped. */
  private async plain<T>(method: string, fn: () => Promise<T>): Promise<T> {
    try {
      return await fn();
    } catch (err) {
      throw toChannelError(method, err, this.opts.token);
    }
  }

  /** A message sent or edited: through the gate first; a 429 holds the lane for its retry_after. */
  private async paced<T>(method: string, fn: () => Promise<T>, o: Paced): Promise<T> {
    const { lanes, holdKey } = telegramLanes(o.chat);
    const ticket = o.ticket ? `${method}:${o.ticket}` : undefined;
    await this.gate.pass(lanes, { maxWaitMs: MAX_WAIT_MS[o.patience ?? 'job'], ticket, what: `Telegram ${method}` });
    try {
      return await fn();
    } catch (err) {
      const mapped = toChannelError(method, err, this.opts.token);
      if (mapped.kind === 'rate_limited' && mapped.retryAfterMs !== undefined) {
        this.gate.hold(holdKey, mapped.retryAfterMs);
        this.opts.log.warn({ method, lane: holdKey, retryAfterMs: mapped.retryAfterMs }, 'telegram: rate limited; holding calls until retry_after');
      }
      throw mapped;
    }
  }

  async send(chat: ChatTarget, message: TelegramMessage, o: Omit<Paced, 'chat'> = {}): Promise<Message.TextMessage> {
    return this.paced(
      'sendMessage',
      () =>
        this.api.sendMessage(chat, message.text, {
          parse_mode: 'HTML',
          link_preview_options: NO_PREVIEW,
          ...(message.keyboard ? { reply_markup: message.keyboard } : {}),
        }),
      { ...o, chat },
    );
  }

  /**
   * Replaces a message's text; without a keyboard in `message`, Telegram removes the one it had. An edit
   * identical to the one this process just made (a tap's in-place edit, then its settle) is not sent
   * again; one from elsewhere that finds the message already showing this ("message is not modified")
   * is done.
   */
  async edit(chat: number, messageId: number, message: TelegramMessage, o: Omit<Paced, 'chat'> = {}): Promise<void> {
    await this.edits.edit(`${chat}:${messageId}`, JSON.stringify([message.text, message.keyboard ?? null]), () =>
      this.paced(
        'editMessageText',
        () =>
          this.api.editMessageText(chat, messageId, message.text, {
            parse_mode: 'HTML',
            link_preview_options: NO_PREVIEW,
            ...(message.keyboard ? { reply_markup: message.keyboard } : {}),
          }),
        { ...o, chat },
      ).then(
        () => undefined,
        (err: unknown) => {
          if (!(err instanceof TelegramApiError && err.notModified)) throw err;
        },
      ),
    );
  }

  /** A message in answer to a person's message (or a prompt under the request they tapped). */
  async reply(chat: number, html: string, replyTo: number | undefined, markup?: ForceReply): Promise<Message.TextMessage> {
    return this.paced(
      'sendMessage',
      () =>
        this.api.sendMessage(chat, html, {
          parse_mode: 'HTML',
          link_preview_options: NO_PREVIEW,
          ...(replyTo ? { reply_parameters: { message_id: replyTo, allow_sending_without_reply: true } } : {}),
          ...(markup ? { reply_markup: markup } : {}),
        }),
      { chat, patience: 'interactive' },
    );
  }

  /** Stops the button's spinner; `text` shows as a toast, or as an alert with `alert`. */
  async answerCallback(id: string, text?: string, alert = false): Promise<void> {
    await this.plain('answerCallbackQuery', () => this.api.answerCallbackQuery(id, text ? { text, ...(alert ? { show_alert: true } : {}) } : {}));
  }

  getMe(): Promise<UserFromGetMe> {
    return this.plain('getMe', () => this.api.getMe());
  }

  getWebhookInfo(): Promise<WebhookInfo> {
    return this.plain('getWebhookInfo', () => this.api.getWebhookInfo());
  }

  setWebhook(url: string, secret: string): Promise<true> {
    return this.plain('setWebhook', () => this.api.setWebhook(url, { secret_token: secret, allowed_updates: [...ALLOWED_UPDATES] }));
  }

  deleteWebhook(): Promise<true> {
    return this.plain('deleteWebhook', () => this.api.deleteWebhook());
  }

  /** Long-polls for updates from `offset` on (which confirms every update before it). */
  getUpdates(offset: number | undefined, signal: AbortSignal): Promise<Update[]> {
    // grammy types its signal as the abort-controller polyfill's; it only listens for 'abort', which Node's has.
    const grammySignal = signal as unknown as Parameters<Api['getUpdates']>[1];
    return this.plain('getUpdates', () =>
      this.pollApi.getUpdates({ ...(offset !== undefined ? { offset } : {}), timeout: LONG_POLL_SECONDS, allowed_updates: [...ALLOWED_UPDATES] }, grammySignal),
    );
  }
}
