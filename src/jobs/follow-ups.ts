import type { Logger } from 'pino';
import type { Request } from '../domain/types.js';
import type { HubEvents } from '../hub.js';
import type { Metrics } from '../metrics.js';
import { attemptCallback } from './callback.js';
import type { CallbackContext } from './context.js';
import type { Wakeup } from './wakeups.js';

/** Beyond this many first webhook attempts in flight, the outbox backstop sends the rest. */
const MAX_FIRST_ATTEMPTS_IN_FLIGHT = 256;

export interface FollowUpDeps {
  /** The outbox relay: moves what a commit wrote to the outbox into the queue now rather than at the next sweep. */
  relay: { poke(): void };
  wakeups: { publish(w: Wakeup): Promise<void> };
  metrics: Metrics;
  callbacks: CallbackContext;
  log: Logger;
  /** Test failpoint: die right after a decision commits, before any follow-up runs. */
  crashAfterCommit?: boolean;
}

/** The hub's events, answered with this process's follow-up work. */
export interface FollowUps extends HubEvents {
  /** Resolves once the first webhook attempts in flight have finished, or after `maxMs`. */
  whenIdle(maxMs: number): Promise<void>;
  /** Resolves once at most `n` first webhook attempts are in flight (the batch expiry's pace), or after `maxMs`. */
  whenFewer(n: number, maxMs: number): Promise<void>;
}

/**
 * What happens after a commit, in the process that made it. All of it is a fast path: every piece of
 * work is also in the outbox (or re-read by waiters), so a follow-up that fails or never runs only
 * makes the outcome arrive later.
 */
export function createFollowUps(d: FollowUpDeps): FollowUps {
  const firstAttempts = new Set<Promise<void>>();

  const wake = (requestId: string, event: string) => {
    d.wakeups.publish({ requestId, event }).catch((err) => {
      d.log.warn({ err, requestId }, 'wake-up publish failed; waiters will see the change on their next poll');
    });
  };

  // The winner sends the first webhook attempt itself; the outbox row written with the claim is its backstop.
  const sendFirstAttempt = (request: Request) => {
    if (firstAttempts.size >= MAX_FIRST_ATTEMPTS_IN_FLIGHT) return;
    const attempt: Promise<void> = attemptCallback(d.callbacks, request)
      .catch((err) => d.log.warn({ err, requestId: request.id }, 'first webhook attempt failed to run; the outbox backstop will retry'))
      .finally(() => firstAttempts.delete(attempt));
    firstAttempts.add(attempt);
  };

  return {
    created(request, queuedJobs) {
      if (queuedJobs > 0) d.relay.poke();
      wake(request.id, 'request.created');
      d.metrics.requestsCreated.inc();
    },
    reminded() {
      d.relay.poke();
    },
    voted(request) {
      wake(request.id, 'request.vote');
    },
    decided(request, queuedJobs) {
      if (d.crashAfterCommit) process.kill(process.pid, 'SIGKILL');
      if (queuedJobs > 0) d.relay.poke();
      wake(request.id, `request.${request.state}`);
      d.metrics.decided(request.state, Date.parse(request.closed_at!) - Date.parse(request.created_at));
      if (request.callback) sendFirstAttempt(request);
    },
    async whenFewer(n, maxMs) {
      const deadline = Date.now() + maxMs;
      while (firstAttempts.size > n && Date.now() < deadline) {
        let timer: NodeJS.Timeout | undefined;
        const timeout = new Promise<void>((resolve) => (timer = setTimeout(resolve, deadline - Date.now())));
        await Promise.race([...firstAttempts, timeout]);
        clearTimeout(timer);
      }
    },
    async whenIdle(maxMs) {
      let timer: NodeJS.Timeout | undefined;
      const timeout = new Promise<void>((resolve) => (timer = setTimeout(resolve, maxMs)));
      await Promise.race([Promise.all(firstAttempts), timeout]);
      clearTimeout(timer);
    },
  };
}
