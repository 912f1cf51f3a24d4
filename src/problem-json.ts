import type { FastifyReply } from 'fastify';

// RFC 9457 problem+json, the one shape of every error Switchboard answers: the API's (src/http/) and
// the channels' own routes (channels/kit/problem.ts) alike.

const TITLES: Record<number, string> = {
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
  405: 'Method Not Allowed',
  409: 'Conflict',
  413: 'Content Too Large',
  415: 'Unsupported Media Type',
  422: 'Unprocessable Content',
  429: 'Too Many Requests',
  500: 'Internal Server Error',
  503: 'Service Unavailable',
};

export function sendProblem(reply: FastifyReply, status: number, detail: string, extra: Record<string, unknown> = {}, title?: string) {
  return reply
    .code(status)
    .type('application/problem+json')
    .send({ type: 'about:blank', title: title ?? TITLES[status] ?? 'Error', status, detail, ...extra });
}
