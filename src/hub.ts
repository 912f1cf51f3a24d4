import type { Logger } from 'pino';
import type { CapabilityTokens, Hub } from '../channels/channel.js';
import type { ChannelRegistry } from '../channels/index.js';
import { auditedAnswer } from './domain/answer-text.js';
import { decide } from './domain/decide.js';
import { closedReason } from './domain/outcome-text.js';
import { buildRequest } from './domain/build-request.js';
import { createRequestSchema, issuesToErrors } from './domain/request-schema.js';
import type { Answer, Request, RequestState, RespondResult, Response } from './domain/types.js';
import { invalid, notFound, ProblemError } from './errors.js';
import type { OutboxRelay } from './jobs/relay.js';
import type { Wakeups } from './jobs/wakeups.js';
import type { Metrics } from './http/metrics.js';
import type { Db } from './store/db.js';
import * as store from './store/requests.js';
import { castVote } from './store/votes.js';
import { checkCallbackUrl } from './webhooks.js';

export interface HubDeps {
  db: Db;
  relay: OutboxRelay;
  wakeups: Wakeups;
  channels: ChannelRegistry;
  tokens: CapabilityTokens;
  metrics: Metrics;
  log: Logger;
  publicUrl: string;
  callbackPrivate: 'allow' | 'deny';
  /** See Claim.callbackBackstopMs. */
  callbackBackstopMs: number;
  /** Called in the winning process right after a decision with a callback commits. */
  sendCallback?: (request: Request) => void;
  /** Test failpoint: die right after a decision commits, before any follow-up runs. */
  crashAfterCommit?: boolean;
}

const TIMEOUT_RESPONDER = { channel: 'api', id: 'timeout', name: 'Timeout' } as const;

/** The only writer of request state: create, respond, expire, cancel. */
export class SwitchboardHub implements Hub {
  readonly tokens: CapabilityTokens;
  readonly publicUrl: string;

  constructor(private readonly d: HubDeps) {
    this.tokens = d.tokens;
    this.publicUrl = d.publicUrl;
  }

  /** Moves freshly committed outbox rows (e.g. a requeued webhook) into the queue now. */
  pokeRelay(): void {
    this.d.relay.poke();
  }

  get(requestId: string): Promise<Request | undefined> {
    return store.getRequest(this.d.db, requestId);
  }

  history(workflowId: string, limit: number): Promise<Request[]> {
    return store.workflowHistory(this.d.db, workflowId, limit);
  }

  async create(body: unknown, apiKeyId: string, idempotencyKey?: string): Promise<{ request: Request; replay: boolean }> {
    const parsed = createRequestSchema.safeParse(body);
    if (!parsed.success) {
      throw new ProblemError(422, 'Unprocessable Content', 'The request body is not valid.', {
        errors: issuesToErrors(parsed.error),
      });
    }
    const input = parsed.data;
    input.recipients.forEach((r, i) => {
      const off = this.d.channels.offReason(r.channel);
      if (off) throw invalid(`recipients.${i}.channel`, `channel ${r.channel} is off: ${off}`);
      const wrong = this.d.channels.get(r.channel)?.validateRecipient?.(r.to);
      if (wrong) throw invalid(`recipients.${i}.to`, wrong);
    });
    if (input.callback_url) {
      const problem = await checkCallbackUrl(input.callback_url, this.d.callbackPrivate);
      if (problem) throw invalid('callback_url', problem);
    }
    const inline = new Set<string>(this.d.channels.inlineNames());
    const n = buildRequest(input, apiKeyId, idempotencyKey, (c) => inline.has(c));
    const created = await store.insertRequest(this.d.db, n);
    if (created) {
      this.d.relay.poke();
      this.d.metrics.requestsCreated.inc();
      return { request: created, replay: false };
    }
    const existing = await store.findByIdempotencyKey(this.d.db, apiKeyId, idempotencyKey!);
    if (!existing) throw new ProblemError(409, 'Conflict', 'A concurrent request with this Idempotency-Key is being created.');
    if (existing.idempotency_hash !== n.row.idempotency_hash) {
      throw new ProblemError(409, 'Conflict', 'This Idempotency-Key was already used with a different body.');
    }
    return { request: (await this.get(existing.id))!, replay: true };
  }

