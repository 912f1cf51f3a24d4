// An in-memory Hub for channel tests: it decides with the real hub's pure decide() (approvers, options,
// fields, quorum, closed requests), so a channel meets the core's own rules without Postgres or Redis,
// and it issues real capability tokens (src/tokens.ts) for links that decide.
import type { CapabilityTokens, Hub } from '../../channels/channel.js';
import { decide, timeoutResponse } from '../../src/domain/decide.js';
import {
  outcomeOf,
  type Answer,
  type ChannelName,
  type MessageRef,
  type Outcome,
  type Request,
  type RespondResult,
  type Responder,
  type Response,
} from '../../src/domain/types.js';
import { VOTE_ALREADY_COUNTED } from '../../src/domain/outcome-text.js';
import { createTokens } from '../../src/tokens.js';

export const MEMORY_HUB_SECRET = 'memory-hub-token-secret-0123456789abcdef';

// The same responder the real hub records for an expiry's on_timeout value (src/hub.ts).

export interface MemoryHubOptions {
  /** What channels put in links; the web channel also checks form posts' Origin against it. */
  publicUrl?: string;
  /** Signs capability tokens. */
  secret?: string;
}

/** A closed request and its Outcome, as the settle job hands them to a channel. */
export interface Closed {
  request: Request;
  outcome: Outcome;
}

const copy = <T>(v: T): T => structuredClone(v);

export class MemoryHub implements Hub {
  readonly requests = new Map<string, Request>();
  /** Every answer a channel passed to respond(), accepted or not, in order. */
  readonly answers: Answer[] = [];
  readonly publicUrl: string;
  readonly tokens: CapabilityTokens;
  /** Delay every respond() by this much (ack-timing tests). */
  respondDelayMs = 0;

  constructor(o: MemoryHubOptions = {}) {
    this.publicUrl = o.publicUrl ?? 'http://127.0.0.1:1';
    this.tokens = createTokens(o.secret ?? MEMORY_HUB_SECRET);
  }

  add(request: Request): Request {
    this.requests.set(request.id, copy(request));
    return request;
  }

  /** Records where a delivery landed, as the deliver job does. */
  delivered(requestId: string, to: string | undefined, ref: MessageRef, channel: ChannelName = 'slack'): void {
    const r = this.must(requestId);
    r.deliveries.push({ id: `dlv_${r.deliveries.length}`, channel, to: to ?? null, status: 'delivered', error: null, ref });
  }

  /** The answers a channel passed on for one request. */
  answersTo(requestId: string): Answer[] {
    return this.answers.filter((a) => a.requestId === requestId);
  }

  /** What channels refused before respond() (Hub.refuse), in order. */
  readonly refusals: { requestId: string; why: string; data: Record<string, unknown> }[] = [];

  refuse(requestId: string, why: string, data: Record<string, unknown> = {}): Promise<void> {
    if (this.requests.has(requestId)) this.refusals.push({ requestId, why, data });
    return Promise.resolve();
  }

  get(requestId: string): Promise<Request | undefined> {
    const r = this.requests.get(requestId);
    return Promise.resolve(r && copy(r));
  }

  history(workflowId: string, limit: number): Promise<Request[]> {
    return Promise.resolve(
      [...this.requests.values()]
        .filter((r) => r.workflow_id === workflowId && r.state !== 'pending')
        .sort((a, b) => (b.closed_at ?? '').localeCompare(a.closed_at ?? ''))
        .slice(0, limit)
        .map(copy),
    );
  }

  async respond(answer: Answer): Promise<RespondResult> {
    if (this.respondDelayMs) await new Promise((res) => setTimeout(res, this.respondDelayMs));
    this.answers.push(copy(answer));
    const r = this.must(answer.requestId);
    // The deadline is the hub's: an answer after it finds the request expired (and runs the expiry).
    if (r.state === 'pending' && r.expires_at && Date.parse(r.expires_at) <= Date.now()) this.expire(r.id);
    const decision = decide(r, answer);
    switch (decision.kind) {
      case 'claim':
        return { status: 'won', request: this.close(r.id, 'resolved', decision.response) };
      case 'vote':
        return this.vote(r, decision.response);
      case 'invalid':
        return { status: 'invalid', request: copy(r), reason: decision.reason, errors: decision.errors };
      default:
        return { status: decision.kind, request: copy(r), reason: decision.reason };
    }
  }

  /** Closes a request without any checks (a decision made elsewhere) and returns it. */
  close(requestId: string, state: 'resolved' | 'expired' | 'cancelled', response: Response | null, at = new Date()): Request {
    const r = this.must(requestId);
    r.state = state;
    r.response = response;
    r.closed_at = at.toISOString();
    return copy(r);
  }

  /** Resolved by someone answering elsewhere (another channel, the API). */
  resolve(requestId: string, by: { responder: Responder; value: string | null; comment?: string }): Closed {
    const response: Response = { value: by.value, comment: by.comment ?? null, fields: {}, responder: by.responder, responded_at: new Date().toISOString() };
    return closed(this.close(requestId, 'resolved', response));
  }

  /** Expired as the hub expires: on_timeout's value, if the request has one, becomes the response. */
  expire(requestId: string): Closed {
    const at = new Date();
    const response = timeoutResponse(this.must(requestId), at);
    return closed(this.close(requestId, 'expired', response, at));
  }

  cancel(requestId: string): Closed {
    return closed(this.close(requestId, 'cancelled', null));
  }

  /** Quorum > 1: one vote per identity; the vote that reaches the quorum resolves (src/store/votes.ts). */
  private vote(r: Request, response: Response): RespondResult {
    const same = (v: Response) => v.responder.channel === response.responder.channel && v.responder.id === response.responder.id;
    if (r.votes.some(same)) return { status: 'counted', request: copy(r), reason: VOTE_ALREADY_COUNTED };
    r.votes.push(response);
    const count = r.votes.filter((v) => v.value === response.value).length;
    if (count < r.quorum) return { status: 'counted', request: copy(r) };
    return { status: 'won', request: this.close(r.id, 'resolved', response) };
  }

  private must(requestId: string): Request {
    const r = this.requests.get(requestId);
    if (!r) throw new Error(`MemoryHub: no request ${requestId}`);
    return r;
  }
}

function closed(request: Request): Closed {
  return { request, outcome: outcomeOf(request)! };
}
