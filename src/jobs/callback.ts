import { nextAttemptDelayMs, sendWebhook } from '../webhooks.js';
import type { Request } from '../domain/types.js';
import type { CallbackContext, JobContext } from './context.js';

/** One event per request (it leaves pending once), so the request id makes a stable webhook-id. */
export const webhookId = (requestId: string) => `msg_${requestId.replace(/^req_/, '')}`;

/**
 * One webhook attempt, from the process that won the claim (at once, with the request as read right
 * after the claim) or from a due outbox row (the backstop, and every retry). The attempt count lives
 * in Postgres, so both paths follow one schedule; a retry is the next outbox row, written with the
 * attempt's record.
 */
export async function attemptCallback(ctx: CallbackContext, request: Request): Promise<void> {
  if (!request.callback || request.state === 'pending' || request.callback.status !== 'pending') return;
  const eventId = webhookId(request.id);
  const body = JSON.stringify({ type: `request.${request.state}`, timestamp: request.closed_at, data: ctx.present(request) });
  const attempt = await sendWebhook({
    url: request.callback.url,
    secret: ctx.webhookSecret,
    eventId,
    body,
    timeoutMs: ctx.webhookTimeoutMs,
    denyPrivate: ctx.callbackPrivate === 'deny',
  });
  const made = request.callback.attempts + 1;
  const retryIn = attempt.ok || attempt.gone ? undefined : nextAttemptDelayMs(made, attempt.retryAfterMs, ctx.callbackSchedule);
  const status = attempt.ok ? 'delivered' : retryIn === undefined ? 'failed' : 'pending';
  await ctx.attempts.record({ requestId: request.id, eventId, attempt, status, retryInMs: retryIn });
  ctx.metrics.webhookAttempts.inc({ result: attempt.ok ? 'delivered' : 'failed' });
  if (!attempt.ok) {
    ctx.log.info({ requestId: request.id, status: attempt.status, error: attempt.error, retryIn }, 'webhook attempt failed');
  }
}

export async function callbackJob(ctx: JobContext, data: { requestId: string }): Promise<void> {
  const request = await ctx.hub.get(data.requestId);
  if (request) await attemptCallback(ctx, request);
}
