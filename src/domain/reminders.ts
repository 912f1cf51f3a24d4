// Reminder steps: when each is due, what a create body may ask for, and what a nudge says.
import type { Recipient, Request } from './types.js';

/** At most this many steps a request (the claim drops their outbox rows by number, see store/requests.ts). */
export const MAX_REMINDER_STEPS = 10;

type Path = (string | number)[];

interface StepsInput {
  recipients: Recipient[];
  timeout_seconds?: number;
  reminders?: { after_seconds: number; recipients?: Recipient[] }[];
}

/** When a step is due: `after_seconds` after the request was created. */
export function reminderDueAt(createdAt: string | Date, afterSeconds: number): string {
  return new Date(new Date(createdAt).getTime() + afterSeconds * 1000).toISOString();
}

/** Steps strictly ascending and before the timeout; `maxRecipients` bounds the recipients with every escalation. */
export function reminderIssues(r: StepsInput, maxRecipients: number): { path: Path; message: string }[] {
  const issues: { path: Path; message: string }[] = [];
  const steps = r.reminders ?? [];
  steps.forEach((s, i) => {
    const previous = steps[i - 1];
    if (previous && s.after_seconds <= previous.after_seconds) {
      issues.push({ path: ['reminders', i, 'after_seconds'], message: `must be greater than the previous step's (${previous.after_seconds})` });
    }
    if (r.timeout_seconds !== undefined && s.after_seconds >= r.timeout_seconds) {
      issues.push({ path: ['reminders', i, 'after_seconds'], message: `must be less than timeout_seconds (${r.timeout_seconds})` });
    }
  });
  const total = r.recipients.length + steps.reduce((n, s) => n + (s.recipients?.length ?? 0), 0);
  if (total > maxRecipients) issues.push({ path: ['reminders'], message: `recipients and escalations together must be at most ${maxRecipients}` });
  return issues;
}

/**
 * Every recipient the request may have, escalations last (their recipient indexes once added), with
 * each one's path in the create body, so checks over all recipients name the right field.
 */
export function allRecipients(r: StepsInput): { recipients: Recipient[]; pathOf(index: number): Path } {
  const paths: Path[] = r.recipients.map((_, i) => ['recipients', i]);
  (r.reminders ?? []).forEach((s, i) => s.recipients?.forEach((_, j) => paths.push(['reminders', i, 'recipients', j])));
  const recipients = [...r.recipients, ...(r.reminders ?? []).flatMap((s) => s.recipients ?? [])];
  return { recipients, pathOf: (index) => paths[index] ?? ['recipients', index] };
}

/** "14:00 UTC" today, else "2026-12-03 14:00 UTC". */
function utcWhen(iso: string, now: Date): string {
  const at = new Date(iso).toISOString();
  const time = `${at.slice(11, 16)} UTC`;
  return at.slice(0, 10) === now.toISOString().slice(0, 10) ? time : `${at.slice(0, 10)} ${time}`;
}

/** What every nudge says (channels add their own mentions and links). */
export function reminderText(request: Pick<Request, 'expires_at'>, now = new Date()): string {
  const due = request.expires_at ? ` — due ${utcWhen(request.expires_at, now)}` : '';
  return `Reminder: this request is still waiting for an answer${due}`;
}
