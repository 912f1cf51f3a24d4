import type { ChannelName, Recipient } from '../domain/types.js';
import { newId } from './ids.js';
import type { NewRequest, OutboxJob } from './requests.js';

/**
 * Delivery rows and their deliver jobs for `recipients`, numbered from `firstIndex`: a request's
 * recipients at create, and a reminder step's escalation recipients (appended) when it fires.
 * Inline channels (the web page) have nothing to post: delivered as they are stored, no job; the row
 * remembers it, so the claim settles them without a job either.
 */
export function newDeliveries(
  recipients: Recipient[],
  requestId: string,
  firstIndex: number,
  inline: (channel: ChannelName) => boolean,
  now: Date,
): { deliveries: NewRequest['deliveries']; jobs: OutboxJob[] } {
  const deliveries = recipients.map((r, i) => {
    const isInline = inline(r.channel);
    return {
      id: newId('dlv', now.getTime()),
      recipient_index: firstIndex + i,
      channel: r.channel,
      to: r.to ?? null,
      status: isInline ? ('delivered' as const) : ('queued' as const),
      inline: isInline,
    };
  });
  const jobs: OutboxJob[] = deliveries.filter((d) => d.status === 'queued').map((d) => ({
    job: 'deliver',
    job_id: `deliver-${d.id}`,
    payload: { deliveryId: d.id, requestId },
  }));
  return { deliveries, jobs };
}
