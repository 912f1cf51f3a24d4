// A Bolt receiver on the hub's own fastify server: `POST /slack/events` takes the raw body, verifies
// Slack's v0 signature with Bolt's own verifier (plus a future-timestamp check Bolt lacks), refuses
// other teams, and hands the parsed payload to Bolt. The HTTP answer goes out as soon as a listener
// acks (or by Slack's deadline); the listener's slower work (hub.respond, chat.update) continues after it.
import { parse as parseQuery } from 'node:querystring';
import { verifySlackRequest, type App, type Receiver, type ReceiverEvent } from '@slack/bolt';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Logger } from 'pino';
import type { HttpRoutes } from '../channel.js';
import { AckDeadline } from '../kit/ack.js';
import { problem } from '../kit/problem.js';
import { header, rawPost } from '../kit/raw-route.js';
import type { Identity } from './client.js';

export const SLACK_EVENTS_PATH = '/slack/events';
/** Slack's window is 5 minutes; Bolt checks the past only, we check the future as well. */
const MAX_SKEW_S = 5 * 60;
/** Slack waits 3 s for an answer; if no listener has acked by then, answer anyway. */
const ACK_DEADLINE_MS = 2500;

export interface FastifyReceiverOptions {
  signingSecret: string;
  log: Logger;
  /** The bot's own team, from auth.test (cached by the caller). */
  identity: () => Promise<Identity>;
  now?: () => number;
}

type Body = Record<string, unknown>;

/** True when the payload comes from the workspace (or Enterprise Grid org) the bot token belongs to. */
export function isOurTeam(body: Body, us: Identity): boolean {
  const obj = (v: unknown) => (v && typeof v === 'object' ? (v as Record<string, unknown>) : {});
  const str = (v: unknown) => (typeof v === 'string' && v ? v : undefined);
  const team = str(obj(body.team).id) ?? str(body.team_id) ?? str(obj(body.view).app_installed_team_id) ?? str(obj(body.user).team_id);
  const enterprise = str(obj(body.enterprise).id) ?? str(body.enterprise_id) ?? str(obj(body.team).enterprise_id);
  if (us.enterpriseId && enterprise === us.enterpriseId) return true;
  return team !== undefined && team === us.teamId;
}

export class FastifyReceiver implements Receiver {
  private app?: App;
  private readonly deadline = new AckDeadline(ACK_DEADLINE_MS);
  private readonly now: () => number;

  constructor(private readonly opts: FastifyReceiverOptions) {
    this.now = opts.now ?? Date.now;
  }

  init(app: App): void {
    this.app = app;
  }

  async start(): Promise<void> {}

  /** Waits (a little) for listeners still working after their ack. */
  async stop(): Promise<void> {
    await this.deadline.drain();
  }

  async mount(http: HttpRoutes, path = SLACK_EVENTS_PATH): Promise<void> {
    await rawPost(http, path, (req, reply, raw) => this.handle(req, reply, raw.toString('utf8')));
  }

  private verify(req: FastifyRequest, raw: string): string | undefined {
    const signature = header(req, 'x-slack-signature');
    const tsHeader = header(req, 'x-slack-request-timestamp');
    if (!signature || !tsHeader) return 'missing Slack signature headers';
    if (!/^\d{1,12}$/.test(tsHeader)) return 'bad x-slack-request-timestamp';
    const ts = Number(tsHeader);
    const nowMs = this.now();
    if (ts > Math.floor(nowMs / 1000) + MAX_SKEW_S) return 'x-slack-request-timestamp is in the future';
    try {
      verifySlackRequest({
        signingSecret: this.opts.signingSecret,
        body: raw,
        headers: { 'x-slack-signature': signature, 'x-slack-request-timestamp': ts },
        nowMilliseconds: nowMs,
      });
      return undefined;
    } catch (err) {
      return (err as Error).message.replace(/^Failed to verify authenticity: /, '');
    }
  }

  private parse(req: FastifyRequest, raw: string): Body | string {
    const type = (header(req, 'content-type') ?? '').split(';')[0]!.trim().toLowerCase();
    try {
      if (type === 'application/x-www-form-urlencoded') {
        const form = parseQuery(raw);
        if (typeof form.payload !== 'string') return 'expected a form field "payload"';
        const body: unknown = JSON.parse(form.payload);
        return body && typeof body === 'object' && !Array.isArray(body) ? (body as Body) : 'payload is not a JSON object';
      }
      if (type === 'application/json') {
        const body: unknown = JSON.parse(raw);
        return body && typeof body === 'object' && !Array.isArray(body) ? (body as Body) : 'body is not a JSON object';
      }
      return `unsupported content type ${JSON.stringify(type)}`;
    } catch {
      return 'payload is not valid JSON';
    }
  }

  private async handle(req: FastifyRequest, reply: FastifyReply, raw: string): Promise<unknown> {
    // Slack's SSL check is unsigned by design; answer it and read nothing else from it.
    if (/^ssl_check=1(&|$)/.test(raw) && !raw.includes('payload=')) return reply.code(200).send();
    const bad = this.verify(req, raw);
    if (bad) {
      this.opts.log.warn({ reason: bad }, 'slack: rejected an unsigned or badly signed request');
      return problem(reply, 401, `Slack request verification failed: ${bad}`);
    }
    const body = this.parse(req, raw);
    if (typeof body === 'string') return problem(reply, 400, body);
    if (body.type === 'url_verification') return reply.code(200).send({ challenge: typeof body.challenge === 'string' ? body.challenge : '' });

    let us: Identity;
    try {
      us = await this.opts.identity();
    } catch (err) {
      this.opts.log.error({ err: (err as Error).message }, 'slack: cannot identify the bot (auth.test)');
      return problem(reply, 503, 'Slack is not reachable to check this request');
    }
    if (!isOurTeam(body, us)) {
      this.opts.log.warn({ type: body.type }, 'slack: refused a payload from another team');
      return problem(reply, 403, 'this Switchboard does not serve that Slack workspace');
    }
    return this.dispatch(body, req, reply);
  }

  private async dispatch(body: Body, req: FastifyRequest, reply: FastifyReply): Promise<unknown> {
    const app = this.app;
    if (!app) return problem(reply, 503, 'Slack channel not started');
    const retry = header(req, 'x-slack-retry-num');
    const outcome = await this.deadline.run<unknown>((ack) =>
      app.processEvent({
        body,
        retryNum: retry !== undefined && /^\d+$/.test(retry) ? Number(retry) : undefined,
        retryReason: header(req, 'x-slack-retry-reason'),
        ack: (response?: unknown) => {
          ack(response);
          return Promise.resolve();
        },
      } satisfies ReceiverEvent),
    );
    if (outcome.kind === 'failed') {
      this.opts.log.error({ err: (outcome.err as Error).message }, 'slack: processing failed before ack');
      return problem(reply, 500, 'the Slack payload could not be processed');
    }
    const response = outcome.kind === 'acked' ? outcome.response : undefined;
    if (response === undefined || response === '') return reply.code(200).send();
    return typeof response === 'string' ? reply.code(200).type('text/plain').send(response) : reply.code(200).send(response);
  }
}
