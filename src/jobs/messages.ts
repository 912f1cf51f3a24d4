import { UnrecoverableError } from 'bullmq';
import { ChannelError } from '../../channels/channel.js';
import { outcomeOf, type Request } from '../domain/types.js';
import * as deliveries from '../store/deliveries.js';
import { isLastAttempt, type JobContext, type JobRun } from './context.js';

type Stored = deliveries.StoredDelivery;

/** Permanent channel errors fail the delivery at once; others are retried by the worker's backoff. */
async function onChannelError(ctx: JobContext, d: Stored, run: JobRun, err: unknown, failTo: 'failed' | 'settled'): Promise<never> {
  const message = err instanceof Error ? err.message : String(err);
  const permanent = err instanceof ChannelError && !err.retryable;
  if (permanent || isLastAttempt(run)) {
    await deliveries.setDeliveryStatus(ctx.db, d, failTo, ['queued', 'delivered'], message);
    ctx.log.warn({ deliveryId: d.id, channel: d.channel, error: message }, `${d.channel} gave up: ${message}`);
    throw new UnrecoverableError(message);
  }
  await deliveries.countAttempt(ctx.db, d.id, message);
  throw err;
}

async function load(ctx: JobContext, deliveryId: string): Promise<{ d: Stored; request: Request } | undefined> {
  const d = await deliveries.getDelivery(ctx.db, deliveryId);
  const request = d && (await ctx.hub.get(d.request_id));
  return d && request ? { d, request } : undefined;
}

export async function deliverJob(ctx: JobContext, data: { deliveryId: string }, run: JobRun): Promise<void> {
  const found = await load(ctx, data.deliveryId);
  if (!found || found.d.status !== 'queued') return;
  const { d, request } = found;
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
    ref = await channel.deliver(request, d.to ?? undefined, d.recipient_index);
  } catch (err) {
    return onChannelError(ctx, d, run, err, 'failed');
  }
  const stateNow = await deliveries.markDelivered(ctx.db, d, ref);
  // Decided while we were posting: the settle job skipped this message, so settle it here.
  if (stateNow && stateNow !== 'pending') await settleJob(ctx, { deliveryId: d.id }, run);
}

export async function settleJob(ctx: JobContext, data: { deliveryId: string }, run: JobRun): Promise<void> {
  const found = await load(ctx, data.deliveryId);
  // 'queued' is left to the deliver job, which settles after posting if the request closed meanwhile.
  if (!found || found.d.status !== 'delivered') return;
  const { d, request } = found;
  const outcome = outcomeOf(request);
  const channel = ctx.channels.get(d.channel);
  if (!outcome || !channel || !d.ref) return;
  try {
    await channel.settle(request, d.ref, outcome);
  } catch (err) {
    return onChannelError(ctx, d, run, err, 'settled');
  }
  await deliveries.setDeliveryStatus(ctx.db, d, 'settled', ['delivered']);
}
