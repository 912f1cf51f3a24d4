import { MAX_REMINDER_STEPS } from '../domain/reminders.js';
import type { Sql } from './db.js';

/**
 * What every close writes with it, as CTEs over a CTE `c` of the requests just closed (columns
 * `id`, `callback_url`): a settle job per delivery that needs one, inline deliveries settled with
 * their events (CTE `si` returns the settled rows), the callback backstop row (due `backstopMs`
 * after the commit), and the expiry's and reminders' outbox rows dropped. Shared by the single claim and the batch expiry, so both owe the same work.
 * With `holdMs` the settle jobs are held for the closing process to run (OutboxJob.hold_ms); CTE `s` returns them.
 */
export function closeFollowUps(sql: Sql, backstopMs: number, holdMs?: number) {
  return sql`
    s as (
      insert into outbox (job, job_id, payload, delay_until)
      select 'settle', 'settle-' || d.id, jsonb_build_object('deliveryId', d.id, 'requestId', c.id),
        now() + ${holdMs ?? null}::int * interval '1 millisecond'
      from c join deliveries d on d.request_id = c.id where d.status <> 'failed' and not d.inline
      returning job, job_id, payload, delay_until
    ), si as (
      update deliveries d set status = 'settled', updated_at = now() from c
      where d.request_id = c.id and d.status = 'delivered' and d.inline
      returning d.*
    ), sie as (
      insert into events (request_id, type, data)
      select si.request_id, 'delivery.settled', jsonb_build_object('channel', si.channel, 'to', si."to", 'actor', si.channel) from si
    ), cb as (
      insert into outbox (job, job_id, payload, delay_until)
      select 'callback', 'callback-' || c.id, jsonb_build_object('requestId', c.id), now() + ${backstopMs} * interval '1 millisecond'
      from c where c.callback_url is not null
    ), x as (
      -- A closed request's expiry and reminder steps have nothing left to do: drop their rows rather than keep them until due.
      -- \`= any(array(…))\` probes outbox_job_idx per id; \`in (…) or in (…)\`, or a join the planner may
      -- hash, reads the whole outbox (every pending request's expire row) on every close.
      delete from outbox where job_id = any(array(
        select 'expire-' || c.id from c
        union all select 'remind-' || c.id || '.' || g from c, generate_series(0, ${MAX_REMINDER_STEPS - 1}) g))
    )`;
}
