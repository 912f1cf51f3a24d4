// The Slack Web API as Switchboard uses it: one WebClient (pointed at SLACK_API_URL when set), Slack
// errors mapped to ChannelError so the job runner knows whether to retry, and small caches for
// the bot's identity, DM channels and display names. The token never appears in errors or logs.
import { webApi } from '@slack/bolt';
import type { Logger } from 'pino';
import { ChannelError, type ChannelErrorKind } from '../channel.js';
import { boltLogger } from './log.js';
import type { SlackMessage } from './render.js';

/** A ChannelError that remembers Slack's own error code (`message_not_found`, `invalid_auth`, …). */
export class SlackApiError extends ChannelError {
  constructor(
    kind: ChannelErrorKind,
    message: string,
    readonly slackCode: string,
    retryAfterMs?: number,
  ) {
    super(kind, message, retryAfterMs);
  }
}

const AUTH = new Set([
  'not_authed', 'invalid_auth', 'account_inactive', 'token_revoked', 'token_expired', 'no_permission',
  'missing_scope', 'not_allowed_token_type', 'team_access_not_granted', 'ekm_access_denied', 'org_login_required',
]);
const NOT_FOUND = new Set([
  'channel_not_found', 'user_not_found', 'users_not_found', 'message_not_found', 'not_in_channel', 'is_archived',
  'user_not_in_channel', 'cannot_dm_bot', 'user_disabled',
]);
const TRANSIENT = new Set(['internal_error', 'fatal_error', 'service_unavailable', 'request_timeout', 'ratelimited', 'rate_limited']);

export function toChannelError(method: string, err: unknown): SlackApiError {
  if (err instanceof SlackApiError) return err;
  if (err instanceof webApi.WebAPIRateLimitedError) {
    return new SlackApiError('rate_limited', `Slack ${method}: rate limited, retry after ${err.retryAfter}s`, 'ratelimited', err.retryAfter * 1000);
  }
  if (err instanceof webApi.WebAPIPlatformError) {
    const code = String(err.data.error);
    const kind: ChannelErrorKind = AUTH.has(code) ? 'auth' : NOT_FOUND.has(code) ? 'not_found' : TRANSIENT.has(code) ? 'network' : 'invalid';
    const neededScope = (err.data as { needed?: unknown }).needed;
    const needed = code === 'missing_scope' && typeof neededScope === 'string' ? ` (needs ${neededScope})` : '';
    const retryAfter = kind === 'network' && code.includes('rate') ? 1000 : undefined;
    return new SlackApiError(kind, `Slack ${method}: ${code}${needed}`, code, retryAfter);
  }
  if (err instanceof webApi.WebAPIHTTPError) {
    const kind: ChannelErrorKind = err.statusCode >= 500 || err.statusCode === 408 ? 'network' : 'invalid';
    return new SlackApiError(kind, `Slack ${method}: HTTP ${err.statusCode}`, `http_${err.statusCode}`);
  }
  const message = err instanceof webApi.WebAPIRequestError ? err.original.message : err instanceof Error ? err.message : String(err);
  return new SlackApiError('network', `Slack ${method}: ${message}`, 'request_error');
}

export interface Identity {
  teamId: string;
  enterpriseId?: string;
  team: string;
  userId: string;
  botId?: string;
  user: string;
  scopes?: string[];
}

export interface SlackApiOptions {
  token: string;
  apiUrl?: string;
  log: Logger;
  /** Per-call HTTP timeout. */
  timeoutMs?: number;
}

const NAME_TTL_MS = 60 * 60 * 1000;

export class SlackApi {
  readonly web: InstanceType<typeof webApi.WebClient>;
  private identityPromise?: Promise<Identity>;
  private readonly dms = new Map<string, string>();
  private readonly names = new Map<string, { name: string | undefined; at: number }>();

  constructor(private readonly opts: SlackApiOptions) {
    this.web = new webApi.WebClient(opts.token, {
      slackApiUrl: opts.apiUrl ?? 'https://slack.com/api/',
      logger: boltLogger(opts.log),
      // Rate limits and retries are the job runner's business: fail fast and say how long to wait.
      rejectRateLimitedCalls: true,
      retryConfig: { retries: 0 },
      timeout: opts.timeoutMs ?? 10_000,
    });
  }

