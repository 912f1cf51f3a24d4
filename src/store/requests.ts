import type { Request, RequestState, Response } from '../domain/types.js';
import { BOOTSTRAP_KEY_NAME } from './api-keys.js';
import type { Db, Sql } from './db.js';
import { closeFollowUps } from './close-follow-ups.js';
import { toRequest, type DeliveryRow, type RequestRow } from './rows.js';

export interface OutboxJob {
  job: 'deliver' | 'settle' | 'callback' | 'expire' | 'remind';
  job_id: string;
  payload: Record<string, unknown>;
  delay_until?: string | null;
  /**
   * A due-now job the writing process runs itself (see jobs/held-jobs.ts): written due this many
   * ms after the commit, so the relay takes it only if that process dies or gives it back.
   */
  hold_ms?: number;
}

/** An outbox job the committing process holds, to run it itself. */
export type HeldJob = Pick<OutboxJob, 'job_id' | 'payload'> & { job: 'deliver' | 'settle' };

export interface NewRequest {
  row: Record<string, unknown> & { id: string; api_key_id: string };
  /**
   * `inline` deliveries (nothing to post) are stored as delivered and settled by the claim, without jobs.
   * `attempts`: starts already counted (1 when the creating process holds the deliver job and starts it at once).
   */
  deliveries: { id: string; recipient_index: number; channel: string; to: string | null; status: 'queued' | 'delivered'; inline: boolean; attempts?: number }[];
  jobs: OutboxJob[];
}

/** A request row `r`'s deliveries and votes, aggregated as RequestRow has them. */
export const REQUEST_AGGREGATES = (sql: Sql) => sql`
    (select json_agg(d order by d.recipient_index) from deliveries d where d.request_id = r.id) as deliveries,
    (select json_agg(v order by v.id) from responses v where v.request_id = r.id) as votes`;

const SELECT_REQUEST = (sql: Sql) => sql`select r.*, ${REQUEST_AGGREGATES(sql)} from requests r`;

const JSONB_COLUMNS = new Set(['context', 'options', 'fields', 'recipients', 'approvers', 'on_timeout', 'metadata', 'reminders']);

/** In a create's statement: a delivery.delivered event for each inline delivery the CTE `d` inserted. */
export const deliveredEvents = (sql: Sql) =>
  sql`insert into events (request_id, type, data)
      select d.request_id, 'delivery.delivered', jsonb_build_object('channel', d.channel, 'to', d."to", 'actor', d.channel) from d where d.status = 'delivered'`;

type Owned<T> = T & { request_id: string };

/** Rows tagged with the request they belong to, for insertDeliveries and insertJobs. */
export const ownedBy = <T>(requestId: string, rows: readonly T[]): Owned<T>[] => rows.map((r) => ({ ...r, request_id: requestId }));

/**
 * In a statement whose CTE `parent` holds the requests it just wrote (column `id`): their delivery
 * rows, each naming its request, so one fragment serves a create, a group of creates and a reminder's
 * escalation (a request the CTE did not write gets none). Returns what deliveredEvents reads.
 */
export const insertDeliveries = (sql: Sql, parent: string, rows: readonly Owned<NewRequest['deliveries'][number]>[]) => sql`
  insert into deliveries (id, request_id, recipient_index, channel, "to", status, inline, attempts)
  select x.id, x.request_id, x.recipient_index, x.channel, x."to", x.status, x.inline, coalesce(x.attempts, 0)
  from jsonb_to_recordset(${sql.json(rows)}::jsonb)
    as x(id text, request_id text, recipient_index int, channel text, "to" text, status text, inline boolean, attempts int)
  join ${sql(parent)} p on p.id = x.request_id
  returning request_id, channel, "to", status`;

/** The same for outbox jobs (a job with neither `delay_until` nor `hold_ms` is due now). */
export const insertJobs = (sql: Sql, parent: string, rows: readonly Owned<OutboxJob>[]) => sql`
  insert into outbox (job, job_id, payload, delay_until)
  select x.job, x.job_id, x.payload, coalesce(x.delay_until, now() + x.hold_ms * interval '1 millisecond')
  from jsonb_to_recordset(${sql.json(rows as never)}::jsonb)
    as x(request_id text, job text, job_id text, payload jsonb, delay_until timestamptz, hold_ms int)
  join ${sql(parent)} p on p.id = x.request_id`;

/**
 * The request.created event's data for a just-inserted row `r` (insertRequest, insertRequests): how many
 * recipients, and the actor, the creating key by name (the bootstrap key, id "env", has no row).
 */
