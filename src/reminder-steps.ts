import type { ChannelName, Request } from './domain/types.js';
import type { Db } from './store/db.js';
import { newDeliveries } from './store/new-deliveries.js';
import { fireReminderStep } from './store/reminders.js';

export interface ReminderDeps {
  db: Db;
  get: (requestId: string) => Promise<Request | undefined>;
  /** Channels with nothing to post (Channel.inline), whose escalated deliveries are delivered at once. */
  inline: (channel: ChannelName) => boolean;
}

/**
 * Fires a due reminder step (see fireReminderStep): the request as it stands after, or undefined when
 * the step had nothing to do (already sent, the request closed or past its deadline). Escalations
 * take the next recipient indexes, so a step that finds the recipients changed under it (another
 * step fired at the same moment) reads again; the count only grows, so this ends.
 */
export async function fireReminder(d: ReminderDeps, requestId: string, step: number): Promise<Request | undefined> {
  let triedWith = -1;
  for (;;) {
    const request = await d.get(requestId);
    const due = request?.reminders[step];
    if (!request || !due || request.state !== 'pending' || due.sent_at) return undefined;
    // Same recipients as the last try, and still unsent: the deadline (database time) stopped it.
    if (request.recipients.length === triedWith) return undefined;
    triedWith = request.recipients.length;
    const recipients = due.recipients ?? [];
    const { deliveries, jobs } = newDeliveries(recipients, requestId, triedWith, d.inline, new Date());
    const fired = await fireReminderStep(d.db.sql, { requestId, step, recipientCount: triedWith, recipients, deliveries, jobs });
    if (fired) return d.get(requestId);
  }
}
