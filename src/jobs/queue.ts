import { Queue, type JobsOptions } from 'bullmq';
import { Redis } from 'ioredis';

export type JobName = 'deliver' | 'settle' | 'callback' | 'expire';
export const QUEUE_NAME = 'jobs';

export function redisConnection(url: string): Redis {
  return new Redis(url, { maxRetriesPerRequest: null, enableReadyCheck: true, lazyConnect: false });
}

/** Retries per job kind; the delays come from the worker's backoff strategy (see worker.ts). */
export function jobOptions(name: JobName, callbackAttempts: number): JobsOptions {
  const base: JobsOptions = {
    removeOnComplete: { age: 3600, count: 10_000 },
    removeOnFail: { age: 7 * 86400 },
  };
  switch (name) {
    case 'callback':
      return { ...base, attempts: callbackAttempts, backoff: { type: 'callback' } };
    case 'expire':
      return { ...base, attempts: 10, backoff: { type: 'channel' } };
    default:
      return { ...base, attempts: 12, backoff: { type: 'channel' } };
  }
}

export function createQueue(connection: Redis, prefix: string): Queue {
  return new Queue(QUEUE_NAME, { connection, prefix });
}
