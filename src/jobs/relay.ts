import type { Queue } from 'bullmq';
import type { Logger } from 'pino';
import type { Db } from '../store/db.js';
import { lockDue, markEnqueued } from '../store/outbox.js';
import { jobOptions } from './queue.js';
import { requeueLostJobs } from './requeue-lost.js';

export interface RelayOptions {
  /** How long a row may sit in BullMQ before the sweep asks BullMQ whether its job still exists. */
  recheckAfterMs: number;
}

/**
 * Moves committed outbox rows into BullMQ once they are due (delayed work — expiry, webhook
 * retries, the webhook backstop — waits in Postgres, not in Redis). Poked right after each commit
 * and run on a timer as the sweep, so a crash between commit and enqueue only delays a job. A row
 * stays, marked enqueued, until its job finishes (see worker.ts); the sweep also queues again the
 * jobs Redis lost (see requeue-lost.ts). Enqueuing twice is harmless (fixed job ids, idempotent handlers).
 */
export class OutboxRelay {
  private running: Promise<void> | undefined;
  private again = false;
  private rechecking: Promise<void> | undefined;
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly db: Db,
    private readonly queue: Queue,
    private readonly log: Logger,
    private readonly opts: RelayOptions,
  ) {}

  start(sweepMs: number): void {
    this.timer = setInterval(() => {
      this.poke();
      this.recheck();
    }, sweepMs);
    this.timer.unref();
    this.poke();
  }

  /** Runs the relay soon; pokes during a run make it go round once more. */
  poke(): void {
    if (this.running) {
      this.again = true;
      return;
    }
    this.running = this.drain()
      .catch((err) => this.log.error({ err }, 'outbox relay failed; the sweep will retry'))
      .finally(() => {
        this.running = undefined;
        if (this.again) {
          this.again = false;
          this.poke();
        }
      });
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    await Promise.all([this.running, this.rechecking]);
  }

  private recheck(): void {
    if (this.rechecking) return;
    this.rechecking = requeueLostJobs(this.db, this.queue, this.opts.recheckAfterMs)
      .then((lost) => {
        if (lost.length > 0) this.log.warn({ jobIds: lost.map((r) => r.job_id) }, `queued ${lost.length} job(s) again that Redis no longer had`);
      })
      .catch((err) => this.log.error({ err }, 'outbox recheck failed; the next sweep will retry'))
      .finally(() => {
        this.rechecking = undefined;
      });
  }

  private async drain(): Promise<void> {
    while ((await this.moveBatch(500)) === 500);
  }

  private async moveBatch(limit: number): Promise<number> {
    return this.db.sql.begin(async (tx) => {
      const rows = await lockDue(tx, limit);
      if (rows.length === 0) return 0;
      await this.queue.addBulk(
        rows.map((r) => ({ name: r.job, data: r.payload, opts: { ...jobOptions(r.job), jobId: r.job_id } })),
      );
      await markEnqueued(tx, rows.map((r) => r.id));
      return rows.length;
    });
  }
}
