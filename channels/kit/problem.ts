import { STATUS_CODES } from 'node:http';
import type { FastifyReply } from 'fastify';

/** An RFC 9457 problem+json answer from a channel's route (the hub's API answers the same way). */
export function problem(reply: FastifyReply, status: number, detail: string): FastifyReply {
  const title = STATUS_CODES[status] ?? 'Error';
  return reply.code(status).type('application/problem+json').send({ type: 'about:blank', title, status, detail });
}
