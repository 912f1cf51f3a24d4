import { HUB_ACTOR } from '../domain/actors.js';
import type { Db } from './db.js';
import type { WebhookAttempt } from '../webhooks.js';

export type CallbackStatus = 'pending' | 'delivered' | 'failed';

/**
 * Records one webhook attempt, moves the callback status, and replaces the request's callback
 * outbox row — the backstop, or the retry whose job is making this attempt — with the next try
 * when there is one, in one statement: the owed webhook is never without a row. (The job's own
 * delete when it finishes, in jobs/worker.ts, then finds nothing.)
 */
export async function recordCallbackAttempt(
  db: Db,
  requestId: string,
  eventId: string,
  attempt: WebhookAttempt,
  status: CallbackStatus,
  retryInMs: number | undefined,
): Promise<void> {
  const { sql } = db;
  await sql`
    with u as (
      update requests set callback_attempts = callback_attempts + 1, callback_status = ${status}
      where id = ${requestId} returning callback_attempts
    ), a as (
      insert into webhook_attempts (request_id, event_id, attempt, status, latency_ms, error)
      select ${requestId}, ${eventId}, u.callback_attempts, ${attempt.status}, ${attempt.latencyMs}, ${attempt.error} from u
    ), e as (
      insert into events (request_id, type, data)
      select ${requestId}, 'callback.attempt', jsonb_build_object('attempt', u.callback_attempts, 'event_id', ${eventId}::text,
        'status', ${attempt.status}::int, 'latency_ms', ${attempt.latencyMs}::int, 'error', ${attempt.error}::text,
        'callback_status', ${status}::text, 'actor', ${HUB_ACTOR}::text) from u
    ), d as (
      delete from outbox where job = 'callback' and payload->>'requestId' = ${requestId}
    )
    insert into outbox (job, job_id, payload, delay_until)
    select 'callback', 'callback-' || ${requestId} || '-' || gen_random_uuid(), ${sql.json({ requestId })}::jsonb,
      now() + ${retryInMs ?? 0} * interval '1 millisecond'
    from u where ${retryInMs !== undefined}`;
}

/** One webhook attempt to record, with recordCallbackAttempt's arguments. */
export interface CallbackAttemptRecord {
  requestId: string;
  eventId: string;
  attempt: WebhookAttempt;
  status: CallbackStatus;
  retryInMs: number | undefined;
}

/**
 * recordCallbackAttempt for many attempts in one statement (so one transaction), each row as
 * recordCallbackAttempt writes it. At most one attempt per request: a request's second attempt
 * would not see the first's count.
 */
export async function recordCallbackAttempts(db: Db, records: readonly CallbackAttemptRecord[]): Promise<void> {
  const { sql } = db;
  const rows = records.map((r) => ({
    request_id: r.requestId, event_id: r.eventId, status: r.attempt.status, latency_ms: r.attempt.latencyMs,
    error: r.attempt.error, callback_status: r.status, retry_in_ms: r.retryInMs ?? null,
  }));
  await sql`
    with x as (
      select * from jsonb_to_recordset(${sql.json(rows)}::jsonb) as x(request_id text, event_id text, status int,
        latency_ms int, error text, callback_status text, retry_in_ms double precision)
    ), u as (
      update requests r set callback_attempts = r.callback_attempts + 1, callback_status = x.callback_status
      from x where r.id = x.request_id returning r.id, r.callback_attempts
    ), j as (
      select x.*, u.callback_attempts from x join u on u.id = x.request_id
    ), a as (
      insert into webhook_attempts (request_id, event_id, attempt, status, latency_ms, error)
      select request_id, event_id, callback_attempts, status, latency_ms, error from j
    ), e as (
      insert into events (request_id, type, data)
      select request_id, 'callback.attempt', jsonb_build_object('attempt', callback_attempts, 'event_id', event_id,
        'status', status, 'latency_ms', latency_ms, 'error', error, 'callback_status', callback_status, 'actor', ${HUB_ACTOR}::text)
      from j
    ), d as (
      delete from outbox where job = 'callback' and payload->>'requestId' = any(array(select request_id from x))
    )
    insert into outbox (job, job_id, payload, delay_until)
    select 'callback', 'callback-' || request_id || '-' || gen_random_uuid(), jsonb_build_object('requestId', request_id),
      now() + retry_in_ms * interval '1 millisecond'
    from j where retry_in_ms is not null`;
}

/** Queues the webhook again for a closed request whose callback is not in flight; `actor` asked for it (apiKeyActor). */
export async function requeueCallback(db: Db, requestId: string, actor = HUB_ACTOR): Promise<boolean> {
  const rows = await db.sql`
    with u as (
      update requests set callback_status = 'pending', callback_attempts = 0
      where id = ${requestId} and state <> 'pending' and callback_url is not null and callback_status in ('failed', 'delivered')
      returning id, callback_attempts
    ), o as (
      insert into outbox (job, job_id, payload)
      select 'callback', 'callback-' || u.id || '-' || gen_random_uuid(), jsonb_build_object('requestId', u.id) from u
    ), e as (
      insert into events (request_id, type, data) select u.id, 'callback.redeliver', jsonb_build_object('actor', ${actor}::text) from u
    )
    select 1 from u`;
  return rows.length > 0;
}
