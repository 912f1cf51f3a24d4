import { Worker, type Job } from 'bullmq';
import type { Redis } from 'ioredis';
import { ChannelError } from '../../channels/channel.js';
import { callbackJob } from './callback.js';
import type { JobContext, JobRun } from './context.js';
import { deliverJob, settleJob } from './messages.js';
import { QUEUE_NAME, type JobName } from './queue.js';

const CHANNEL_BACKOFF_BASE_MS = 1000;
const CHANNEL_BACKOFF_MAX_MS = 5 * 60_000;

/** Delay before the next try: the platform's own Retry-After when it gave one, else exponential. */
export function backoffDelay(attemptsMade: number, _type?: string, err?: Error): number {
  if (err instanceof ChannelError && err.retryAfterMs !== undefined) return err.retryAfterMs;
  const exp = CHANNEL_BACKOFF_BASE_MS * 2 ** Math.max(0, attemptsMade - 1);
  return Math.min(CHANNEL_BACKOFF_MAX_MS, exp * (0.8 + Math.random() * 0.4));
}

const HANDLERS: Record<JobName, (ctx: JobContext, data: never, run: JobRun) => Promise<unknown>> = {
  deliver: deliverJob,
  settle: settleJob,
  callback: callbackJob,
  expire: (ctx, data: { requestId: string }) => ctx.hub.expire(data.requestId),
};

export function createWorker(
  ctx: JobContext,
  connection: Redis,
  prefix: string,
  opts: { concurrency: number },
): Worker {
  const worker = new Worker(
    QUEUE_NAME,
    async (job: Job) => {
      const handler = HANDLERS[job.name as JobName];
      if (!handler) throw new Error(`unknown job ${job.name}`);
      const run: JobRun = { attemptsMade: job.attemptsMade, maxAttempts: job.opts.attempts ?? 1 };
      await handler(ctx, job.data as never, run);
    },
    {
      connection,
      prefix,
      concurrency: opts.concurrency,
      settings: { backoffStrategy: backoffDelay },
    },
  );
  worker.on('failed', (job, err) => {
    ctx.log.debug({ job: job?.name, jobId: job?.id, attempts: job?.attemptsMade, err: err.message }, 'job attempt failed');
  });
  worker.on('error', (err) => ctx.log.error({ err }, 'worker error'));
  return worker;
}
