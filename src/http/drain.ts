import type { FastifyInstance } from 'fastify';
import { sendProblem } from './problem.js';

/** Seconds a client is told to wait before it retries (by then the load balancer has moved on). */
export const DRAIN_RETRY_AFTER_S = 1;

const draining = new WeakSet<FastifyInstance>();

/**
 * Draining without resets: once `beginDrain` is called every new request is refused with 503 and
 * Retry-After, and every response — of requests already in flight too — closes its connection, so
 * keep-alive clients stop reusing sockets before the server closes the idle ones.
 */
export function installDrain(app: FastifyInstance): void {
  app.addHook('onRequest', async (_req, reply) => {
    if (!draining.has(app)) return;
    reply.header('retry-after', String(DRAIN_RETRY_AFTER_S));
    return sendProblem(reply, 503, 'This Switchboard process is shutting down; retry, and another process (or this one, restarted) will answer.');
  });
  app.addHook('onSend', async (_req, reply) => {
    if (draining.has(app)) reply.header('connection', 'close');
  });
}

export function beginDrain(app: FastifyInstance): void {
  draining.add(app);
}
