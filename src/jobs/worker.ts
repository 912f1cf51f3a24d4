import { UnrecoverableError, Worker, type Job } from 'bullmq';
import type { Redis } from 'ioredis';
import { ChannelError } from '../../channels/channel.js';
import { finishJob } from '../store/outbox.js';
import { callbackJob } from './callback.js';
import { isLastAttempt, ROW_DELETED, type JobContext, type JobRun } from './context.js';
import { deliverJob, settleJob } from './messages.js';
import { nudgeJob } from './nudge.js';
import { JOB_ATTEMPTS, QUEUE_NAME, WORKER_LOCK_MS, WORKER_STALLED_CHECK_MS, type JobName } from './queue.js';
import type { HeldWork } from './held-jobs.js';

const CHANNEL_BACKOFF_BASE_MS = 1000;
const CHANNEL_BACKOFF_MAX_MS = 5 * 60_000;
/** A platform's Retry-After is honoured up to this; beyond it we try again sooner (and count the try). */
export const CHANNEL_RETRY_AFTER_MAX_MS = 15 * 60_000;

/** Delay before the next try: the platform's own Retry-After when it gave one (capped), else exponential. */
export function backoffDelay(attemptsMade: number, _type?: string, err?: Error): number {
  if (err instanceof ChannelError && err.retryAfterMs !== undefined) return Math.min(err.retryAfterMs, CHANNEL_RETRY_AFTER_MAX_MS);
  const exp = CHANNEL_BACKOFF_BASE_MS * 2 ** Math.max(0, attemptsMade - 1);
  return Math.min(CHANNEL_BACKOFF_MAX_MS, exp * (0.8 + Math.random() * 0.4));
}

const HANDLERS: Record<JobName, (ctx: JobContext, data: never, run: JobRun) => Promise<unknown>> = {
  deliver: deliverJob,
  settle: settleJob,
  callback: callbackJob,
  expire: (ctx, data: { requestId: string }) => ctx.hub.expire(data.requestId),
  remind: (ctx, data: { requestId: string; step: number }) => ctx.hub.remind(data.requestId, data.step),
  nudge: nudgeJob,
};

/** One try of a job, from BullMQ or held by this process (see held-jobs.ts). */
interface Attempt {
  name: JobName;
  id: string;
  data: unknown;
  run: JobRun;
}

/**
 * Runs one job and, once it has finished for good (done, or failed with no try left), deletes its
 * outbox row. The handlers are idempotent, so dying anywhere in here only means running it again.
 */
async function runJob(ctx: JobContext, { name, id, data, run }: Attempt): Promise<void> {
  const handler = HANDLERS[name];
  if (!handler) throw new Error(`unknown job ${name}`);
  let done: unknown;
  try {
    done = await handler(ctx, data as never, run);
  } catch (err) {
    if (err instanceof UnrecoverableError || isLastAttempt(run)) await finish(ctx, id);
    throw err;
  }
  if (done !== ROW_DELETED) await finish(ctx, id);
}

/** A held job's first try; one that fails and may be tried again goes to BullMQ after the usual backoff. */
export async function runHeldJob(ctx: JobContext, job: HeldWork): Promise<{ retryInMs?: number }> {
  const run: JobRun = { attemptsMade: 0, maxAttempts: JOB_ATTEMPTS[job.job], jobId: job.job_id, ...(job.request ? { current: job.request } : {}) };
  try {
    await runJob(ctx, { name: job.job, id: job.job_id, data: job.payload, run });
    return {};
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    ctx.log.debug({ job: job.job, jobId: job.job_id, err: message }, 'held job attempt failed');
    if (err instanceof UnrecoverableError || isLastAttempt(run)) return {};
    return { retryInMs: backoffDelay(1, undefined, err as Error) };
  }
}

async function finish(ctx: JobContext, jobId: string): Promise<void> {
  // If this fails the row stays, and the sweep runs the (idempotent) job again later.
  await finishJob(ctx.db, jobId).catch((err) => ctx.log.warn({ err, jobId }, 'could not remove a finished job from the outbox'));
}

export function createWorker(
  ctx: JobContext,
  connection: Redis,
  prefix: string,
  opts: { concurrency: number },
): Worker {
  const fromQueue = (job: Job): Attempt => ({
    name: job.name as JobName,
    id: job.id!,
    data: job.data as unknown,
    run: { attemptsMade: job.attemptsMade, maxAttempts: job.opts.attempts ?? 1, jobId: job.id! },
  });
  const worker = new Worker(QUEUE_NAME, (job: Job) => runJob(ctx, fromQueue(job)), {
    connection,
    prefix,
    concurrency: opts.concurrency,
    lockDuration: WORKER_LOCK_MS,
    stalledInterval: WORKER_STALLED_CHECK_MS,
    settings: { backoffStrategy: backoffDelay },
  });
  worker.on('failed', (job, err) => {
    ctx.log.debug({ job: job?.name, jobId: job?.id, attempts: job?.attemptsMade, err: err.message }, 'job attempt failed');
  });
  worker.on('error', (err) => ctx.log.error({ err }, 'worker error'));
  return worker;
}
