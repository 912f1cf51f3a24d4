import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Request } from '../domain/types.js';
import type { SwitchboardHub } from '../hub.js';
import type { Wakeups } from '../jobs/wakeups.js';

const HEARTBEAT_MS = 15_000;
const RECHECK_MS = 5_000;

/** What a client can see change: the state, and with quorum the number of votes. */
const fingerprint = (r: Request) => `${r.state}/${r.votes.length}`;

/**
 * Server-Sent Events: the current request first (event `request.snapshot`), then one event per
 * change (`request.vote`, `request.resolved`, `request.expired`, `request.cancelled`), closing after
 * the final one. Woken through Redis; a re-read every few seconds covers a lost wake-up.
 */
export function streamEvents(
  req: FastifyRequest,
  reply: FastifyReply,
  initial: Request,
  d: { hub: SwitchboardHub; wakeups: Wakeups; present: (r: Request) => unknown },
): void {
  reply.hijack();
  const res = reply.raw;
  res.writeHead(200, {
    'content-type': 'text/event-stream; charset=utf-8',
    'cache-control': 'no-cache, no-transform',
    connection: 'keep-alive',
    'x-accel-buffering': 'no',
  });
  let seq = 0;
  let last = fingerprint(initial);
  const send = (event: string, r: Request) => {
    res.write(`id: ${++seq}\nevent: ${event}\ndata: ${JSON.stringify(d.present(r))}\n\n`);
  };
  send('request.snapshot', initial);
  if (initial.state !== 'pending') return void res.end();

  let busy = Promise.resolve();
  const check = () => {
    busy = busy.then(async () => {
      if (res.writableEnded) return;
      const r = await d.hub.get(initial.id);
      if (!r || fingerprint(r) === last) return;
      last = fingerprint(r);
      send(r.state === 'pending' ? 'request.vote' : `request.${r.state}`, r);
      if (r.state !== 'pending') close();
    }).catch((err) => req.log.warn({ err }, 'SSE re-read failed'));
  };
  const off = d.wakeups.on(initial.id, check);
  const recheck = setInterval(check, RECHECK_MS);
  const heartbeat = setInterval(() => res.write(': keep-alive\n\n'), HEARTBEAT_MS);
  function close() {
    d.wakeups.shutdown.removeEventListener('abort', close);
    off();
    clearInterval(recheck);
    clearInterval(heartbeat);
    if (!res.writableEnded) res.end();
  }
  req.raw.once('close', close);
  d.wakeups.shutdown.addEventListener('abort', close, { once: true });
  check(); // a change between the first read and subscribing
}
