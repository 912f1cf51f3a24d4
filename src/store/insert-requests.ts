import type { Request } from '../domain/types.js';
import type { Db } from './db.js';
import { createdEventData, createdRequest, deliveredEvents, insertDeliveries, insertJobs, ownedBy, type NewRequest } from './requests.js';

/**
 * insertRequest for many requests in one statement (so one transaction): requests, deliveries,
 * outbox jobs and events as multi-row INSERTs, each table's rows sent as one JSON parameter.
 * Returns each request as stored (built from what was written: see createdRequest), in input order,
 * or undefined where its Idempotency-Key was already used. The caller passes at most one request
 * per (api key, Idempotency-Key), ordered by that pair, so concurrent batches take the unique
 * index's locks in one order.
 */
export async function insertRequests(db: Db, batch: readonly NewRequest[]): Promise<(Request | undefined)[]> {
  const { sql } = db;
  const columns = Object.keys(batch[0]!.row);
  // The column list below sits in a fragment of its own: right after `insert`, postgres.js would expand the names as values.
  const deliveries = batch.flatMap((n) => ownedBy(n.row.id, n.deliveries));
  const jobs = batch.flatMap((n) => ownedBy(n.row.id, n.jobs));
  // Same shape and order of statements as insertRequest, so each request's events come out the same.
  const rows = await sql<{ id: string }[]>`
    with r as (
      insert into requests ${sql`(${sql(columns)})`}
      select ${sql(columns)} from jsonb_populate_recordset(null::requests, ${sql.json(batch.map((n) => n.row) as never)}::jsonb)
      on conflict (api_key_id, idempotency_key) where idempotency_key is not null do nothing
      returning id, api_key_id, recipients
    ), d as (
      ${insertDeliveries(sql, 'r', deliveries)}
    ), dd as (
      ${deliveredEvents(sql)}
    ), o as (
      ${insertJobs(sql, 'r', jobs)}
    ), e as (
      insert into events (request_id, type, data)
      select r.id, 'request.created', ${createdEventData(sql)} from r
    )
    select id from r`;
  const stored = new Set(rows.map((row) => row.id));
  return batch.map((n) => (stored.has(n.row.id) ? createdRequest(n) : undefined));
}
