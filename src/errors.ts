/** An error that becomes an RFC 9457 problem+json response. */
export class ProblemError extends Error {
  constructor(
    readonly status: number,
    readonly title: string,
    readonly detail: string,
    readonly extra: { errors?: { path: string; message: string }[]; [k: string]: unknown } = {},
  ) {
    super(detail);
    this.name = 'ProblemError';
  }
}

export const invalid = (path: string, message: string, detail = 'The request is not valid.') =>
  new ProblemError(422, 'Unprocessable Content', detail, { errors: [{ path, message }] });

export const notFound = (what: string) => new ProblemError(404, 'Not Found', `${what} does not exist.`);
