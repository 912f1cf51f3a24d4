// Discord REST failures as ChannelErrors, so the job runner knows whether to retry. @discordjs/rest
// throws a DiscordAPIError for Discord's JSON errors ({ code, message, errors }), an HTTPError for
// other statuses and a RateLimitError when a 429 would be waited out longer than the channel may wait.
// Messages are built from the operation and Discord's own message only: the bot token travels in the
// Authorization header and an interaction token in webhook URLs, and neither is ever put in an error.
import { DiscordAPIError, HTTPError, RateLimitError } from '@discordjs/rest';
import { RESTJSONErrorCodes } from 'discord-api-types/v10';
import { ChannelError, type ChannelErrorKind } from '../channel.js';

/** The message or channel is gone, or the bot may not see or post in it: the delivery fails with the reason. */
const GONE: ReadonlySet<number> = new Set([
  RESTJSONErrorCodes.UnknownMessage,
  RESTJSONErrorCodes.UnknownChannel,
  RESTJSONErrorCodes.UnknownUser,
  RESTJSONErrorCodes.MissingAccess,
  RESTJSONErrorCodes.MissingPermissions,
  RESTJSONErrorCodes.CannotSendMessagesToThisUser,
  RESTJSONErrorCodes.CannotSendMessagesInNonTextChannel,
]);

export class DiscordApiError extends ChannelError {
  constructor(
    kind: ChannelErrorKind,
    message: string,
    /** Discord's JSON error code (10008, 50001, …), the HTTP status when there was none, 0 when Discord was not reached. */
    readonly code: number,
    retryAfterMs?: number,
  ) {
    super(kind, message, retryAfterMs);
  }
}

export function redact(text: string, secrets: readonly string[]): string {
  return secrets.reduce((t, s) => (s ? t.split(s).join('<redacted>') : t), text);
}

/** `what` names the operation ("create message"); `secrets` are cut out of anything Discord echoes back. */
export function toChannelError(what: string, err: unknown, secrets: readonly string[] = []): DiscordApiError {
  if (err instanceof DiscordApiError) return err;
  if (err instanceof RateLimitError) {
    const retryAfterMs = Math.max(1000, Math.ceil(err.retryAfter || err.timeToReset || 1000));
    return new DiscordApiError('rate_limited', `Discord ${what}: rate limited${err.global ? ' (global)' : ''} (retry after ${retryAfterMs / 1000} s)`, 429, retryAfterMs);
  }
  if (err instanceof DiscordAPIError) {
    const code = typeof err.code === 'number' ? err.code : err.status;
    const message = redact(`Discord ${what}: ${err.status} ${code} ${err.message}`, secrets);
    if (err.status === 401) return new DiscordApiError('auth', `${message} — check DISCORD_BOT_TOKEN`, code);
    if (err.status === 429) return new DiscordApiError('rate_limited', message, code, 1000);
    if (err.status >= 500) return new DiscordApiError('network', message, code);
    const kind: ChannelErrorKind = GONE.has(code) || err.status === 403 || err.status === 404 ? 'not_found' : 'invalid';
    return new DiscordApiError(kind, message, code);
  }
  if (err instanceof HTTPError) {
    const message = `Discord ${what}: HTTP ${err.status}`;
    if (err.status === 401) return new DiscordApiError('auth', `${message} — check DISCORD_BOT_TOKEN`, err.status);
    if (err.status === 429) return new DiscordApiError('rate_limited', message, err.status, 1000);
    return new DiscordApiError(err.status >= 500 ? 'network' : 'invalid', message, err.status);
  }
  // A timeout or a failed connection: the underlying message names the URL at most, never a header.
  const reason = err instanceof Error ? redact(err.name === 'AbortError' ? 'timed out' : err.message, secrets) : 'failed';
  return new DiscordApiError('network', `Discord ${what}: ${reason}`, 0);
}
