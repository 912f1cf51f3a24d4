import type { FieldError, SwitchboardRequest } from './types.js';

/** An RFC 9457 problem+json body as the hub sends it (extra members kept). */
export interface Problem {
  type?: string;
  title?: string;
  status?: number;
  detail?: string;
  errors?: FieldError[];
  request?: SwitchboardRequest;
  [member: string]: unknown;
}

export interface ProblemContext {
  /** The request the call was about, when there was one. */
  requestId?: string;
  retryAfterMs?: number;
}

/** The hub refused a call; `status`, `title`, `detail` and `errors` come from its problem+json. */
export class SwitchboardError extends Error {
  readonly status: number;
  readonly type: string;
  readonly title: string;
  readonly detail: string;
  /** The fields at fault (422), `[]` otherwise. */
  readonly errors: FieldError[];
  readonly requestId: string | undefined;
  /** The request as it stands, when the hub sent it (409 closed, 403 not an approver, 503 draining). */
  readonly request: SwitchboardRequest | undefined;
  /** The hub's `Retry-After` (429, 503), in milliseconds. */
  readonly retryAfterMs: number | undefined;
  /** The whole problem body, for members this class does not name (e.g. `missing_scope`). */
  readonly problem: Problem;

  constructor(status: number, problem: Problem, context: ProblemContext = {}) {
    const title = problem.title ?? `HTTP ${status}`;
    const detail = problem.detail ?? title;
    super(`${status} ${title}: ${detail}${describeErrors(problem.errors)}`);
    this.name = new.target.name;
    this.status = status;
    this.type = problem.type ?? 'about:blank';
    this.title = title;
    this.detail = detail;
    this.errors = Array.isArray(problem.errors) ? problem.errors : [];
    this.requestId = context.requestId ?? problem.request?.id;
    this.request = problem.request;
    this.retryAfterMs = context.retryAfterMs;
    this.problem = problem;
  }
}

function describeErrors(errors: FieldError[] | undefined): string {
  if (!Array.isArray(errors) || errors.length === 0) return '';
  return ` (${errors.map((e) => (e.path ? `${e.path}: ${e.message}` : e.message)).join('; ')})`;
}

export class BadRequestError extends SwitchboardError {}
export class UnauthorizedError extends SwitchboardError {}
export class ForbiddenError extends SwitchboardError {}
export class NotFoundError extends SwitchboardError {}
export class ConflictError extends SwitchboardError {}
/** A 409 that carries the request: it was already resolved, expired or cancelled. */
export class ClosedError extends ConflictError {
  declare readonly request: SwitchboardRequest;
}
export class PayloadTooLargeError extends SwitchboardError {}
export class ValidationError extends SwitchboardError {}
export class RateLimitedError extends SwitchboardError {}
export class ServiceUnavailableError extends SwitchboardError {}

const BY_STATUS: Record<number, typeof SwitchboardError> = {
  400: BadRequestError,
  401: UnauthorizedError,
  403: ForbiddenError,
  404: NotFoundError,
  409: ConflictError,
  413: PayloadTooLargeError,
  422: ValidationError,
  429: RateLimitedError,
  503: ServiceUnavailableError,
};

/** The typed error for a refused call. */
export function problemError(status: number, problem: Problem, context: ProblemContext = {}): SwitchboardError {
  if (status === 409 && problem.request) return new ClosedError(status, problem, context);
  const ErrorClass = BY_STATUS[status] ?? SwitchboardError;
  return new ErrorClass(status, problem, context);
}

/** The hub could not be reached, or the connection broke before an answer (the cause says how). */
export class NetworkError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'NetworkError';
  }
}

/** `wait`/`ask` ran out of `timeoutMs`; the request is still open: `wait(requestId)` resumes. */
export class WaitTimeoutError extends Error {
  constructor(
    readonly requestId: string,
    readonly timeoutMs: number,
    /** The request as last seen (still pending), if it was seen. */
    readonly request?: SwitchboardRequest,
  ) {
    super(`Request ${requestId} is still pending after ${timeoutMs} ms; call wait('${requestId}') to keep waiting.`);
    this.name = 'WaitTimeoutError';
  }
}
