import type { Db } from './db.js';

/**
 * Follow-up jobs that are due and not done yet (future expiries left out), counted only up to `cap`
 * so the count costs the same however deep the backlog is.
 */
export async function outboxBacklog(db: Db, cap: number): Promise<number> {
  // Two index reads (outbox_due_idx, outbox_enqueued_idx): a filter on delay_until alone reads
  // every pending request's future expire row. Due expire rows are the expiry sweep's, not jobs.
  const [row] = await db.sql<{ n: number }[]>`
    select least(count(*), ${cap})::int as n from (
      (select 1 from outbox where enqueued_at is null and job <> 'expire' and (delay_until is null or delay_until <= now()) limit ${cap})
      union all (select 1 from outbox where enqueued_at is not null limit ${cap})
    ) due`;
  return row?.n ?? 0;
}
