// The Slack channel: delivers a request as a Block Kit message (a DM for a user id), settles every
// copy when the request closes, and takes clicks and modal submissions back through Bolt — over HTTP
// on the hub's own server (POST /slack/events) or over Socket Mode when SLACK_APP_TOKEN is set.
import { App, SocketModeReceiver } from '@slack/bolt';
import type { Logger } from 'pino';
import type { MessageRef, Outcome, Request } from '../../src/domain/types.js';
import { type Channel, type ChannelCheck, type ChannelContext, ChannelError, type ChannelPlugin, type DeliveryAttempt, type Hub } from '../channel.js';
import { DuplicateGuard } from '../kit/duplicate-guard.js';
import { configureChannel, type Configured, type Env } from '../kit/settings.js';
import { recentDecisions } from '../kit/recent-decisions.js';
import { registerListeners } from './actions.js';
import { SlackApi, SlackApiError } from './client.js';
import { isConversationId, isTs, isUserId, requestMetadata } from './codec.js';
import { slackSettings, type SlackSettings } from './config.js';
import { findEarlierPost, UnpostedStarts } from './earlier-post.js';
import { boltLogger } from './log.js';
import { FastifyReceiver } from './receiver.js';
import { reminderMrkdwn } from './reminder.js';
import { renderClosed, renderPending, type SlackMessage } from './render.js';

export { renderSlackManifest } from './manifest.js';
export { SLACK_EVENTS_PATH } from './receiver.js';

/** Bot scopes the channel cannot work without, and ones it uses when present. */
export const REQUIRED_SCOPES = ['chat:write', 'im:write', 'users:read'] as const;
export const OPTIONAL_SCOPES = ['chat:write.public', 'channels:history', 'groups:history', 'im:history'] as const;
const NO_HISTORY = 'a delivery interrupted mid-post (a crash) cannot find its earlier post there and may post a second copy';
/** What `doctor` says is lost without each optional scope. */
const WITHOUT: Record<(typeof OPTIONAL_SCOPES)[number], string> = {
  'chat:write.public': 'the bot must be invited to each channel',
  'channels:history': NO_HISTORY,
  'groups:history': NO_HISTORY,
  'im:history': NO_HISTORY,
};
const HISTORY_LIMIT = 4;
const SOCKET_CONNECT_WAIT_MS = 10_000;

export type SlackChannelOptions = SlackSettings & { log: Logger };

export class SlackChannel implements Channel {
  readonly name = 'slack' as const;
  readonly api: SlackApi;
  private hub?: Hub;
  private app?: App;
  private receiver?: FastifyReceiver;
  private readonly log: Logger;
  private readonly unposted = new UnpostedStarts();

  constructor(private readonly opts: SlackChannelOptions) {
    this.log = opts.log;
    this.api = new SlackApi({ token: opts.botToken, apiUrl: opts.apiUrl, log: this.log });
  }

  get mode(): 'http' | 'socket' {
    return this.opts.appToken ? 'socket' : 'http';
  }

  async start(ctx: ChannelContext): Promise<void> {
    const { hub, http } = ctx;
    this.hub = hub;
    const logger = boltLogger(this.log);
    // Separate objects: the Socket Mode client writes its own retry settings into the one it gets.
    const clientOptions = () => ({ slackApiUrl: this.opts.apiUrl ?? 'https://slack.com/api/' });
    const authorize = async () => {
      const id = await this.api.identity();
      return { botToken: this.opts.botToken, botId: id.botId, botUserId: id.userId, teamId: id.teamId, enterpriseId: id.enterpriseId };
    };
    const receiver = this.opts.appToken
      ? new SocketModeReceiver({ appToken: this.opts.appToken, logger, installerOptions: { clientOptions: clientOptions() } })
      : (this.receiver = new FastifyReceiver({ signingSecret: this.opts.signingSecret!, log: this.log, identity: () => this.api.identity() }));
    const app = new App({ receiver, authorize, logger, clientOptions: clientOptions(), convoStore: false });
    app.error((err) => {
      this.log.error({ err: err.message }, 'slack: listener failed');
      return Promise.resolve();
    });
    registerListeners(app, { api: this.api, hub, log: this.log, duplicates: new DuplicateGuard(ctx), render: (r, o) => this.message(r, o) });
    this.app = app;
    if (this.receiver) await this.receiver.mount(http);
    // Learn our team early (it guards every inbound payload); a failure here is retried on first use.
    this.api.identity().catch((err: Error) => this.log.warn({ err: err.message }, 'slack: auth.test failed at start'));
    if (this.opts.appToken) {
      // Wait a little for the socket, never forever: the client keeps reconnecting while Slack is away.
      const connecting = app.start().then(
        () => this.log.info('slack: Socket Mode connected'),
        (err: Error) => this.log.error({ err: err.message }, 'slack: Socket Mode connection failed'),
      );
      await Promise.race([connecting, new Promise((r) => setTimeout(r, SOCKET_CONNECT_WAIT_MS).unref())]);
    }
  }

