import type postgres from 'postgres';

export interface SeedOptions {
  /** Seconds from now to each request's deadline (default: an hour). */
  expiresInSeconds?: number;
  /** Spread the deadlines evenly over this many seconds after the first one (default 0: all at once). */
  spreadSeconds?: number;
  callbackUrl?: string | null;
  onTimeout?: { value: string; comment?: string } | null;
  /** Distinguishes several seeds in one database (ids must differ). */
  batch?: number;
}

/**
 * `n` pending requests written straight into Postgres with `INSERT … SELECT generate_series` (fast
 * at a million, and nothing in the hub's memory), each with one web recipient (inline, delivered)
 * and its expire row in the outbox, as the create path writes them. Ids are valid and older than
 * any the API makes, so they sort after real ones.
 */
/** What the API gives an approval that names no options. */
const APPROVAL_OPTIONS = [
  { value: 'approve', label: 'Approve', style: 'primary' },
  { value: 'reject', label: 'Reject', style: 'danger' },
];

export async function seedPending(sql: postgres.Sql, n: number, o: SeedOptions = {}): Promise<void> {
  const expiresIn = o.expiresInSeconds ?? 3600;
  const spread = o.spreadSeconds ?? 0;
  const prefix = String(o.batch ?? 0).padStart(4, '0');
  const onTimeout = o.onTimeout ? sql.json(o.onTimeout) : null;
  await sql`
    insert into requests (id, state, type, title, options, recipients, timeout_seconds, on_timeout, callback_url, expires_at)
    select 'req_' || ${prefix} || lpad(g::text, 22, '0'), 'pending', 'approval', 'Seeded ' || g, ${sql.json(APPROVAL_OPTIONS)}::jsonb,
      '[{"channel":"web"}]'::jsonb, ${expiresIn}, ${onTimeout}::jsonb, ${o.callbackUrl ?? null},
      now() + ${expiresIn} * interval '1 second' + (g::float8 / ${n} * ${spread}) * interval '1 second'
    from generate_series(1, ${n}) g`;
  await sql`
    insert into deliveries (id, request_id, recipient_index, channel, status, inline)
    select 'dlv_' || ${prefix} || lpad(g::text, 22, '0'), 'req_' || ${prefix} || lpad(g::text, 22, '0'), 0, 'web', 'delivered', true
    from generate_series(1, ${n}) g`;
  await sql`
    insert into outbox (job, job_id, payload, delay_until)
    select 'expire', 'expire-' || r.id, jsonb_build_object('requestId', r.id), r.expires_at
    from requests r where r.id like ${`req_${prefix}%`} and r.state = 'pending'`;
  await sql`analyze requests, deliveries, outbox`;
}
