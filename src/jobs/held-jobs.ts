import type { Logger } from 'pino';
import { drainBudget } from '../drain-budget.js';
import type { Db } from '../store/db.js';
import { dueIn } from '../store/outbox.js';
import type { Request } from '../domain/types.js';
import type { HeldJob } from '../store/requests.js';
import { WORKER_LOCK_MS, WORKER_STALLED_CHECK_MS } from './queue.js';

export interface HeldJobsOptions {
  /** A held job's row is not due for this long, renewed every third of it while this process has the job. */
  leaseMs: number;
  /** Held jobs running at once. */
  maxRunning: number;
  /** Held jobs waiting for a free slot; beyond this they go back to the relay at once. */
  maxWaiting: number;
}

/** The lease is as long as BullMQ takes to find a dead worker's job (see worker.ts), so either way a dead process's work resumes as soon (see queue.ts). */
export const DEFAULT_HELD_JOBS: HeldJobsOptions = { leaseMs: WORKER_LOCK_MS + WORKER_STALLED_CHECK_MS, maxRunning: 64, maxWaiting: 5000 };

/** One run of a held job: done (its row is gone), or to be retried through the queue in `retryInMs`. */
export type HeldRun = (job: HeldWork) => Promise<{ retryInMs?: number }>;

/** A held job and the request as the commit that wrote it left it, so the job need not read it again. */
export interface HeldWork extends HeldJob {
  request?: Request;
}

/**
 * The jobs this process's own commits wrote due now (deliveries to post, messages to settle) run
 * here at once, without a trip through the relay and BullMQ. Their outbox rows are the backstop, as
 * the callback row is for the first webhook attempt: written due a lease from now and renewed while
 * the job waits or runs here, so the relay takes a job only once this process dies, gives it back
 * (too many waiting, a failed try to retry, shutting down), or stalls for a whole lease.
 */
export class HeldJobs {
  private readonly running = new Map<string, Promise<void>>();
  private readonly waiting: HeldWork[] = [];
  private run: HeldRun | undefined;
  private renewal: NodeJS.Timeout | undefined;
  private stopped = false;

  constructor(
    private readonly db: Db,
    private readonly relay: { poke(): void },
    private readonly log: Logger,
    private readonly opts: HeldJobsOptions = DEFAULT_HELD_JOBS,
  ) {}

  /** Jobs a commit of this process just wrote held (OutboxJob.hold_ms). */
  take(jobs: readonly HeldWork[]): void {
    const slots = this.run ? Math.max(0, this.opts.maxRunning - this.running.size) : 0;
    const room = this.stopped ? 0 : Math.max(0, slots + this.opts.maxWaiting - this.waiting.length);
    this.waiting.push(...jobs.slice(0, room));
    this.giveBack(jobs.slice(room), 0);
    this.startWaiting();
  }

  /** Starts running held jobs with `run`; until then they wait (and their leases are not renewed). */
  work(run: HeldRun): void {
    this.run = run;
    this.renewal = setInterval(() => this.renew(), this.opts.leaseMs / 3);
    this.renewal.unref();
    this.startWaiting();
  }

  get leaseMs(): number {
    return this.opts.leaseMs;
  }

  get counts(): { running: number; waiting: number } {
    return { running: this.running.size, waiting: this.waiting.length };
  }

  /**
   * Takes no more: waiting jobs go back to the relay at once, running ones get up to `maxMs`. One
   * still running after that keeps its row until its lease runs out; then another process runs it.
   */
  async stop(maxMs: number): Promise<void> {
    this.stopped = true;
    this.giveBack(this.waiting.splice(0), 0);
    await this.whenIdle(maxMs);
    clearInterval(this.renewal);
  }

  /** Resolves once nothing is running (waiting jobs only wait for running ones), or after `maxMs`. */
  async whenIdle(maxMs: number): Promise<void> {
    const budget = drainBudget(maxMs);
    while (this.running.size > 0 && (await budget.within(Promise.race(this.running.values()))));
  }

  private startWaiting(): void {
    while (this.run && this.running.size < this.opts.maxRunning && this.waiting.length > 0) this.start(this.run, this.waiting.shift()!);
  }

  private start(run: HeldRun, job: HeldWork): void {
    const done = run(job)
      .then(
        ({ retryInMs }) => {
          if (retryInMs !== undefined) this.giveBack([job], retryInMs);
        },
        (err) => {
          this.log.warn({ err, jobId: job.job_id }, 'a held job failed to run; the queue retries it');
          this.giveBack([job], 0);
        },
      )
      .finally(() => {
        this.running.delete(job.job_id);
        this.startWaiting();
      });
    this.running.set(job.job_id, done);
  }

  /** Due for the relay in `ms` (then BullMQ retries it with its backoff); if this fails, the lease runs out instead. */
  private giveBack(jobs: readonly HeldJob[], ms: number): void {
    if (jobs.length === 0) return;
    dueIn(this.db, jobs.map((j) => j.job_id), ms)
      .then(() => {
        if (ms === 0) this.relay.poke();
      })
      .catch((err) => this.log.warn({ err, jobs: jobs.length }, 'could not give held jobs back to the queue; they are due when their lease runs out'));
  }

  private renew(): void {
    const ids = [...this.running.keys(), ...this.waiting.map((j) => j.job_id)];
    dueIn(this.db, ids, this.opts.leaseMs).catch((err) => this.log.warn({ err, jobs: ids.length }, 'could not renew the leases of held jobs'));
  }
}
