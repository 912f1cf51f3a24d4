import type postgres from 'postgres';
import type { JobName } from '../jobs/queue.js';
import type { Db } from './db.js';

type Tx = postgres.TransactionSql;

/**
 * The outbox holds every follow-up until its job is done: a row waits for `delay_until`, is put into
 * BullMQ by the relay (`enqueued_at` set), and is deleted when its job finishes. So Postgres, not
 * Redis, knows what work is unfinished.
 */
export interface OutboxRow {
  id: number;
  job: JobName;
  job_id: string;
  payload: Record<string, unknown>;
}

/**
 * Due rows not yet in BullMQ, locked for the caller's transaction. Expire rows are left out (and out
 * of outbox_due_idx): the expiry sweep expires due requests in batches and deletes their rows.
 */
export function lockDue(tx: Tx, limit: number): Promise<OutboxRow[]> {
  return tx<OutboxRow[]>`
    select id, job, job_id, payload from outbox
    where enqueued_at is null and job <> 'expire' and (delay_until is null or delay_until <= now())
    order by id limit ${limit} for update skip locked`;
}

/**
 * Rows in BullMQ that nobody has looked at for `olderThanMs`, oldest first, locked for the
 * caller's transaction (several processes may sweep; each takes other rows).
 */
export function lockStale(tx: Tx, olderThanMs: number, limit: number): Promise<OutboxRow[]> {
  return tx<OutboxRow[]>`
    select id, job, job_id, payload from outbox
    where enqueued_at is not null and enqueued_at < now() - ${olderThanMs} * interval '1 millisecond'
    order by enqueued_at limit ${limit} for update skip locked`;
}

/** Marks rows as put into (or found in) BullMQ just now. */
export async function markEnqueued(tx: Tx, ids: number[]): Promise<void> {
  if (ids.length > 0) await tx`update outbox set enqueued_at = now() where id in ${tx(ids)}`;
}

/** The job is done (or failed for good): its work leaves the outbox. */
export async function finishJob(db: Db, jobId: string): Promise<void> {
  await db.sql`delete from outbox where job_id = ${jobId}`;
}

/**
 * Jobs not in BullMQ fall due `ms` from now: a process renews the lease on the jobs it holds
 * (OutboxJob.hold_ms) this way, and gives them back to the relay with a short delay.
 */
export async function dueIn(db: Db, jobIds: string[], ms: number): Promise<void> {
  if (jobIds.length === 0) return;
  await db.sql`update outbox set delay_until = now() + ${ms} * interval '1 millisecond'
    where job_id = any(${jobIds}::text[]) and enqueued_at is null`;
}
