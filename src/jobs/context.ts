import type { Logger } from 'pino';
import type { ChannelRegistry } from '../../channels/index.js';
import type { SwitchboardHub } from '../hub.js';
import type { Metrics } from '../http/metrics.js';
import type { Db } from '../store/db.js';
import type { Request } from '../domain/types.js';

/** What job handlers need of the process. */
export interface JobContext {
  db: Db;
  hub: SwitchboardHub;
  channels: ChannelRegistry;
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

/** Facts about the BullMQ job a handler runs in. */
export interface JobRun {
  attemptsMade: number;
  maxAttempts: number;
}

export const isLastAttempt = (run: JobRun) => run.attemptsMade + 1 >= run.maxAttempts;
