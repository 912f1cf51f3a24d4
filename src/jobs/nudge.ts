import { UnrecoverableError } from 'bullmq';
import { ChannelError } from '../../channels/channel.js';
import { getDelivery } from '../store/deliveries.js';
import { recordEvent } from '../store/requests.js';
import { isLastAttempt, type JobContext, type JobRun } from './context.js';

/**
 * One delivery's nudge for a fired reminder step: Channel.remind on the delivered message, while the
 * request is still pending. A delivery not (yet) posted, or a channel without remind, is skipped: a
 * message posted after the step is fresh anyway. A nudge that fails for good is logged and recorded;
 * it never changes the delivery, whose message still decides.
 */
export async function nudgeJob(ctx: JobContext, data: { deliveryId: string; step: number }, run: JobRun): Promise<void> {
  const found = await getDelivery(ctx.db, data.deliveryId);
  if (!found) return;
  const { delivery: d, request } = found;
  if (d.status !== 'delivered' || !d.ref) return;
  const channel = ctx.channels.get(d.channel);
  if (request.state !== 'pending' || !request.reminders[data.step] || !channel?.remind) return;
  try {
    await channel.remind(request, d.ref, data.step);
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    const permanent = err instanceof ChannelError && !err.retryable;
    if (!permanent && !isLastAttempt(run)) throw err;
    ctx.log.warn({ deliveryId: d.id, channel: d.channel, step: data.step, error: message }, `${d.channel} reminder gave up: ${message}`);
    await recordEvent(ctx.db.sql, d.request_id, 'delivery.reminder_failed', { channel: d.channel, to: d.to, step: data.step, error: message, actor: d.channel });
    throw new UnrecoverableError(message);
  }
  await recordEvent(ctx.db.sql, d.request_id, 'delivery.reminded', { channel: d.channel, to: d.to, step: data.step, actor: d.channel });
}
