// An in-memory Hub for channel-level Slack tests: the same rules as the core (approvers, options,
// fields, quorum, first answer wins) through src/domain, without Postgres or Redis.
import type { FastifyInstance } from 'fastify';
import pino from 'pino';
import type { CapabilityTokens, Hub } from '../../channels/channel.js';
import { createSlackChannel, type SlackChannel } from '../../channels/slack/index.js';
import { loadConfig } from '../../src/config.js';
import { createHttpServer } from '../../src/http/server.js';
import { acceptAnswer, isApprover, isCountedVote } from '../../src/domain/answer.js';
import type { Answer, Request, RespondResult, Response } from '../../src/domain/types.js';
import { makeRequest as baseRequest } from '../helpers/fixtures.js';

/** A pending request addressed to a Slack channel (see test/helpers/fixtures.ts). */
export function makeRequest(over: Partial<Request> = {}): Request {
  return baseRequest({ recipients: [{ channel: 'slack', to: 'C0APPROVALS' }], created_at: new Date().toISOString(), ...over });
}

export class MemoryHub implements Hub {
  readonly requests = new Map<string, Request>();
  readonly answers: Answer[] = [];
  readonly publicUrl = 'http://127.0.0.1:1';
  /** Delay every respond() by this much (ack-timing tests). */
  respondDelayMs = 0;
  readonly tokens: CapabilityTokens = {
    issue: (requestId, recipient) => `${requestId}.${recipient}`,
    verify: () => undefined,
    formToken: () => '',
    verifyFormToken: () => false,
  };

  add(request: Request): Request {
    this.requests.set(request.id, structuredClone(request));
    return request;
  }

  /** Record where a delivery landed, as the deliver job does. */
  delivered(requestId: string, to: string, ref: Record<string, string>): void {
    const r = this.requests.get(requestId)!;
    r.deliveries.push({ id: `dlv_${r.deliveries.length}`, channel: 'slack', to, status: 'delivered', error: null, ref });
  }

  async get(requestId: string): Promise<Request | undefined> {
    const r = this.requests.get(requestId);
    return r && structuredClone(r);
  }

  async history(workflowId: string, limit: number): Promise<Request[]> {
    return [...this.requests.values()]
      .filter((r) => r.workflow_id === workflowId && r.state !== 'pending')
      .sort((a, b) => (b.closed_at ?? '').localeCompare(a.closed_at ?? ''))
      .slice(0, limit)
      .map((r) => structuredClone(r));
  }

  close(requestId: string, state: 'resolved' | 'expired' | 'cancelled', response: Response | null, at = new Date()): Request {
    const r = this.requests.get(requestId)!;
    r.state = state;
    r.response = response;
    r.closed_at = at.toISOString();
    return structuredClone(r);
  }

  async respond(answer: Answer): Promise<RespondResult> {
    if (this.respondDelayMs) await new Promise((res) => setTimeout(res, this.respondDelayMs));
    this.answers.push(structuredClone(answer));
    const r = this.requests.get(answer.requestId);
    if (!r) throw new Error('not found');
    if (r.state !== 'pending') return { status: 'closed', request: structuredClone(r) };
    if (!isApprover(r, answer.responder)) return { status: 'forbidden', request: structuredClone(r), reason: 'You are not an approver for this request.' };
    const accepted = acceptAnswer(r, answer);
    if (!accepted.ok) return { status: 'invalid', request: structuredClone(r), reason: accepted.reason, errors: accepted.errors };
    const { response } = accepted;
    if (isCountedVote(r, response.value)) {
      if (r.votes.some((v) => v.responder.channel === response.responder.channel && v.responder.id === response.responder.id)) {
        return { status: 'counted', request: structuredClone(r), reason: 'Your vote was already counted.' };
      }
      r.votes.push(response);
      if (r.votes.length < r.quorum) return { status: 'counted', request: structuredClone(r) };
    }
    return { status: 'won', request: this.close(r.id, 'resolved', response) };
  }
}

/** The Slack channel built from `env` (over the fake's token and URL), started on its own HTTP server. */
export async function startSlackChannel(
  fake: { token: string; url: string },
  hub: Hub,
  env: Record<string, string>,
): Promise<{ channel: SlackChannel; http: FastifyInstance; base: string; stop(): Promise<void> }> {
  const log = pino({ level: process.env.TEST_LOG_LEVEL ?? 'silent' });
  const made = createSlackChannel(loadConfig({ SLACK_BOT_TOKEN: fake.token, SLACK_API_URL: fake.url, ...env }), log);
  if (!made.channel) throw new Error(`Slack channel off: ${made.disabledReason}`);
  const channel = made.channel as SlackChannel;
  const http = createHttpServer(log);
  await channel.start(hub, http);
  const base = await http.listen({ port: 0, host: '127.0.0.1' });
  return {
    channel,
    http,
    base,
    async stop() {
      await channel.stop();
      await http.close();
    },
  };
}
