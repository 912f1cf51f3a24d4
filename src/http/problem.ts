import type { FastifyError, FastifyInstance } from 'fastify';
import { sendProblem } from '../problem-json.js';
import { DomainError, InvalidError, type DomainErrorKind } from '../domain/errors.js';

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

export { sendProblem } from '../problem-json.js';

/** The status code of each way the core refuses. */
const DOMAIN_STATUS: Record<DomainErrorKind, number> = { invalid: 422, not_found: 404, conflict: 409 };

/** Every 4xx/5xx as RFC 9457 problem+json, with the fastify error codes turned into plain words. */
export function installProblemHandlers(app: FastifyInstance): void {
  app.setNotFoundHandler((req, reply) => sendProblem(reply, 404, `No route for ${req.method} ${req.url.split('?')[0]}.`));
  app.setErrorHandler((err: FastifyError | ProblemError | DomainError, req, reply) => {
    if (err instanceof DomainError) {
      return sendProblem(reply, DOMAIN_STATUS[err.kind], err.detail, err instanceof InvalidError ? { errors: err.errors } : {});
    }
    if (err instanceof ProblemError) return sendProblem(reply, err.status, err.detail, err.extra, err.title);
    switch (err.code) {
      case 'FST_ERR_CTP_BODY_TOO_LARGE':
        return sendProblem(reply, 413, 'The body is larger than 256 KiB.');
      case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
        return sendProblem(reply, 415, 'Send the body as application/json.');
      case 'FST_ERR_CTP_EMPTY_JSON_BODY':
        return sendProblem(reply, 400, 'The body is empty; send a JSON object.', { errors: [{ path: '', message: 'required' }] });
      case 'FST_ERR_CTP_INVALID_CONTENT_LENGTH':
        return sendProblem(reply, 400, 'Content-Length does not match the body.');
    }
    if (err instanceof SyntaxError || err.code === 'FST_ERR_CTP_INVALID_JSON_BODY') {
      return sendProblem(reply, 400, `Malformed JSON: ${err.message}`, { errors: [{ path: '', message: 'malformed JSON' }] });
    }
    const status = err.statusCode && err.statusCode >= 400 && err.statusCode < 500 ? err.statusCode : 500;
    if (status === 500) {
      req.log.error({ err }, 'unhandled error');
      return sendProblem(reply, 500, 'Something went wrong on our side; the error is logged.');
    }
    return sendProblem(reply, status, err.message);
  });
}
