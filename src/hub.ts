import { setImmediate } from 'node:timers/promises';
import type { CapabilityTokens, Hub } from '../channels/channel.js';
import type { ChannelRegistry } from '../channels/index.js';
import { HUB_ACTOR, responderActor } from './domain/actors.js';
import { auditedAnswer } from './domain/answer-text.js';
import { decide, timeoutResponse } from './domain/decide.js';
import { ConflictError, invalid, InvalidError, notFound } from './domain/errors.js';
import { closedReason, VOTE_ALREADY_COUNTED } from './domain/outcome-text.js';
import { createRequestSchema, issuesToErrors } from './domain/request-schema.js';
import { allRecipients } from './domain/reminders.js';
import type { Answer, Request, RespondResult, Response } from './domain/types.js';
import type { Db } from './store/db.js';
import { CreateBatcher, type CreateBatchOptions } from './store/create-batcher.js';
import { expireOverdue } from './store/expiry.js';
import { buildRequest } from './store/new-request.js';
import { ID_PATTERN } from './store/ids.js';
import { fireReminder } from './reminder-steps.js';
import * as store from './store/requests.js';
import type { HeldJob } from './store/requests.js';
import { castVote } from './store/votes.js';
import { checkCallbackUrl } from './webhooks.js';

/**
 * The outbox rows a commit wrote due now: `queued` for the relay (its cue), `held` for this
 * process to run itself (with HubDeps.holdJobsMs); delayed rows wait for the relay's sweep.
 */
export interface CommitJobs {
  queued: number;
  held: HeldJob[];
}

/**
 * What the hub tells its process after each change it commits, and nothing more: the follow-up work
 * (relay poke, wake-ups, the first webhook attempt, metrics) is wired to these in src/app.ts.
 * Called synchronously; a listener must not throw.
 */
export interface HubEvents {
  /** A request was stored (not on an Idempotency-Key replay); `jobs`: its deliveries to post. */
  created(request: Request, jobs: CommitJobs): void;
  /** A reminder step fired: its nudges and escalated deliveries are in the outbox. */
  reminded(request: Request): void;
  /** A vote was counted and the quorum is not reached yet. */
  voted(request: Request): void;
  /** This process's claim closed the request: resolved, expired or cancelled, as it stands after the commit; `jobs`: its settle jobs. */
  decided(request: Request, jobs: CommitJobs): void;
}

export interface HubDeps {
  db: Db;
  channels: ChannelRegistry;
  tokens: CapabilityTokens;
  publicUrl: string;
  callbackPrivate: 'allow' | 'deny';
  /** See Claim.callbackBackstopMs. */
  callbackBackstopMs: number;
  /**
   * Deliveries to post and messages to settle that a create or a claim makes due are held for this
   * process (their rows due this long after the commit; see jobs/held-jobs.ts). Unset: due now, for
   * the relay — a process that runs no jobs.
   */
  holdJobsMs?: number;
  events: HubEvents;
  /** Group commit for creates (default: DEFAULT_CREATE_BATCH; maxItems 1 turns it off). */
  createBatch?: CreateBatchOptions;
}


/** The only writer of request state: create, respond, expire, cancel. */
export class SwitchboardHub implements Hub {
  readonly tokens: CapabilityTokens;
  readonly publicUrl: string;
  private readonly inserts: CreateBatcher;

