import type { JobState, Queue } from 'bullmq';
import type { Db } from '../store/db.js';
import { lockStale, markEnqueued, type OutboxRow } from '../store/outbox.js';
import { jobOptions } from './queue.js';

/**
 * A row outlives its job only when the job never finished: Redis lost it (restarted without data,
 * flushed, failed over), or BullMQ gave up on it without our handler running (a job that stalled
 * too often). Either way the work is still owed.
 */
const LOST: ReadonlySet<JobState | 'unknown'> = new Set(['unknown', 'completed', 'failed']);

/**
 * Checks outbox rows that have been in BullMQ for `olderThanMs` or more against BullMQ and queues
 * the lost ones again. Every row it checked counts as seen now, so each waiting job is looked at
 * once per `olderThanMs`, not on every tick. Returns the rows it queued again.
 */
export async function requeueLostJobs(db: Db, queue: Queue, olderThanMs: number, limit = 200): Promise<OutboxRow[]> {
  return db.sql.begin(async (tx) => {
    const rows = await lockStale(tx, olderThanMs, limit);
    if (rows.length === 0) return [];
    const states = await Promise.all(rows.map((r) => queue.getJobState(r.job_id)));
    const lost = rows.map((row, i) => ({ row, state: states[i]! })).filter((c) => LOST.has(c.state));
    // A finished job keeps its id in Redis for a while, and adding a job with a taken id does nothing.
    await Promise.all(lost.filter((c) => c.state !== 'unknown').map((c) => queue.remove(c.row.job_id)));
    if (lost.length > 0) {
      await queue.addBulk(lost.map(({ row: r }) => ({ name: r.job, data: r.payload, opts: { ...jobOptions(r.job), jobId: r.job_id } })));
    }
    await markEnqueued(tx, rows.map((r) => r.id));
    return lost.map((c) => c.row);
  });
}
