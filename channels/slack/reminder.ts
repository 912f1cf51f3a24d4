import { reminderText } from '../../src/domain/reminders.js';
import type { Request } from '../../src/domain/types.js';
import { isUserId } from './codec.js';
import { escapeMrkdwn } from './mrkdwn.js';

/** A reminder's thread reply: a mention of each approver who is a Slack user, then the reminder. */
export function reminderMrkdwn(request: Request, now = new Date()): string {
  const mentions = request.approvers
    .filter((a) => a.startsWith('slack:') && isUserId(a.slice(6)))
    .map((a) => `<@${a.slice(6)}>`);
  return [...mentions, escapeMrkdwn(reminderText(request, now))].join(' ');
}
