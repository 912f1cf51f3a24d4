// The client's public types. They come from the server's own schemas and presenter (type-only
// imports, erased at build), so the client and the hub cannot drift apart.
import type { z } from 'zod';
import type { answerBodySchema, createRequestSchema } from '../domain/request-schema.js';
import type { RequestState } from '../domain/types.js';
import type { PresentedRequest } from '../http/present.js';

export type { RequestState };

/** The body of `POST /v1/requests`, as the server's schema accepts it (defaults optional). */
export type CreateRequestInput = z.input<typeof createRequestSchema>;

/** The request object of API.md, exactly as the server presents it. */
export type SwitchboardRequest = PresentedRequest;

/** The body of `POST /v1/requests/{id}/responses`. */
export type RespondInput = z.input<typeof answerBodySchema>;

export interface SwitchboardOptions {
  /** The hub's base URL, e.g. `http://localhost:8080`. */
  url: string;
  apiKey: string;
  /** Another fetch (a test double, a proxy-aware one); the global fetch by default. */
  fetch?: typeof fetch;
  /** How long one HTTP call may take before it counts as a network error; long-polls add their wait. Default 30 s. */
  requestTimeoutMs?: number;
}

export interface WaitOptions {
  signal?: AbortSignal;
  /** Give up (with a WaitTimeoutError carrying the request id) after this long; unset = wait for ever. */
  timeoutMs?: number;
}

export interface CreateOptions {
  /** Makes the create safe to repeat: the same key and body return the original request. */
  idempotencyKey?: string;
  signal?: AbortSignal;
}

export interface CallOptions {
  signal?: AbortSignal;
}

export interface ListFilter extends CallOptions {
  state?: RequestState;
  workflow_id?: string;
  /** Page size (1..100); the iterator still walks every page. */
  limit?: number;
}

/** One page of `GET /v1/requests`. */
export interface RequestPage {
  data: SwitchboardRequest[];
  next_cursor: string | null;
}

export interface CancelOptions extends CallOptions {
  reason?: string;
}

/** The JSON body of a webhook callback. */
export interface WebhookEvent {
  type: 'request.resolved' | 'request.expired' | 'request.cancelled';
  timestamp: string;
  data: SwitchboardRequest;
}

/** One field at fault in a problem+json body. */
export interface FieldError {
  path: string;
  message: string;
}
