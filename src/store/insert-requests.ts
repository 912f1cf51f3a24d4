import type { Request } from '../domain/types.js';
import type { Db } from './db.js';
import { createdEventData, createdRequest, deliveredEvents, type NewRequest } from './requests.js';
import type { RequestRow } from './rows.js';

/**
 * insertRequest for many requests in one statement (so one transaction): requests, deliveries,
 * outbox jobs and events as multi-row INSERTs, each table's rows sent as one JSON parameter.
 * Returns each request as stored, in input order, or undefined where its Idempotency-Key was
 * already used. The caller passes at most one request per (api key, Idempotency-Key), ordered by
 * that pair, so concurrent batches take the unique index's locks in one order.
 */
export async function insertRequests(db: Db, batch: readonly NewRequest[]): Promise<(Request | undefined)[]> {
  const { sql } = db;
  const columns = Object.keys(batch[0]!.row);
  // The column list below sits in a fragment of its own: right after `insert`, postgres.js would expand the names as values.
  const deliveries = batch.flatMap((n) => n.deliveries.map((d) => ({ ...d, request_id: n.row.id })));
  const jobs = batch.flatMap((n) => n.jobs.map((j) => ({ ...j, request_id: n.row.id })));
  // Same shape and order of statements as insertRequest, so each request's events come out the same.
  const rows = await sql<RequestRow[]>`
    with r as (
      insert into requests ${sql`(${sql(columns)})`}
      select ${sql(columns)} from jsonb_populate_recordset(null::requests, ${sql.json(batch.map((n) => n.row) as never)}::jsonb)
      on conflict (api_key_id, idempotency_key) where idempotency_key is not null do nothing
      returning *
    ), d as (
      insert into deliveries (id, request_id, recipient_index, channel, "to", status, inline)
      select x.id, r.id, x.recipient_index, x.channel, x."to", x.status, x.inline
      from jsonb_to_recordset(${sql.json(deliveries)}::jsonb)
        as x(id text, request_id text, recipient_index int, channel text, "to" text, status text, inline boolean)
      join r on r.id = x.request_id
      returning request_id, channel, "to", status
    ), dd as (
      ${deliveredEvents(sql)}
    ), o as (
      insert into outbox (job, job_id, payload, delay_until)
      select x.job, x.job_id, x.payload, x.delay_until
      from jsonb_to_recordset(${sql.json(jobs as never)}::jsonb)
        as x(request_id text, job text, job_id text, payload jsonb, delay_until timestamptz)
      join r on r.id = x.request_id
    ), e as (
      insert into events (request_id, type, data)
      select r.id, 'request.created', ${createdEventData(sql)} from r
    )
    select * from r`;
  const stored = new Map(rows.map((row) => [row.id, row]));
  return batch.map((n) => {
    const row = stored.get(n.row.id);
    return row && createdRequest(row, n);
  });
}
