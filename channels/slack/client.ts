// The Slack Web API as Switchboard uses it: one WebClient (pointed at SLACK_API_URL when set), every
// call paced through one RateGate (Slack's tiers, and a 429's Retry-After shared by every caller in the
// process), Slack errors mapped to ChannelError so the job runner knows whether to retry, and small
// caches for the bot's identity, DM channels and display names. The token never appears in errors or logs.
import { webApi } from '@slack/bolt';
import type { Logger } from 'pino';
import { ChannelError, type ChannelErrorKind } from '../channel.js';
import { RateGate } from '../kit/rate-gate.js';
import { keepAliveFetch } from '../kit/keep-alive-fetch.js';
import { RecentEdits } from '../kit/recent-edits.js';
import type { RequestMetadata } from './codec.js';
import { boltLogger } from './log.js';
import { slackLanes } from './pacing.js';
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

/**
 * How long a call may wait at the rate gate. A job gives its worker slot back beyond a second and is
 * retried when the gate opens; someone who just clicked is better served by a short wait than an error.
 */
export type Patience = 'job' | 'interactive';
const MAX_WAIT_MS: Record<Patience, number> = { job: 1000, interactive: 10_000 };

interface CallOptions {
  /** The conversation the call is about (per-channel pacing of chat.postMessage). */
  conversation?: string;
  patience?: Patience;
  /** Names a retried caller (a delivery, a message to settle) so the gate keeps its place in the queue. */
  ticket?: string;
}

export interface HistoryPage {
  messages: { ts?: string; user?: string; bot_id?: string; metadata?: unknown }[];
  nextCursor?: string;
}

const NAME_TTL_MS = 60 * 60 * 1000;

export class SlackApi {
  readonly web: InstanceType<typeof webApi.WebClient>;
  private readonly gate = new RateGate();
  private identityPromise?: Promise<Identity>;
  private readonly dms = new Map<string, string>();
  private readonly names = new Map<string, { name: string | undefined; at: number }>();
  private readonly edits = new RecentEdits();

  constructor(private readonly opts: SlackApiOptions) {
    this.web = new webApi.WebClient(opts.token, {
      slackApiUrl: opts.apiUrl ?? 'https://slack.com/api/',
      logger: boltLogger(opts.log),
      // Pacing and 429s are the gate's business (shared by every caller), retries the job runner's:
      // the WebClient fails fast and says how long to wait.
      rejectRateLimitedCalls: true,
      retryConfig: { retries: 0 },
      timeout: opts.timeoutMs ?? 10_000,
      fetch: keepAliveFetch(),
    });
  }

  private async call<T>(method: string, fn: () => Promise<T>, o: CallOptions = {}): Promise<T> {
    const { lanes, holdKey } = slackLanes(method, o.conversation);
    const ticket = o.ticket ? `${method}:${o.ticket}` : undefined;
    await this.gate.pass(lanes, { maxWaitMs: MAX_WAIT_MS[o.patience ?? 'job'], ticket, what: `Slack ${method}` });
    try {
      return await fn();
    } catch (err) {
      const mapped = toChannelError(method, err);
      if (mapped.slackCode === 'ratelimited' && mapped.retryAfterMs !== undefined) {
        this.gate.hold(holdKey, mapped.retryAfterMs);
        this.opts.log.warn({ method, lane: holdKey, retryAfterMs: mapped.retryAfterMs }, 'slack: rate limited; holding calls until Retry-After');
      }
      throw mapped;
    }
  }

  async postMessage(channel: string, message: SlackMessage, o: { metadata?: RequestMetadata; ticket?: string } = {}): Promise<{ channel: string; ts: string }> {
    const res = await this.call(
      'chat.postMessage',
      () =>
        this.web.chat.postMessage({
          channel, text: message.text, blocks: message.blocks, unfurl_links: false, unfurl_media: false,
          ...(o.metadata ? { metadata: o.metadata } : {}),
        }),
      { conversation: channel, ticket: o.ticket },
    );
    if (!res.channel || !res.ts) throw new SlackApiError('invalid', 'Slack chat.postMessage: no channel/ts in the response', 'bad_response');
    return { channel: res.channel, ts: res.ts };
  }

  /** A plain-text reply in a message's thread (a reminder); `ticket` keeps its place in the pacing queue across retries. */
  async postThreadReply(channel: string, threadTs: string, text: string, ticket?: string): Promise<void> {
    await this.call(
      'chat.postMessage',
      () => this.web.chat.postMessage({ channel, thread_ts: threadTs, text, unfurl_links: false, unfurl_media: false }),
      { conversation: channel, ticket },
    );
  }

  /**
   * Edits a message in place; Slack keeps its metadata. An edit identical to the one this process just
   * made (or is making) to the message — the settle after a click's in-place update — is not sent again.
   */
  async update(channel: string, ts: string, message: SlackMessage, patience: Patience = 'job'): Promise<void> {
    const key = `${channel}:${ts}`;
    await this.edits.edit(key, JSON.stringify([message.text, message.blocks]), async () => {
      await this.call('chat.update', () => this.web.chat.update({ channel, ts, text: message.text, blocks: message.blocks }), {
        conversation: channel,
        patience,
        ticket: patience === 'job' ? key : undefined,
      });
    });
  }

  async postEphemeral(channel: string, user: string, text: string): Promise<void> {
    await this.call('chat.postEphemeral', () => this.web.chat.postEphemeral({ channel, user, text }), { conversation: channel, patience: 'interactive' });
  }

  /** One page of a conversation's history, newest first, with message metadata (needs a *:history scope). */
  async history(channel: string, o: { oldest?: string; limit: number; cursor?: string; ticket?: string }): Promise<HistoryPage> {
    const res = await this.call(
      'conversations.history',
      () =>
        this.web.conversations.history({
          channel, limit: o.limit, include_all_metadata: true,
          ...(o.oldest ? { oldest: o.oldest } : {}),
          ...(o.cursor ? { cursor: o.cursor } : {}),
        }),
      { conversation: channel, ticket: o.ticket },
    );
    const next = res.has_more ? res.response_metadata?.next_cursor : undefined;
    return { messages: res.messages ?? [], ...(next ? { nextCursor: next } : {}) };
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
      const res = await this.call('users.info', () => this.web.users.info({ user }), { patience: 'interactive' });
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
    const scopes = res.response_metadata?.scopes;
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
