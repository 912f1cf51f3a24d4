// Bot API failures as ChannelErrors, so the job runner knows whether to retry. Telegram answers
// `{ ok: false, error_code, description, parameters: { retry_after, migrate_to_chat_id } }`; grammy
// throws that as a GrammyError, and a failed HTTP call as an HttpError. The bot token is part of every
// Bot API URL: messages here are built from the method and Telegram's description only, never from
// the underlying network error (whose message holds the URL), and any token is cut out regardless.
import { GrammyError, HttpError } from 'grammy';
import { ChannelError, type ChannelErrorKind } from '../channel.js';

/** A ChannelError that remembers what Telegram said. */
export class TelegramApiError extends ChannelError {
  constructor(
    kind: ChannelErrorKind,
    message: string,
    /** Telegram's error_code (429, 400, 403, …), or 0 when Telegram was not reached. */
    readonly code: number,
    /** Telegram's description, e.g. "Bad Request: message is not modified: …". */
    readonly description: string,
    retryAfterMs?: number,
    /** A group that became a supergroup lives on under this id. */
    readonly migrateTo?: number,
  ) {
    super(kind, message, retryAfterMs);
  }

  /** Editing a message to what it already shows: the edit is done. */
  get notModified(): boolean {
    return this.code === 400 && /message is not modified/i.test(this.description);
  }

  /** The message is gone (deleted in Telegram): nothing left to edit. */
  get messageGone(): boolean {
    return this.code === 400 && /message to edit not found/i.test(this.description);
  }

  /** Another getUpdates call, or a webhook, holds the bot's updates. */
  get conflict(): boolean {
    return this.code === 409;
  }
}

/** The chat cannot be reached: the bot was removed or blocked, or the chat does not exist. */
const UNREACHABLE = [
  /chat not found/i,
  /user not found/i,
  /bot was kicked/i,
  /bot was blocked/i,
  /bot is not a member/i,
  /user is deactivated/i,
  /group chat was upgraded/i,
  /have no rights to send/i,
  /not enough rights/i,
  /need administrator rights/i,
  /CHAT_WRITE_FORBIDDEN/,
  /CHANNEL_PRIVATE/,
  /PEER_ID_INVALID/,
  /message can't be edited/i,
];

export function redactToken(text: string, token: string): string {
  return token ? text.split(token).join('<token>') : text;
}

export function toChannelError(method: string, err: unknown, token = ''): TelegramApiError {
  if (err instanceof TelegramApiError) return err;
  if (err instanceof GrammyError) {
    const description = redactToken(String(err.description ?? ''), token);
    const code = err.error_code;
    const what = `Telegram ${method}: ${code} ${description}`.trim();
    if (code === 429) {
      const seconds = Number(err.parameters.retry_after);
      const retryAfterMs = Number.isFinite(seconds) && seconds > 0 ? seconds * 1000 : 1000;
      return new TelegramApiError('rate_limited', `${what} (retry after ${retryAfterMs / 1000} s)`, code, description, retryAfterMs);
    }
    // 401: the token was refused; 404: Telegram knows no bot at this URL (a mangled token).
    if (code === 401 || code === 404) return new TelegramApiError('auth', `${what} — check TELEGRAM_BOT_TOKEN`, code, description);
    if (code >= 500) return new TelegramApiError('network', what, code, description);
    const migrateTo = typeof err.parameters.migrate_to_chat_id === 'number' ? err.parameters.migrate_to_chat_id : undefined;
    const unreachable = code === 403 || UNREACHABLE.some((re) => re.test(description));
    const kind: ChannelErrorKind = unreachable ? 'not_found' : 'invalid';
    const moved = migrateTo !== undefined ? ` (the group is now ${migrateTo})` : '';
    return new TelegramApiError(kind, `${what}${moved}`, code, description, undefined, migrateTo);
  }
  if (err instanceof HttpError) {
    // err.error is the fetch error, whose message names the URL (and with it the token): only its code is kept.
    const cause = (err.error as { code?: unknown } | undefined)?.code;
    const detail = typeof cause === 'string' && /^[A-Z_]{2,40}$/.test(cause) ? ` (${cause})` : '';
    return new TelegramApiError('network', `Telegram ${method}: the Bot API could not be reached${detail}`, 0, 'network');
  }
  const message = err instanceof Error ? err.message : String(err);
  return new TelegramApiError('network', `Telegram ${method}: ${redactToken(message, token)}`, 0, 'network');
}
