import type { DeliveryStatus, MessageRef, Request } from '../domain/types.js';
import type { Db } from './db.js';
import { REQUEST_AGGREGATES } from './requests.js';
import { toRequest, type DeliveryRow, type RequestRow } from './rows.js';

export interface StoredDelivery extends DeliveryRow {
  request_id: string;
  /** How many times a deliver job has started posting this delivery (this one included, once started). */
  attempts: number;
}

/** What names a delivery in its events and errors. */
export type DeliveryKey = Pick<StoredDelivery, 'id' | 'channel' | 'to'>;

/** A delivery and its request as getRequest reads it: what a job needs, in one round trip. */
export interface DeliveryWithRequest {
  delivery: StoredDelivery;
  request: Request;
}

type Joined = RequestRow & { delivery: StoredDelivery };

const withRequest = (rows: Joined[]): DeliveryWithRequest | undefined =>
  rows[0] && { delivery: rows[0].delivery, request: toRequest(rows[0]) };

export async function getDelivery(db: Db, id: string): Promise<DeliveryWithRequest | undefined> {
  const { sql } = db;
  return withRequest(await sql<Joined[]>`
    select to_json(x) as delivery, r.*, ${REQUEST_AGGREGATES(sql)}
    from (select id, request_id, recipient_index, channel, "to", status, error, ref, attempts from deliveries where id = ${id}) x
    join requests r on r.id = x.request_id`);
}

/**
 * Counts a start of a still-queued delivery before anything is posted, so a try that dies
 * half-way (kill -9, a lost Redis) is still counted; undefined when it is no longer queued.
 * The request comes from the statement's snapshot (this delivery's count of starts not yet raised in it).
 */
export async function startDelivery(db: Db, id: string): Promise<DeliveryWithRequest | undefined> {
  const { sql } = db;
  return withRequest(await sql<Joined[]>`
    with x as (
      update deliveries set attempts = attempts + 1, updated_at = now() where id = ${id} and status = 'queued'
      returning id, request_id, recipient_index, channel, "to", status, error, ref, attempts
    )
    select to_json(x) as delivery, r.*, ${REQUEST_AGGREGATES(sql)} from x join requests r on r.id = x.request_id`);
}

/**
 * Stores the platform's message reference; returns the request's state at that moment. While the
 * request is still pending, the same statement deletes the outbox row of `jobId` (the deliver job,
 * done); otherwise the job still has to settle the message it just posted.
 *
 * The state is read under a share lock: a claim still committing is waited for and then seen. Read
 * from the statement's snapshot instead, a claim that committed meanwhile would look pending here,
 * while its settle job, reading before this commits, saw the delivery still queued: nobody would
 * settle the message.
 */
export async function markDelivered(db: Db, d: StoredDelivery, ref: MessageRef, jobId?: string): Promise<string | undefined> {
  const rows = await db.sql<{ state: string }[]>`
    with u as (
      update deliveries set status = 'delivered', ref = ${db.sql.json(ref)}, error = null, updated_at = now()
      where id = ${d.id} and status = 'queued' returning request_id
    ), e as (
      insert into events (request_id, type, data)
      select request_id, 'delivery.delivered', ${db.sql.json({ channel: d.channel, to: d.to, ref, actor: d.channel })}::jsonb from u
    ), s as (
      select r.state from u join requests r on r.id = u.request_id for share of r
    ), f as (
      delete from outbox where job_id = ${jobId ?? null} and exists (select 1 from s where s.state = 'pending')
    )
    select state from s`;
  return rows[0]?.state;
}

/**
 * Moves a delivery to `status` if it is still in one of `from`; records the event. `finishing`: the
 * job whose outbox row goes with this statement (its last), whether or not the delivery moved.
 */
export async function setDeliveryStatus(
  db: Db,
  d: DeliveryKey,
  status: DeliveryStatus,
  from: DeliveryStatus[],
  error: string | null = null,
  finishing?: string,
): Promise<boolean> {
  const rows = await db.sql`
    with u as (
      update deliveries set status = ${status}, error = ${error}, updated_at = now()
      where id = ${d.id} and status in ${db.sql(from)} returning request_id
    ), e as (
      insert into events (request_id, type, data)
      select request_id, ${`delivery.${status}`}, ${db.sql.json({ channel: d.channel, to: d.to, error, actor: d.channel })}::jsonb from u
    ), f as (
      delete from outbox where job_id = ${finishing ?? null}
    )
    select 1 from u`;
  return rows.length > 0;
}

/** The last error of a try that will be retried, kept on the delivery and in the audit log. */
export async function recordError(db: Db, id: string, error: string): Promise<void> {
  await db.sql`
    with u as (
      update deliveries set error = ${error}, updated_at = now() where id = ${id} returning request_id, channel, "to", attempts
    )
    insert into events (request_id, type, data)
    select request_id, 'delivery.retry', jsonb_build_object('channel', channel, 'to', "to", 'error', ${error}::text, 'attempt', attempts, 'actor', channel) from u`;
}
