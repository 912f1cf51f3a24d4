import type { Db } from './db.js';
import type { WebhookAttempt } from '../webhooks.js';

export type CallbackStatus = 'pending' | 'delivered' | 'failed';

/** Records one webhook attempt and moves the request's callback status. */
export async function recordCallbackAttempt(
  db: Db,
  requestId: string,
  eventId: string,
  attempt: WebhookAttempt,
  status: CallbackStatus,
): Promise<void> {
  await db.sql`
    with u as (
      update requests set callback_attempts = callback_attempts + 1, callback_status = ${status}
      where id = ${requestId} returning callback_attempts
    )
    insert into webhook_attempts (request_id, event_id, attempt, status, latency_ms, error)
    select ${requestId}, ${eventId}, u.callback_attempts, ${attempt.status}, ${attempt.latencyMs}, ${attempt.error} from u`;
}

export async function listCallbackAttempts(db: Db, requestId: string) {
  return db.sql<{ attempt: number; status: number | null; latency_ms: number; error: string | null; event_id: string }[]>`
    select attempt, status, latency_ms, error, event_id from webhook_attempts where request_id = ${requestId} order by id`;
}

/** Queues the webhook again for a closed request whose callback is not in flight. */
export async function requeueCallback(db: Db, requestId: string): Promise<boolean> {
  const rows = await db.sql`
    with u as (
      update requests set callback_status = 'pending'
      where id = ${requestId} and state <> 'pending' and callback_url is not null and callback_status in ('failed', 'delivered')
      returning id, callback_attempts
    ), o as (
      insert into outbox (job, job_id, payload)
      select 'callback', 'callback-' || u.id || '-redeliver-' || u.callback_attempts, jsonb_build_object('requestId', u.id) from u
    ), e as (
      insert into events (request_id, type, data) select u.id, 'callback.redeliver', '{}'::jsonb from u
    )
    select 1 from u`;
  return rows.length > 0;
}
