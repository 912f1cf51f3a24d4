import { HUB_ACTOR } from '../domain/actors.js';
import { closeFollowUps } from './close-follow-ups.js';
import type { Sql } from './db.js';

export interface ExpiredRequest {
  id: string;
  queued: number;
}

/**
 * Expires up to `limit` pending requests whose deadline (database time) has passed, oldest deadline
 * first, in one statement: on_timeout stored as the response (as timeoutResponse builds it), the
 * event, and every follow-up a single claim writes (closeFollowUps). Rows another process is
 * expiring are skipped, so several processes share a burst. Returns the requests it expired, each
 * with the number of settle jobs it queued (none for a request whose deliveries need no settling).
 */
export async function expireOverdue(sql: Sql, limit: number, callbackBackstopMs: number): Promise<ExpiredRequest[]> {
  return sql<ExpiredRequest[]>`
    with due as (
      select id from requests where state = 'pending' and expires_at <= now()
      order by expires_at limit ${limit} for update skip locked
    ), c as (
      update requests r set state = 'expired', closed_at = now(),
        response = case when r.on_timeout is null then null else jsonb_build_object(
          'value', r.on_timeout->'value', 'comment', coalesce(r.on_timeout->'comment', 'null'::jsonb), 'fields', '{}'::jsonb,
          'responder', jsonb_build_object('channel', 'api', 'id', 'timeout', 'name', 'Timeout'),
          'responded_at', to_char(now() at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')) end,
        callback_status = case when r.callback_url is null then null else 'pending' end
      from due where r.id = due.id and r.state = 'pending'
      returning r.id, r.callback_url, r.on_timeout
    ), ${closeFollowUps(sql, callbackBackstopMs)}, e as (
      insert into events (request_id, type, data)
      select c.id, 'request.expired', jsonb_build_object('on_timeout', c.on_timeout, 'actor', ${HUB_ACTOR}::text) from c
    )
    select c.id, count(s.job)::int as queued from c left join s on s.payload->>'requestId' = c.id group by c.id`;
}
