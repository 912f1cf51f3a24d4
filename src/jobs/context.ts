import type { Logger } from 'pino';
import type { ChannelRegistry } from '../../channels/index.js';
import type { Request } from '../domain/types.js';
import type { Metrics } from '../metrics.js';
import type { CallbackAttemptRecord } from '../store/callbacks.js';
import type { Db } from '../store/db.js';

/** What sending a webhook needs of the process (the first attempt runs outside any job). */
export interface CallbackContext {
  db: Db;
  /** Records webhook attempts (store/attempt-batcher.ts: those made together share a commit). */
  attempts: { record(r: CallbackAttemptRecord): Promise<void> };
  metrics: Metrics;
  log: Logger;
  webhookSecret: string;
  webhookTimeoutMs: number;
  /** SWITCHBOARD_CALLBACK_PRIVATE: with 'deny', webhooks never connect to private addresses. */
  callbackPrivate: 'allow' | 'deny';
  /** Delays before each webhook attempt (Standard Webhooks' schedule; shorter in tests). */
  callbackSchedule: readonly number[];
  /** The request as the API shows it (the webhook's `data`). */
  present(request: Request): unknown;
}

/** All jobs ask of the hub: read a request, expire one when its deadline comes, fire a reminder step. */
export interface JobHub {
  get(requestId: string): Promise<Request | undefined>;
  expire(requestId: string): Promise<Request | undefined>;
  /** Fires a due reminder step (once, while pending). */
  remind(requestId: string, step: number): Promise<void>;
}

/** What job handlers need of the process. */
export interface JobContext extends CallbackContext {
  hub: JobHub;
  channels: ChannelRegistry;
}

/** Facts about the job a handler runs in (from BullMQ, or held by this process). */
export interface JobRun {
  attemptsMade: number;
  maxAttempts: number;
  /** The job's id, its outbox row's `job_id`; absent when a handler runs inside another job (whose row is not its to delete). */
  jobId?: string;
  /** Held jobs: the request as the commit that wrote the job left it (see held-jobs.ts). */
  current?: Request;
}

/** A handler's answer when its last statement also deleted the job's outbox row: the runner need not. */
export const ROW_DELETED = Symbol('the job deleted its outbox row');

export const isLastAttempt = (run: JobRun) => run.attemptsMade + 1 >= run.maxAttempts;