export const createdEventData = (sql: Sql) => sql`jsonb_build_object('recipients', jsonb_array_length(r.recipients),
  'actor', 'api:' || coalesce((select k.name from api_keys k where k.id = r.api_key_id), ${BOOTSTRAP_KEY_NAME}::text))`;

/**
 * Request, deliveries, outbox jobs and the created event in one statement (so one implicit
 * transaction). Returns the request as stored, as getRequest would read it right after (so the
 * caller needs no second round trip), or undefined when the Idempotency-Key was already used.
 */
export async function insertRequest(db: Db, n: NewRequest): Promise<Request | undefined> {
  const { sql } = db;
  const row = Object.fromEntries(
    Object.entries(n.row).map(([k, v]) => [k, JSONB_COLUMNS.has(k) && v !== null ? sql.json(v as never) : v]),
  );
  const rows = await sql`
    with r as (
      insert into requests ${sql(row as Record<string, never>)}
      on conflict (api_key_id, idempotency_key) where idempotency_key is not null do nothing
      returning id, api_key_id, recipients
    ), d as (
      ${insertDeliveries(sql, 'r', ownedBy(n.row.id, n.deliveries))}
    ), dd as (
      ${deliveredEvents(sql)}
    ), o as (
      ${insertJobs(sql, 'r', ownedBy(n.row.id, n.jobs))}
    ), e as (
      insert into events (request_id, type, data)
      select r.id, 'request.created', ${createdEventData(sql)} from r
    )
    select id from r`;
  return rows.length > 0 ? createdRequest(n) : undefined;
}

/** Columns a create leaves to their defaults, as a new row has them. */
const NEW_ROW_DEFAULTS = { callback_status: null, callback_attempts: 0, response: null, closed_at: null };

/**
 * A just-inserted request as getRequest would read it, built from what was written (so the insert
 * returns only ids, not every column to parse back): the deliveries inserted with it, no votes.
 */
export function createdRequest(n: NewRequest): Request {
  const deliveries = n.deliveries.map(
    (d): DeliveryRow => ({ id: d.id, channel: d.channel as DeliveryRow['channel'], to: d.to, status: d.status, error: null, ref: null, recipient_index: d.recipient_index }),
  );
  // Object.assign, not a spread: V8 took ~40 µs to spread this row with properties added (1.5 µs here).
  return toRequest(Object.assign({}, n.row, NEW_ROW_DEFAULTS, { deliveries, votes: [] }) as unknown as RequestRow);
}

export async function findByIdempotencyKey(db: Db, apiKeyId: string, key: string) {
  const rows = await db.sql<RequestRow[]>`
    ${SELECT_REQUEST(db.sql)} where r.api_key_id = ${apiKeyId} and r.idempotency_key = ${key}`;
  return rows[0];
}

export async function getRequest(db: Db, id: string): Promise<Request | undefined> {
  const rows = await db.sql<RequestRow[]>`${SELECT_REQUEST(db.sql)} where r.id = ${id}`;
  return rows[0] && toRequest(rows[0]);
}

/** Several requests in one round trip (in no particular order). */
export async function getRequests(db: Db, ids: string[]): Promise<Request[]> {
  if (ids.length === 0) return [];
  const rows = await db.sql<RequestRow[]>`${SELECT_REQUEST(db.sql)} where r.id in ${db.sql(ids)}`;
  return rows.map(toRequest);
}

export interface ListFilter {
  state?: RequestState;
  workflowId?: string;
  /** Requests with a delivery on this channel. */
  channel?: string;
  /** Case-insensitive substring of the title (ILIKE; no index: see listRequests). */
  titleContains?: string;
  before?: string;
  limit: number;
}

