import { UnrecoverableError } from 'bullmq';
import { ChannelError } from '../../channels/channel.js';
import { outcomeOf, type Delivery, type Request } from '../domain/types.js';
import * as deliveries from '../store/deliveries.js';
import { isLastAttempt, ROW_DELETED, type JobContext, type JobRun } from './context.js';
import { JOB_ATTEMPTS } from './queue.js';

type Key = deliveries.DeliveryKey;

/**
 * Permanent channel errors fail the delivery at once, with the platform's reason; others are retried
 * by the worker's backoff until the tries run out (`outOfTries`, or BullMQ's own count). A copy that
 * could not be settled (the bot was removed from the chat, …) is failed too: it may still show buttons.
 */
async function onChannelError(
  ctx: JobContext,
  d: Key,
  run: JobRun,
  err: unknown,
  outOfTries = false,
): Promise<never> {
  const message = err instanceof Error ? err.message : String(err);
  const permanent = err instanceof ChannelError && !err.retryable;
  if (permanent || outOfTries || isLastAttempt(run)) {
    await deliveries.setDeliveryStatus(ctx.db, d, 'failed', ['queued', 'delivered'], message);
    ctx.log.warn({ deliveryId: d.id, channel: d.channel, error: message }, `${d.channel} gave up: ${message}`);
    throw new UnrecoverableError(message);
  }
  await deliveries.recordError(ctx.db, d.id, message);
  throw err;
}

export async function deliverJob(ctx: JobContext, data: { deliveryId: string }, run: JobRun): Promise<void | typeof ROW_DELETED> {
  // Counted before posting: a start that dies half-way still counts (as `attempt` for the next one).
  // A held delivery's first start was counted by the create that holds it.
  const started = heldStart(run.current, data.deliveryId) ?? (await deliveries.startDelivery(ctx.db, data.deliveryId));
  if (!started) return;
  const { delivery: d, request } = started;
  if (request.state !== 'pending') {
    await deliveries.setDeliveryStatus(ctx.db, d, 'settled', ['queued'], 'closed before delivery');
    return;
  }
  const channel = ctx.channels.get(d.channel);
  if (!channel) {
    await deliveries.setDeliveryStatus(ctx.db, d, 'failed', ['queued'], `channel ${d.channel} is off: ${ctx.channels.offReason(d.channel)}`);
    return;
  }
  let ref;
  try {
    ref = await channel.deliver(request, d.to ?? undefined, d.recipient_index, { id: d.id, attempt: d.attempts - 1 });
  } catch (err) {
    // Starts are counted in Postgres, so stalls and a lost Redis (which reset BullMQ's count) cannot retry for ever.
    return onChannelError(ctx, d, run, err, d.attempts >= JOB_ATTEMPTS.deliver);
  }
  const stateNow = await deliveries.markDelivered(ctx.db, d, ref, run.jobId);
  if (stateNow === 'pending') return run.jobId ? ROW_DELETED : undefined;
  // Decided while we were posting: the settle job skipped this message, so settle it here.
  if (stateNow) await settleJob(ctx, { deliveryId: d.id }, { attemptsMade: run.attemptsMade, maxAttempts: run.maxAttempts });
}

/**
 * A delivery the create of `current` just wrote queued, its first start counted (see
 * SwitchboardHub.create). A request closed while the job waited for a slot still looks pending here;
 * markDelivered then reads it closed, and the job settles the message it posted.
 */
function heldStart(current: Request | undefined, deliveryId: string): deliveries.DeliveryWithRequest | undefined {
  const i = current?.deliveries.findIndex((x) => x.id === deliveryId) ?? -1;
  const d = current?.deliveries[i];
  if (!current || !d || d.status !== 'queued' || current.state !== 'pending') return undefined;
  // A create numbers its deliveries from 0 in recipient order, as they are listed.
  return { delivery: { ...d, request_id: current.id, recipient_index: i, attempts: 1 }, request: current };
}

export async function settleJob(ctx: JobContext, data: { deliveryId: string }, run: JobRun): Promise<void | typeof ROW_DELETED> {
  const found = await toSettle(ctx, data.deliveryId, run.current);
  // 'queued' is left to the deliver job, which settles after posting if the request closed meanwhile.
  if (!found || found.delivery.status !== 'delivered') return;
  const { delivery: d, request } = found;
  const outcome = outcomeOf(request);
  const channel = ctx.channels.get(d.channel);
  if (!outcome || !channel || !d.ref) return;
  try {
    await channel.settle(request, d.ref, outcome);
  } catch (err) {
    return onChannelError(ctx, d, run, err);
  }
  await deliveries.setDeliveryStatus(ctx.db, d, 'settled', ['delivered'], null, run.jobId);
  return run.jobId ? ROW_DELETED : undefined;
}

/**
 * The delivery to settle and its request. A held settle has the request as its claim's statement
 * left it: a copy shown delivered there is still delivered (or settled since, which an edit repeats
 * harmlessly), so only one shown queued — it may have been posted since — is read again.
 */
async function toSettle(ctx: JobContext, deliveryId: string, current: Request | undefined): Promise<{ delivery: Delivery; request: Request } | undefined> {
  const seen = current?.deliveries.find((x) => x.id === deliveryId);
  if (current && seen?.status === 'delivered') return { delivery: seen, request: current };
  return deliveries.getDelivery(ctx.db, deliveryId);
}
