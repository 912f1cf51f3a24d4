import type { Queue } from 'bullmq';
import type { Logger } from 'pino';
import type { Db } from '../store/db.js';
import { jobOptions, type JobName } from './queue.js';

interface OutboxRow {
  id: number;
  job: JobName;
  job_id: string;
  payload: Record<string, unknown>;
}

/**
 * Moves committed outbox rows into BullMQ once they are due (delayed work — expiry, webhook
 * retries, the webhook backstop — waits in Postgres, not in Redis). Poked right after each commit and run on a timer as the
 * sweep, so a crash between commit and enqueue only delays a job. Rows are deleted only after the
 * enqueue succeeds; enqueuing twice is harmless (fixed job ids, idempotent handlers).
 */
export class OutboxRelay {
  private running: Promise<void> | undefined;
  private again = false;
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly db: Db,
    private readonly queue: Queue,
    private readonly log: Logger,
  ) {}

  start(sweepMs: number): void {
    this.timer = setInterval(() => this.poke(), sweepMs);
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
    await this.running;
  }

  private async drain(): Promise<void> {
    while ((await this.moveBatch(500)) === 500);
  }

  private async moveBatch(limit: number): Promise<number> {
    return this.db.sql.begin(async (tx) => {
      const rows = await tx<OutboxRow[]>`
        select id, job, job_id, payload from outbox where delay_until is null or delay_until <= now()
        order by id limit ${limit} for update skip locked`;
      if (rows.length === 0) return 0;
      await this.queue.addBulk(
        rows.map((r) => ({ name: r.job, data: r.payload, opts: { ...jobOptions(r.job), jobId: r.job_id } })),
      );
      await tx`delete from outbox where id in ${tx(rows.map((r) => r.id))}`;
      return rows.length;
    });
  }
}
