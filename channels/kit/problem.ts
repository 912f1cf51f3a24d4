import type { FastifyReply } from 'fastify';
import { sendProblem } from '../../src/problem-json.js';

/** An RFC 9457 problem+json answer from a channel's route, the same shape as the hub's API errors. */
export function problem(reply: FastifyReply, status: number, detail: string): FastifyReply {
  return sendProblem(reply, status, detail);
}