  validateRecipient(to: string | undefined): string | undefined {
    const target = slackTarget(to);
    return 'error' in target ? target.error : undefined;
  }

  async stop(): Promise<void> {
    if (this.opts.appToken) await this.app?.stop().catch(() => undefined);
    await this.receiver?.stop();
  }

  /** The message for a request, with the recent decisions of its workflow. */
  private async message(request: Request, outcome?: Outcome): Promise<SlackMessage> {
    const history = await recentDecisions(this.hub, request, HISTORY_LIMIT, this.log);
    return outcome ? renderClosed(request, outcome, { history }) : renderPending(request, { history });
  }

  async deliver(request: Request, to: string | undefined, _recipientIndex: number, delivery?: DeliveryAttempt): Promise<MessageRef> {
    const target = slackTarget(to);
    if ('error' in target) throw new ChannelError('invalid', target.error);
    try {
      const channel = target.kind === 'user' ? await this.api.openDm(target.to) : target.to;
      if (delivery && this.unposted.mayHavePosted(delivery)) {
        const earlier = await findEarlierPost(this.api, this.log, request, channel, delivery.id);
        if (earlier) {
          this.unposted.done(delivery);
          return earlier;
        }
        this.unposted.searched(delivery);
      }
      const posted = await this.api.postMessage(channel, await this.message(request), {
        metadata: requestMetadata(request.id, delivery?.id),
        ticket: delivery?.id,
      });
      if (delivery) this.unposted.done(delivery);
      return { channel: posted.channel, ts: posted.ts };
    } catch (err) {
      if (delivery) this.unposted.failed(delivery, err);
      throw err;
    }
  }

  async settle(request: Request, ref: MessageRef, outcome: Outcome): Promise<void> {
    const { channel, ts } = messageOf(ref);
    try {
      await this.api.update(channel, ts, await this.message(request, outcome));
    } catch (err) {
      if (err instanceof SlackApiError && err.slackCode === 'message_not_found') {
        this.log.info({ requestId: request.id }, 'slack: message deleted in Slack; nothing to settle');
        return;
      }
      throw err;
    }
  }

  /** A reply in the message's thread mentioning the approvers who are Slack users. */
  async remind(request: Request, ref: MessageRef, step: number): Promise<void> {
    const { channel, ts } = messageOf(ref);
    await this.api.postThreadReply(channel, ts, reminderMrkdwn(request), `${channel}:${ts}:reminder-${step}`);
  }

  async check(): Promise<ChannelCheck> {
    try {
      const id = await this.api.authTest();
      const who = `bot @${id.user} in team ${id.team}${this.mode === 'socket' ? ' (Socket Mode)' : ''}`;
      if (!id.scopes) return { ok: true, detail: `${who}; scopes unknown (no x-oauth-scopes header)` };
      const missing = REQUIRED_SCOPES.filter((s) => !id.scopes!.includes(s));
      const lost = new Map<string, string[]>();
      for (const scope of OPTIONAL_SCOPES.filter((s) => !id.scopes!.includes(s))) lost.set(WITHOUT[scope], [...(lost.get(WITHOUT[scope]) ?? []), scope]);
      const notes = [
        missing.length ? `missing scopes: ${missing.join(', ')}` : 'scopes ok',
        ...[...lost].map(([note, scopes]) => `without ${scopes.join(', ')} ${note}`),
      ];
      return { ok: missing.length === 0, detail: `${who}; ${notes.join('; ')}` };
    } catch (err) {
      return { ok: false, detail: `${(err as Error).message} — check SLACK_BOT_TOKEN${this.opts.apiUrl ? ' and SLACK_API_URL' : ''}` };
    }
  }
}

function messageOf(ref: MessageRef): { channel: string; ts: string } {
  const channel = String(ref.channel ?? '');
  const ts = String(ref.ts ?? '');
  if (!isConversationId(channel) || !isTs(ts)) throw new ChannelError('invalid', 'not a Slack message reference');
  return { channel, ts };
}

/** What a recipient's `to` means in Slack: a user (DM), a conversation id, or a #channel-name. */
export function slackTarget(to: string | undefined): { kind: 'user' | 'conversation' | 'name'; to: string } | { error: string } {
  const t = to?.trim() ?? '';
  if (isUserId(t)) return { kind: 'user', to: t };
  if (isConversationId(t)) return { kind: 'conversation', to: t };
  if (/^#[^\s#,<>@|]{1,80}$/u.test(t)) return { kind: 'name', to: t.toLowerCase() };
  return { error: `not a Slack recipient: ${JSON.stringify(t.slice(0, 100))} (use a channel id C…, a user id U… or #channel-name)` };
}

/** The registry's entry: settings from SLACK_* (config.ts), one SlackChannel. */
export const slack: ChannelPlugin<SlackSettings> = {
  name: 'slack',
  settings: slackSettings,
  create: (settings, log) => new SlackChannel({ ...settings, log }),
};

/** The Slack channel from the environment, or why it is off. */
export function createSlackChannel(config: { env: Env }, log: Logger): Configured<SlackSettings> {
  return configureChannel(slack, config.env, log);
}