/** `%` and `_` in user text match themselves, not any character. */
const likePattern = (text: string) => `%${text.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;

/**
 * Newest first; `before` is the last id of the previous page (ids sort by creation time). The scan walks
 * the primary key backwards and stops at `limit` matches, so a title search needs no trigram index
 * until a rare title sits behind very many others.
 */
export async function listRequests(db: Db, f: ListFilter): Promise<Request[]> {
  const { sql } = db;
  const rows = await sql<RequestRow[]>`
    ${SELECT_REQUEST(sql)}
    where true
      ${f.state ? sql`and r.state = ${f.state}` : sql``}
      ${f.workflowId ? sql`and r.workflow_id = ${f.workflowId}` : sql``}
      ${f.channel ? sql`and exists (select 1 from deliveries d where d.request_id = r.id and d.channel = ${f.channel})` : sql``}
      ${f.titleContains ? sql`and r.title ilike ${likePattern(f.titleContains)}` : sql``}
      ${f.before ? sql`and r.id < ${f.before}` : sql``}
    order by r.id desc
    limit ${f.limit}`;
  return rows.map(toRequest);
}

export async function workflowHistory(db: Db, workflowId: string, limit: number): Promise<Request[]> {
  const rows = await db.sql<RequestRow[]>`
    ${SELECT_REQUEST(db.sql)}
    where r.workflow_id = ${workflowId} and r.state <> 'pending'
    order by r.closed_at desc limit ${limit}`;
  return rows.map(toRequest);
}

export interface Claim {
  id: string;
  state: Exclude<RequestState, 'pending'>;
  response: Response | null;
  /** Store this response as an accepted answer (a vote row) in the same statement. */
  recordResponse: boolean;
  eventType: string;
  eventData: Record<string, unknown>;
  /**
   * The winner sends the webhook at once; the outbox row is its durable backstop, due this long
   * after the commit (longer than one attempt may take), and removed when the attempt is recorded.
   */
  callbackBackstopMs: number;
  /** Hold the settle jobs for this process to run (see OutboxJob.hold_ms); unset: due now, for the relay. */
  holdJobsMs?: number;
}

export interface Claimed {
  request: Request;
  /** Outbox rows due now (settle jobs): the relay has work only when there are some. */
  queuedJobs: number;
  /** The settle jobs written held for this process (with `holdJobsMs`). */
  heldJobs: HeldJob[];
}

/**
 * The race. One conditional UPDATE decides; the response row, a settle job per delivery, the
 * callback job and the event ride on the same statement, so a winner never loses its follow-ups.
 * When this claim won, returns the request as it stands after this commit (read by the same
 * statement: the snapshot's deliveries and votes with what the statement itself changed) and how
 * many outbox rows it made due now; undefined when another claimant was first or the deadline passed.
 */
export async function claimRequest(sql: Sql, c: Claim): Promise<Claimed | undefined> {
  const r = c.response;
  const rows = await sql<(RequestRow & { queued_jobs: number; held_jobs: HeldJob[] | null })[]>`
    with c as (
      update requests set state = ${c.state}, response = ${r ? sql.json(r as never) : null}, closed_at = now(),
        callback_status = case when callback_url is null then null else 'pending' end
      where id = ${c.id} and state = 'pending'
        -- Past the deadline (database time) only the expiry may claim, whatever the expire job's lag.
        and (${c.state} = 'expired' or expires_at is null or expires_at > now())
      returning *
    ), v as (
      insert into responses (request_id, value, comment, fields, responder_channel, responder_id, responder_name)
      select c.id, ${r?.value ?? null}, ${r?.comment ?? null}, ${sql.json(r?.fields ?? {})}::jsonb,
        ${r?.responder.channel ?? ''}, ${r?.responder.id ?? ''}, ${r?.responder.name ?? null}
      from c where ${c.recordResponse}
      on conflict (request_id, responder_channel, responder_id) do nothing
      returning *
    ), ${closeFollowUps(sql, c.callbackBackstopMs, c.holdJobsMs)}, e as (
      insert into events (request_id, type, data) select c.id, ${c.eventType}, ${sql.json(c.eventData as never)}::jsonb from c
    )
    -- CTEs all see the statement's starting snapshot: the rows it changed come from their RETURNING.
    select c.*,
      (select json_agg(case when si.id is null then to_json(d) else to_json(si) end order by d.recipient_index)
        from deliveries d left join si on si.id = d.id where d.request_id = c.id) as deliveries,
      (select json_agg(x order by x.id) from (select * from responses where request_id = c.id union all select * from v) x) as votes,
      (select count(*) from s where s.delay_until is null)::int as queued_jobs,
      (select json_agg(json_build_object('job', s.job, 'job_id', s.job_id, 'payload', s.payload)) from s where s.delay_until is not null) as held_jobs
    from c`;
  const row = rows[0];
  return row && { request: toRequest(row), queuedJobs: row.queued_jobs, heldJobs: row.held_jobs ?? [] };
}

export async function recordEvent(sql: Sql, requestId: string, type: string, data: Record<string, unknown> = {}) {
  await sql`insert into events (request_id, type, data) values (${requestId}, ${type}, ${sql.json(data as never)})`;
}

/** recordEvent for a request id that came from outside: nothing is written when no such request exists. */
export async function recordEventIfRequest(sql: Sql, requestId: string, type: string, data: Record<string, unknown>) {
  await sql`insert into events (request_id, type, data)
    select id, ${type}, ${sql.json(data as never)} from requests where id = ${requestId}`;
}
