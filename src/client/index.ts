// switchboard/client: a typed client for the Switchboard HTTP API (fetch only: Node 20+, Bun, Deno,
// edge runtimes) and a verifier for its webhooks.
export { Switchboard } from './switchboard.js';
export { askIdempotencyKey } from './idempotency.js';
export { verifyWebhook, WebhookVerificationError, type VerifyWebhookOptions, type WebhookFailure } from './webhook.js';
export {
  BadRequestError,
  ClosedError,
  ConflictError,
  ForbiddenError,
  NetworkError,
  NotFoundError,
  PayloadTooLargeError,
  RateLimitedError,
  ServiceUnavailableError,
  SwitchboardError,
  UnauthorizedError,
  ValidationError,
  WaitTimeoutError,
  type Problem,
} from './errors.js';
export type * from './types.js';