  /** `current`: the request as the caller has just read it, which saves reading it again. */
  async respond(answer: Answer, current?: Request): Promise<RespondResult> {
    const request = current?.id === answer.requestId ? current : await this.get(answer.requestId);
    if (!request) throw notFound(`Request ${answer.requestId}`);
    const decision = decide(request, answer);
    if (decision.kind === 'vote') return this.vote(request, decision.response);
    if (decision.kind !== 'claim') {
      // What the audit log keeps of a refused answer: cut to the limits and storable (the answer may be neither).
      const errors = decision.kind === 'invalid' ? { errors: decision.errors } : {};
      await this.refuse(request, decision.kind, { ...auditedAnswer(answer), ...errors });
      return { status: decision.kind, request, reason: decision.reason, ...errors };
    }
    const { response } = decision;
    const won = await this.claim({
      id: request.id,
      state: 'resolved',
      response,
      recordResponse: true,
      eventType: 'request.resolved',
      eventData: { responder: response.responder, value: response.value },
    });
    return this.afterClaim(request.id, won, 'resolved');
  }

  private async vote(request: Request, response: Response): Promise<RespondResult> {
    const outcome = await castVote(this.d.db, request, response, this.claimSettings());
    if (outcome === 'closed') return this.lost(request.id);
    if (outcome.decided) return this.afterClaim(request.id, outcome.claimed, 'resolved');
    await this.d.wakeups.publish({ requestId: request.id, event: 'request.vote' });
    const current = (await this.get(request.id))!;
    return outcome.duplicate
      ? { status: 'counted', request: current, reason: 'Your vote was already counted.' }
      : { status: 'counted', request: current };
  }

  /** Expiry: the same claim, applying on_timeout's value if the request has one. */
  async expire(requestId: string): Promise<Request | undefined> {
    const request = await this.get(requestId);
    if (!request || request.state !== 'pending') return request;
    const fallback = request.on_timeout;
    const response: Response | null = fallback
      ? { value: fallback.value, comment: fallback.comment ?? null, fields: {}, responder: { ...TIMEOUT_RESPONDER }, responded_at: new Date().toISOString() }
      : null;
    const claimed = await this.claim({
      id: requestId,
      state: 'expired',
      response,
      recordResponse: false,
      eventType: 'request.expired',
      eventData: { on_timeout: fallback },
    });
    return (await this.afterClaim(requestId, claimed, 'expired')).request;
  }

  async cancel(requestId: string, reason?: string): Promise<RespondResult> {
    const claimed = await this.claim({
      id: requestId,
      state: 'cancelled',
      response: null,
      recordResponse: false,
      eventType: 'request.cancelled',
      eventData: reason ? { reason } : {},
    });
    if (!claimed && !(await this.get(requestId))) throw notFound(`Request ${requestId}`);
    return this.afterClaim(requestId, claimed, 'cancelled');
  }

  private claim(c: Omit<store.Claim, 'inlineChannels' | 'callbackBackstopMs'>) {
    return store.claimRequest(this.d.db.sql, { ...c, ...this.claimSettings() });
  }

  private claimSettings() {
    return { inlineChannels: this.d.channels.inlineNames(), callbackBackstopMs: this.d.callbackBackstopMs };
  }

  private async afterClaim(
    requestId: string,
    claimed: store.Claimed | undefined,
    state: Exclude<RequestState, 'pending'>,
  ): Promise<RespondResult> {
    if (!claimed) return this.lost(requestId);
    if (this.d.crashAfterCommit) process.kill(process.pid, 'SIGKILL');
    this.d.relay.poke();
    this.d.wakeups.publish({ requestId, event: `request.${state}` }).catch((err) => {
      this.d.log.warn({ err, requestId }, 'wake-up publish failed; waiters will see the change on their next poll');
    });
    this.d.metrics.decided(state, claimed.closed_at.getTime() - claimed.created_at.getTime());
    const request = (await this.get(requestId))!;
    if (claimed.has_callback) this.d.sendCallback?.(request);
    return { status: 'won', request };
  }

  /** Another claimant was first, or the deadline passed before the expiry ran: then it runs now. */
  private async lost(requestId: string): Promise<RespondResult> {
    let request = (await this.get(requestId))!;
    if (request.state === 'pending') request = (await this.expire(requestId)) ?? request;
    return { status: 'closed', request, reason: closedReason(request) };
  }

  private async refuse(request: Request, why: string, data: Record<string, unknown>): Promise<void> {
    await store.recordEvent(this.d.db.sql, request.id, 'answer.refused', { why, ...data });
  }
}
