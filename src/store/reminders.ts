import { HUB_ACTOR } from '../domain/actors.js';
import type { Recipient } from '../domain/types.js';
import type { Sql } from './db.js';
import { deliveredEvents, insertDeliveries, insertJobs, ownedBy, type NewRequest, type OutboxJob } from './requests.js';

/** The outbox row of a request's reminder step (the claim deletes these by number). */
export const reminderJobId = (requestId: string, step: number) => `remind-${requestId}.${step}`;

export interface StepFiring {
  requestId: string;
  step: number;
  /** How many recipients the request has as read: escalations are appended after them. */
  recipientCount: number;
  /** The step's escalation recipients, with their delivery rows and deliver jobs (newDeliveries). */
  recipients: Recipient[];
  deliveries: NewRequest['deliveries'];
  jobs: OutboxJob[];
}

/**
 * Fires a reminder step: one conditional UPDATE marks it sent only while the request is pending,
 * before its deadline, and the step unsent (so it fires once across processes and never after the
 * close), and only if no other step added recipients since they were read. On the same statement: a
 * nudge job per delivery that exists (escalations just posted are not nudged), the escalation's
 * deliveries and deliver jobs (as create writes them), and the events. True when it fired.
 */
export async function fireReminderStep(sql: Sql, f: StepFiring): Promise<boolean> {
  const rows = await sql`
    with s as (
      update requests set
        reminders = jsonb_set(reminders, ${sql.array([String(f.step), 'sent_at'])}::text[], to_jsonb(now())),
        recipients = recipients || ${sql.json(f.recipients as never)}::jsonb
      where id = ${f.requestId} and state = 'pending' and (expires_at is null or expires_at > now())
        and reminders -> ${f.step}::int ->> 'sent_at' is null and jsonb_array_length(recipients) = ${f.recipientCount}::int
      returning id
    ), n as (
      insert into outbox (job, job_id, payload)
      select 'nudge', 'nudge-' || d.id || '.' || ${f.step}::text, jsonb_build_object('deliveryId', d.id, 'requestId', s.id, 'step', ${f.step}::int)
      from s join deliveries d on d.request_id = s.id where not d.inline and d.status <> 'failed'
    ), d as (
      ${insertDeliveries(sql, 's', ownedBy(f.requestId, f.deliveries))}
    ), dd as (
      ${deliveredEvents(sql)}
    ), o as (
      ${insertJobs(sql, 's', ownedBy(f.requestId, f.jobs))}
    ), e as (
      insert into events (request_id, type, data)
      select s.id, 'request.reminded', ${sql.json({ step: f.step, escalated: f.recipients, actor: HUB_ACTOR } as never)}::jsonb from s
    )
    select 1 from s`;
  return rows.length > 0;
}
