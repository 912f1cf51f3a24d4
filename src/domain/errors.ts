// What the core refuses, in its own words. The HTTP layer (src/http/problem.ts) gives each kind its
// status code; the core never knows about status codes.

export interface FieldError {
  path: string;
  message: string;
}

export type DomainErrorKind = 'invalid' | 'not_found' | 'conflict';

export abstract class DomainError extends Error {
  abstract readonly kind: DomainErrorKind;

  constructor(readonly detail: string) {
    super(detail);
    this.name = new.target.name;
  }
}

/** The input breaks a rule; `errors` names each field at fault. */
export class InvalidError extends DomainError {
  readonly kind = 'invalid';

  constructor(
    readonly errors: FieldError[],
    detail = 'The request is not valid.',
  ) {
    super(detail);
  }
}

/** The thing asked for does not exist. */
export class NotFoundError extends DomainError {
  readonly kind = 'not_found';
}

/** The input is fine but clashes with what is stored (e.g. an Idempotency-Key used for another body). */
export class ConflictError extends DomainError {
  readonly kind = 'conflict';
}

export const invalid = (path: string, message: string) => new InvalidError([{ path, message }]);

export const notFound = (what: string) => new NotFoundError(`${what} does not exist.`);
