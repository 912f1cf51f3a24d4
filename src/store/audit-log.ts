import type { Db } from './db.js';

/** One event of a request's audit trail, as stored: `actor` lifted out of the data. */
export interface AuditEntry {
  /** The event's bigserial id, as postgres.js reads an int8: a string of digits. */
  id: string;
  type: string;
  at: Date;
  actor: string | null;
  data: Record<string, unknown>;
}

/**
 * A request's events oldest first, those after event `after` (a previous page's last id), at most
 * `limit`; undefined when there is no such request. One round trip: the request's row, joined to its page.
 */
export async function readAuditLog(db: Db, requestId: string, after: string, limit: number): Promise<AuditEntry[] | undefined> {
  const rows = await db.sql<(AuditEntry | { id: null })[]>`
    select e.id, e.type, e.at, e.actor, e.data
    from requests r left join lateral (
      select id, type, created_at as at, data->>'actor' as actor, data - 'actor' as data
      from events where request_id = r.id and id > ${after}::int8 order by id limit ${limit}
    ) e on true
    where r.id = ${requestId}
    order by e.id`;
  if (rows.length === 0) return undefined;
  return rows.filter((r): r is AuditEntry => r.id !== null);
}
