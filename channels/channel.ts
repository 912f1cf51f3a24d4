import type { FastifyInstance } from 'fastify';
import type {
  Answer,
  ChannelName,
  MessageRef,
  Outcome,
  Request,
  RespondResult,
} from '../src/domain/types.js';

export type { Answer, ChannelName, MessageRef, Outcome, Request, RespondResult };

/** The hub's HTTP server; channels mount their webhook routes on it (use `register` to get your own body parsers). */
export type HttpRoutes = FastifyInstance;

/** Per-recipient capability tokens for links that decide without a login (web page, email actions). */
export interface CapabilityTokens {
  /** `recipient` is the index into request.recipients, or 'web' for the request's own page. */
  issue(requestId: string, recipient: number | 'web'): string;
  verify(token: string): { requestId: string; recipient: number | 'web' } | undefined;
  /** The web form's CSRF token: proves a POST comes from a page this hub served for `capability` (a day at most). */
  formToken(capability: string): string;
  verifyFormToken(capability: string, formToken: string): boolean;
}

/** All a channel may know of the core. */
export interface Hub {
  respond(answer: Answer): Promise<RespondResult>;
  get(requestId: string): Promise<Request | undefined>;
  /** The latest closed requests of one workflow, newest first (for "recent decisions" context lines). */
  history(workflowId: string, limit: number): Promise<Request[]>;
  readonly tokens: CapabilityTokens;
  /** Absolute URL of the hub, for links in messages. */
  readonly publicUrl: string;
}

export interface Channel {
  readonly name: ChannelName;
  /**
   * True when nothing is posted or edited on a platform (the web page reads the request live):
   * the hub then records deliveries as delivered when the request is stored and settled when it
   * closes, without deliver/settle jobs. deliver() and settle() are not called.
   */
  readonly inline?: boolean;
  start(hub: Hub, http: HttpRoutes): Promise<void>;
  /**
   * Posts the request. `delivery.attempt` counts earlier starts of this delivery (0 the first time): when
   * it is above 0 an earlier try may have posted before it died, and a channel that can find its own
   * earlier post (Slack: message metadata naming the delivery id) returns that one instead of posting again.
   */
  deliver(request: Request, to: string | undefined, recipientIndex: number, delivery?: DeliveryAttempt): Promise<MessageRef>;
  settle(request: Request, ref: MessageRef, outcome: Outcome): Promise<void>;
  stop(): Promise<void>;
  /** Checked when a request is created, so a malformed `to` is a 422 instead of a failed delivery. */
  validateRecipient?(to: string | undefined): string | undefined;
  /** For /readyz and `switchboard doctor`: is the platform reachable with these credentials, and what is missing. */
  check?(): Promise<ChannelCheck>;
}

export interface DeliveryAttempt {
  id: string;
  attempt: number;
}

export interface ChannelCheck {
  ok: boolean;
  /** One line a person can act on, e.g. "bot @switchboard in team Acme; missing scopes: im:write". */
  detail: string;
}

export type ChannelErrorKind = 'rate_limited' | 'auth' | 'not_found' | 'invalid' | 'network';

/** Tells the job runner whether (and when) to retry a channel call. */
export class ChannelError extends Error {
  constructor(
    readonly kind: ChannelErrorKind,
    message: string,
    readonly retryAfterMs?: number,
  ) {
    super(message);
    this.name = 'ChannelError';
  }

  /** rate_limited and network errors are worth another try; the rest are permanent. */
  get retryable(): boolean {
    return this.kind === 'rate_limited' || this.kind === 'network';
  }
}