  constructor(private readonly d: HubDeps) {
    this.tokens = d.tokens;
    this.publicUrl = d.publicUrl;
    this.inserts = new CreateBatcher(d.db, d.createBatch);
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
      throw new InvalidError(issuesToErrors(parsed.error), 'The request body is not valid.');
    }
    const input = parsed.data;
    const all = allRecipients(input);
    all.recipients.forEach((r, i) => {
      const at = all.pathOf(i).join('.');
      const off = this.d.channels.offReason(r.channel);
      if (off) throw invalid(`${at}.channel`, `channel ${r.channel} is off: ${off}`);
      const wrong = this.d.channels.get(r.channel)?.validateRecipient?.(r.to);
      if (wrong) throw invalid(`${at}.to`, wrong);
    });
    if (input.callback_url) {
      const problem = await checkCallbackUrl(input.callback_url, this.d.callbackPrivate);
      if (problem) throw invalid('callback_url', problem);
    }
    const n = buildRequest(input, apiKeyId, idempotencyKey, (c) => this.d.channels.get(c)?.inline === true);
    const due = n.jobs.filter((j) => !j.delay_until);
    if (this.d.holdJobsMs !== undefined) {
      for (const j of due) j.hold_ms = this.d.holdJobsMs;
      // This process starts them at once: the insert counts that first start (see deliverJob).
      for (const d of n.deliveries) if (d.status === 'queued') d.attempts = 1;
    }
    const created = await this.inserts.insert(n);
    if (created) {
      const held = this.d.holdJobsMs === undefined ? [] : (due as HeldJob[]);
      this.d.events.created(created, { queued: due.length - held.length, held });
      return { request: created, replay: false };
    }
    const existing = await store.findByIdempotencyKey(this.d.db, apiKeyId, idempotencyKey!);
    if (!existing) throw new ConflictError('A concurrent request with this Idempotency-Key is being created.');
    if (existing.idempotency_hash !== n.row.idempotency_hash) {
      throw new ConflictError('This Idempotency-Key was already used with a different body.');
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
      await this.recordRefusal(request, decision.kind, auditedAnswer(answer), errors);
      return { status: decision.kind, request, reason: decision.reason, ...errors };
    }
    const { response } = decision;
    const won = await this.claim({
      id: request.id,
      state: 'resolved',
      response,
      recordResponse: true,
      eventType: 'request.resolved',
      eventData: { responder: response.responder, value: response.value, actor: responderActor(response.responder) },
    });
    return won ? this.afterClaim(request.id, won) : this.tooLate(request, response);
  }

  private async vote(request: Request, response: Response): Promise<RespondResult> {
    const outcome = await castVote(this.d.db, request, response, this.claimSettings());
    if (outcome === 'closed' || (outcome.decided && !outcome.claimed)) return this.tooLate(request, response);
    if (outcome.decided) return this.afterClaim(request.id, outcome.claimed);
    const current = (await this.get(request.id))!;
    if (outcome.duplicate) {
      await this.recordRefusal(request, 'repeated', response);
      return { status: 'counted', request: current, reason: VOTE_ALREADY_COUNTED };
    }
    this.d.events.voted(current);
    return { status: 'counted', request: current };
  }

  /** Expiry: the same claim, applying on_timeout's value if the request has one. */
  async expire(requestId: string): Promise<Request | undefined> {
    const request = await this.get(requestId);
    if (!request || request.state !== 'pending') return request;
    const fallback = request.on_timeout;
    const response = timeoutResponse(request);
    const claimed = await this.claim({
      id: requestId,
      state: 'expired',
      response,
      recordResponse: false,
      eventType: 'request.expired',
      eventData: { on_timeout: fallback, actor: HUB_ACTOR },
    });
    return (await this.afterClaim(requestId, claimed)).request;
  }

  /**
   * The expiry sweep: expires up to `limit` overdue requests in one statement and reports each as
   * decided (so each gets its wake-up and first webhook attempt). Returns how many it expired.
   */
  async expireOverdue(limit: number): Promise<number> {
    const expired = await expireOverdue(this.d.db.sql, limit, this.d.callbackBackstopMs);
    const queued = new Map(expired.map((e) => [e.id, e.queued]));
    for (const [i, request] of (await store.getRequests(this.d.db, [...queued.keys()])).entries()) {
      this.d.events.decided(request, { queued: queued.get(request.id) ?? 0, held: [] });
      // Each starts a webhook: yield now and then, so live answers are not queued behind a whole chunk's.
      if (i % 10 === 9) await setImmediate();
    }
    return expired.length;
  }

  /** A reminder step is due: nudges and escalations, once, while pending (see reminder-steps.ts). */
  async remind(requestId: string, step: number): Promise<void> {
    const inline = (c: Request['recipients'][number]['channel']) => this.d.channels.get(c)?.inline === true;
    const request = await fireReminder({ db: this.d.db, get: (id) => this.get(id), inline }, requestId, step);
    if (request) this.d.events.reminded(request);
  }

  /** `actor`: who cancelled, for the audit log (an API key: apiKeyActor). */
  async cancel(requestId: string, reason?: string, actor = HUB_ACTOR): Promise<RespondResult> {
    const claimed = await this.claim({
      id: requestId,
      state: 'cancelled',
      response: null,
      recordResponse: false,
      eventType: 'request.cancelled',
      eventData: { ...(reason ? { reason } : {}), actor },
    });
    if (!claimed && !(await this.get(requestId))) throw notFound(`Request ${requestId}`);
    return this.afterClaim(requestId, claimed);
  }

  private claim(c: Omit<store.Claim, 'callbackBackstopMs'>) {
    return store.claimRequest(this.d.db.sql, { ...c, ...this.claimSettings() });
  }

  private claimSettings() {
    return { callbackBackstopMs: this.d.callbackBackstopMs, holdJobsMs: this.d.holdJobsMs };
  }

  /** `claimed`: what the winning claim's statement read back, or undefined when the claim lost. */
  private async afterClaim(requestId: string, claimed: store.Claimed | undefined): Promise<RespondResult> {
    if (!claimed) return this.lost(requestId);
    this.d.events.decided(claimed.request, { queued: claimed.queuedJobs, held: claimed.heldJobs });
    return { status: 'won', request: claimed.request };
  }

  /** Another claimant was first, or the deadline passed before the expiry ran: then it runs now. */
  private async lost(requestId: string): Promise<RespondResult> {
    let request = (await this.get(requestId))!;
    if (request.state === 'pending') request = (await this.expire(requestId)) ?? request;
    return { status: 'closed', request, reason: closedReason(request) };
  }

  /** An accepted answer that lost the race to another claim (or to the deadline): in the log as refused, `closed`. */
  private async tooLate(request: Request, response: Response): Promise<RespondResult> {
    await this.recordRefusal(request, 'closed', response);
    return this.lost(request.id);
  }

  /** An answer not taken, in the audit log: who (as the actor) and what they answered; `extra` says more (the errors). */
  private async recordRefusal(request: Request, why: string, answer: Pick<Response, 'responder' | 'value'>, extra = {}): Promise<void> {
    const { responder, value } = answer;
    await store.recordEvent(this.d.db.sql, request.id, 'answer.refused', { why, responder, value, ...extra, actor: responderActor(responder) });
  }

  /** For channels: an answer refused before it reached respond() (see Hub.refuse); the actor defaults to the channel. */
  async refuse(requestId: string, why: string, data: Record<string, unknown> = {}): Promise<void> {
    if (!ID_PATTERN.test(requestId)) return;
    const actor = [data.actor, data.channel].find((a): a is string => typeof a === 'string') ?? 'unknown';
    await store.recordEventIfRequest(this.d.db.sql, requestId, 'answer.refused', { why, ...data, actor });
  }
}
