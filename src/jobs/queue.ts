import { Queue, type JobsOptions } from 'bullmq';
import { Redis } from 'ioredis';

export type JobName = 'deliver' | 'settle' | 'callback' | 'expire' | 'remind' | 'nudge';
export const QUEUE_NAME = 'jobs';

/** `autoPipelining`: commands issued in one tick leave in one write (the wake-up publisher; not for BullMQ's own connections). */
export function redisConnection(url: string, { autoPipelining = false } = {}): Redis {
  return new Redis(url, { maxRetriesPerRequest: null, enableReadyCheck: true, lazyConnect: false, enableAutoPipelining: autoPipelining });
}

/**
 * Tries per job kind; the delays come from the worker's backoff strategy (see worker.ts).
 * A callback job is one webhook attempt: its own retries are outbox rows (see jobs/callback.ts),
 * so BullMQ retries it only when the attempt could not even be recorded. A delivery's tries are
 * also counted in Postgres (see jobs/messages.ts), so a stall or a lost Redis does not reset them.
 */
export const JOB_ATTEMPTS: Record<JobName, number> = { deliver: 12, settle: 12, callback: 3, expire: 10, remind: 10, nudge: 6 };

/**
 * A dead worker's job is found stalled once its lock expires and the stalled check next runs:
 * within about 8 + 2 s. A live worker renews its locks every lockDuration / 2 (4 s), so a job may
 * run for as long as it needs; only an event loop blocked for over 4 s risks a second run.
 */
export const WORKER_LOCK_MS = 8000;
export const WORKER_STALLED_CHECK_MS = 2000;

export function jobOptions(name: JobName): JobsOptions {
  return {
    removeOnComplete: { age: 3600, count: 10_000 },
    removeOnFail: { age: 7 * 86400 },
    backoff: { type: 'channel' },
    attempts: JOB_ATTEMPTS[name],
  };
}

export function createQueue(connection: Redis, prefix: string): Queue {
  return new Queue(QUEUE_NAME, { connection, prefix });
}