  private async call<T>(method: string, fn: () => Promise<T>): Promise<T> {
    try {
      return await fn();
    } catch (err) {
      throw toChannelError(method, err);
    }
  }

  async postMessage(channel: string, message: SlackMessage): Promise<{ channel: string; ts: string }> {
    const res = await this.call('chat.postMessage', () =>
      this.web.chat.postMessage({ channel, text: message.text, blocks: message.blocks, unfurl_links: false, unfurl_media: false }),
    );
    if (!res.channel || !res.ts) throw new SlackApiError('invalid', 'Slack chat.postMessage: no channel/ts in the response', 'bad_response');
    return { channel: res.channel, ts: res.ts };
  }

  async update(channel: string, ts: string, message: SlackMessage): Promise<void> {
    await this.call('chat.update', () => this.web.chat.update({ channel, ts, text: message.text, blocks: message.blocks }));
  }

  async postEphemeral(channel: string, user: string, text: string): Promise<void> {
    await this.call('chat.postEphemeral', () => this.web.chat.postEphemeral({ channel, user, text }));
  }

  async openView(triggerId: string, view: Parameters<InstanceType<typeof webApi.WebClient>['views']['open']>[0]['view']): Promise<void> {
    await this.call('views.open', () => this.web.views.open({ trigger_id: triggerId, view }));
  }

  /** The DM channel with a user (conversations.open, needs im:write), cached. */
  async openDm(user: string): Promise<string> {
    const cached = this.dms.get(user);
    if (cached) return cached;
    const res = await this.call('conversations.open', () => this.web.conversations.open({ users: user }));
    const id = res.channel?.id;
    if (!id) throw new SlackApiError('invalid', 'Slack conversations.open: no channel in the response', 'bad_response');
    this.dms.set(user, id);
    return id;
  }

  /** A user's display name (users.info, needs users:read), cached for an hour; undefined when Slack will not say. */
  async userName(user: string): Promise<string | undefined> {
    const cached = this.names.get(user);
    if (cached && Date.now() - cached.at < NAME_TTL_MS) return cached.name;
    try {
      const res = await this.call('users.info', () => this.web.users.info({ user }));
      const u = res.user;
      const name = u?.profile?.display_name || u?.profile?.real_name || u?.real_name || u?.name || undefined;
      this.names.set(user, { name, at: Date.now() });
      if (this.names.size > 10_000) this.names.delete(this.names.keys().next().value!);
      return name;
    } catch (err) {
      this.opts.log.warn({ user, err: (err as Error).message }, 'slack: users.info failed');
      return undefined;
    }
  }

  /** auth.test, once; a failure is not cached, so the next caller tries again. */
  identity(): Promise<Identity> {
    this.identityPromise ??= this.authTest().catch((err) => {
      this.identityPromise = undefined;
      throw err;
    });
    return this.identityPromise;
  }

  async authTest(): Promise<Identity> {
    const res = await this.call('auth.test', () => this.web.auth.test());
    if (!res.team_id || !res.user_id) throw new SlackApiError('auth', 'Slack auth.test: no team_id/user_id in the response', 'bad_response');
    const scopes = (res.response_metadata as { scopes?: string[] } | undefined)?.scopes;
    return {
      teamId: res.team_id,
      enterpriseId: res.enterprise_id || undefined,
      team: res.team ?? res.team_id,
      userId: res.user_id,
      botId: res.bot_id,
      user: res.user ?? res.user_id,
      scopes,
    };
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * For calls made while someone waits in Slack (the in-place update, an ephemeral reply): retry a
 * rate limit or a network error a few times in-process, honouring Retry-After, instead of a job.
 */
export async function retrying<T>(fn: () => Promise<T>, attempts = 3, maxWaitMs = 30_000): Promise<T> {
  for (let i = 1; ; i++) {
    try {
      return await fn();
    } catch (err) {
      const retryable = err instanceof ChannelError && err.retryable;
      const wait = err instanceof ChannelError ? (err.retryAfterMs ?? 500 * i) : 0;
      if (!retryable || i >= attempts || wait > maxWaitMs) throw err;
      await sleep(wait);
    }
  }
}
