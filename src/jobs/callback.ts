import { UnrecoverableError } from 'bullmq';
import { recordCallbackAttempt } from '../store/callbacks.js';
import { sendWebhook } from '../webhooks.js';
import { isLastAttempt, type JobContext, type JobRun } from './context.js';

/** A failed attempt worth retrying; the worker's backoff reads `retryAfterMs`. */
export class CallbackRetry extends Error {
  constructor(
    message: string,
    readonly retryAfterMs?: number,
  ) {
    super(message);
  }
}

/** One event per request (it leaves pending once), so the request id makes a stable webhook-id. */
export const webhookId = (requestId: string) => `msg_${requestId.replace(/^req_/, '')}`;

export async function callbackJob(ctx: JobContext, data: { requestId: string }, run: JobRun): Promise<void> {
  const request = await ctx.hub.get(data.requestId);
  if (!request?.callback || request.state === 'pending' || request.callback.status !== 'pending') return;
  const eventId = webhookId(request.id);
  const body = JSON.stringify({
    type: `request.${request.state}`,
    timestamp: request.closed_at,
    data: ctx.present(request),
  });
  const attempt = await sendWebhook({
    url: request.callback.url,
    secret: ctx.webhookSecret,
    eventId,
    body,
    timeoutMs: ctx.webhookTimeoutMs,
  });
  const giveUp = !attempt.ok && (attempt.gone || isLastAttempt(run));
  const status = attempt.ok ? 'delivered' : giveUp ? 'failed' : 'pending';
  await recordCallbackAttempt(ctx.db, request.id, eventId, attempt, status);
  ctx.metrics.webhookAttempts.inc({ result: attempt.ok ? 'delivered' : 'failed' });
  if (attempt.ok) return;
  ctx.log.info({ requestId: request.id, status: attempt.status, error: attempt.error, giveUp }, 'webhook attempt failed');
  if (giveUp) throw new UnrecoverableError(attempt.gone ? 'receiver answered 410 Gone' : `gave up: ${attempt.error}`);
  throw new CallbackRetry(attempt.error ?? 'failed', attempt.retryAfterMs);
}
