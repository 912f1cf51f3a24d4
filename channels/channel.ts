import type { FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import type { z } from 'zod';
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
  /**
   * The same capability in at most 51 lowercase letters, digits and "-", for places that limit length or
   * may fold case: an email reply address's `+<token>`, a Message-ID. verify() takes either form, in any case.
   */
  compact(requestId: string, recipient: number | 'web'): string;
  verify(token: string): { requestId: string; recipient: number | 'web' } | undefined;
  /** The web form's CSRF token: proves a POST comes from a page this hub served for `capability` (a day at most). */
  formToken(capability: string): string;
  verifyFormToken(capability: string, formToken: string): boolean;
}

/** All a channel may know of the core. */
export interface Hub {
  /**
   * `current`: the request as the channel has just read it (hub.get), which spares the hub reading it
   * again. Only a hint: the claim itself checks, in the database, that the request is still open.
   */
  respond(answer: Answer, current?: Request): Promise<RespondResult>;
  get(requestId: string): Promise<Request | undefined>;
  /** The latest closed requests of one workflow, newest first (for "recent decisions" context lines). */
  history(workflowId: string, limit: number): Promise<Request[]>;
  /**
   * Records, in the request's events, an answer the channel refused before it could reach respond()
   * (e.g. a reply token that is not this request's). Nothing is written for an unknown request.
   * `data.actor` names who sent it when the channel knows ("email:ana@example.com"); else the channel's name is.
   */
  refuse(requestId: string, why: string, data?: Record<string, unknown>): Promise<void>;
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
  /** Mounts webhook routes, opens sockets, starts pollers: everything a channel needs of the core comes in `ctx`. */
  start(ctx: ChannelContext): Promise<void>;
  /**
   * Posts the request. `delivery.attempt` counts earlier starts of this delivery (0 the first time): when
   * it is above 0 an earlier try may have posted before it died, and a channel that can find its own
   * earlier post (Slack: message metadata naming the delivery id) returns that one instead of posting again.
   */
  deliver(request: Request, to: string | undefined, recipientIndex: number, delivery?: DeliveryAttempt): Promise<MessageRef>;
  settle(request: Request, ref: MessageRef, outcome: Outcome): Promise<void>;
  /**
   * Optional. Reminder step `step` (an index into request.reminders) is due and the request is still
   * pending: nudge the delivered message `ref` on its own platform (a reply in its thread, mentioning
   * the approvers where the platform can), with src/domain/reminders.ts's reminderText. Called once per
   * delivery and step from a job; throw a ChannelError (retryable ones are retried) as deliver does.
   * Without it the channel sends no reminders; escalation recipients of the channel are still delivered.
   */
  remind?(request: Request, ref: MessageRef, step: number): Promise<void>;
  stop(): Promise<void>;
  /** Checked when a request is created, so a malformed `to` is a 422 instead of a failed delivery. */
  validateRecipient?(to: string | undefined): string | undefined;
  /** For /readyz and `switchboard doctor`: is the platform reachable with these credentials, and what is missing. */
  check?(): Promise<ChannelCheck>;
}

/** All a channel may know of the core. `config` is its own settings, as its plug-in's schema parsed them. */
export interface ChannelContext<Settings = unknown> {
  hub: Hub;
  http: HttpRoutes;
  log: Logger;
  /** A lease named within this channel: exactly one hub process at a time runs the work it guards (a poller, an IMAP IDLE loop). */
  lease(name: string): Lease;
  /**
   * True the first time `key` is seen, within `ttlMs`, by any process of this deployment (Redis SET NX);
   * false for a repeat. Keys are namespaced by channel. Use channels/kit/duplicate-guard.ts rather than this directly.
   */
  once(key: string, ttlMs: number): Promise<boolean>;
  /** Small values the channel keeps across restarts and shares between processes (Postgres), e.g. the last IMAP UID handled. */
  state: ChannelState;
  config: Settings;
}

/** A channel's own durable key-value store: JSON values under short keys, namespaced by channel. */
export interface ChannelState {
  get<T = unknown>(key: string): Promise<T | undefined>;
  set(key: string, value: unknown): Promise<void>;
}

/** A singleton loop's right to run: held by one process at a time, taken over when its holder dies. */
export interface Lease {
  /** True while this process holds the lease and runs its work. */
  readonly held: boolean;
  /**
   * Keeps trying to take the lease; while it holds it, runs `work`, whose signal aborts when the lease
   * is lost (the process could not renew it in time) or stop() is called. Work should run until then;
   * if it ends earlier the lease is given back and taken again after a pause, here or elsewhere.
   */
  run(work: (signal: AbortSignal) => Promise<void>): void;
  /** Stops trying, aborts the work, waits for it to end and gives the lease back. */
  stop(): Promise<void>;
}

/**
 * A channel as the registry (channels/index.ts) knows it: its name, the zod schema that reads its own
 * section of the environment into its settings, and the factory. A schema failure turns the channel off
 * with the first issue as the reason, e.g. "SLACK_BOT_TOKEN is not set".
 */
export interface ChannelPlugin<Settings = unknown> {
  readonly name: ChannelName;
  readonly settings: z.ZodType<Settings>;
  create(settings: Settings, log: Logger): Channel;
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
