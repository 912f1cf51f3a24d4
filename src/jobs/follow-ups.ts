import type { Logger } from 'pino';
import { drainBudget } from '../drain-budget.js';
import type { Request } from '../domain/types.js';
import type { CommitJobs, HubEvents } from '../hub.js';
import type { Metrics } from '../metrics.js';
import { attemptCallback } from './callback.js';
import type { CallbackContext } from './context.js';
import type { HeldWork } from './held-jobs.js';
import type { Wakeup } from './wakeups.js';

/** First webhook attempts in flight at most; more wait in line for a free one. */
const MAX_FIRST_ATTEMPTS_IN_FLIGHT = 256;
/** Beyond this many waiting, or once one has waited `firstAttemptMaxWaitMs`, the outbox backstop sends it. */
const MAX_FIRST_ATTEMPTS_WAITING = 2000;

export interface FollowUpDeps {
  /** The outbox relay: moves what a commit wrote to the outbox into the queue now rather than at the next sweep. */
  relay: { poke(): void };
  /** Runs the jobs a commit held for this process (see held-jobs.ts). */
  held: { take(jobs: readonly HeldWork[]): void };
  wakeups: { publish(w: Wakeup): Promise<void> };
  metrics: Metrics;
  callbacks: CallbackContext;
  log: Logger;
  /** Test failpoint: die right after a decision commits, before any follow-up runs. */
  crashAfterCommit?: boolean;
  /**
   * How long a first attempt may wait for a free slot: one started later could still be running
   * when its backstop row falls due, and the webhook would go twice. Default 0: no waiting.
   */
  firstAttemptMaxWaitMs?: number;
}

/** The hub's events, answered with this process's follow-up work. */
export interface FollowUps extends HubEvents {
  /** Resolves once the first webhook attempts in flight and waiting have finished, or after `maxMs`. */
  whenIdle(maxMs: number): Promise<void>;
  /** Resolves once at most `n` first webhook attempts are in flight or waiting (the batch expiry's pace), or after `maxMs`. */
  whenFewer(n: number, maxMs: number): Promise<void>;
}

/**
 * What happens after a commit, in the process that made it. All of it is a fast path: every piece of
 * work is also in the outbox (or re-read by waiters), so a follow-up that fails or never runs only
 * makes the outcome arrive later.
 */
export function createFollowUps(d: FollowUpDeps): FollowUps {
  const firstAttempts = new Set<Promise<void>>();
  const waiting: { request: Request; since: number }[] = [];
  const maxWaitMs = d.firstAttemptMaxWaitMs ?? 0;

  const wake = (requestId: string, event: string) => {
    d.wakeups.publish({ requestId, event }).catch((err) => {
      d.log.warn({ err, requestId }, 'wake-up publish failed; waiters will see the change on their next poll');
    });
  };

  // The winner sends the first webhook attempt itself; the outbox row written with the claim is its backstop.
  const start = (request: Request) => {
    const attempt: Promise<void> = attemptCallback(d.callbacks, request)
      .catch((err) => d.log.warn({ err, requestId: request.id }, 'first webhook attempt failed to run; the outbox backstop will retry'))
      .finally(() => {
        firstAttempts.delete(attempt);
        startWaiting();
      });
    firstAttempts.add(attempt);
  };
  const startWaiting = () => {
    while (waiting.length > 0 && firstAttempts.size < MAX_FIRST_ATTEMPTS_IN_FLIGHT) {
      const next = waiting.shift()!;
      if (Date.now() - next.since <= maxWaitMs) start(next.request);
    }
  };
  const sendFirstAttempt = (request: Request) => {
    if (firstAttempts.size < MAX_FIRST_ATTEMPTS_IN_FLIGHT) start(request);
    else if (maxWaitMs > 0 && waiting.length < MAX_FIRST_ATTEMPTS_WAITING) waiting.push({ request, since: Date.now() });
  };
  const busy = () => firstAttempts.size + waiting.length;
  const whenFewer = async (n: number, maxMs: number) => {
    const budget = drainBudget(maxMs);
    while (busy() > n && firstAttempts.size > 0 && (await budget.within(Promise.race(firstAttempts))));
  };

  const runJobs = (request: Request, jobs: CommitJobs) => {
    if (jobs.queued > 0) d.relay.poke();
    if (jobs.held.length > 0) d.held.take(jobs.held.map((job) => ({ ...job, request })));
  };

  return {
    created(request, jobs) {
      runJobs(request, jobs);
      wake(request.id, 'request.created');
      d.metrics.requestsCreated.inc();
    },
    reminded() {
      d.relay.poke();
    },
    voted(request) {
      wake(request.id, 'request.vote');
    },
    decided(request, jobs) {
      if (d.crashAfterCommit) process.kill(process.pid, 'SIGKILL');
      runJobs(request, jobs);
      wake(request.id, `request.${request.state}`);
      d.metrics.decided(request.state, Date.parse(request.closed_at!) - Date.parse(request.created_at));
      if (request.callback) sendFirstAttempt(request);
    },
    whenFewer,
    whenIdle: (maxMs) => whenFewer(0, maxMs),
  };
}
