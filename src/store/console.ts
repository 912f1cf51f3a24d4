import type { Db } from './db.js';

// The reads only the operator console (src/http/ui) makes.

export interface StoredKey {
  name: string;
  /** SHA-256 of the key, as api_keys stores it; a console session is bound to it. */
  hash: string;
  scopes: string[];
}

export async function activeKeyById(db: Db, id: string): Promise<StoredKey | undefined> {
  const [row] = await db.sql<StoredKey[]>`select name, hash, scopes from api_keys where id = ${id} and revoked_at is null`;
  return row;
}

export interface WebhookAttemptRow {
  id: string;
  attempt: number;
  status: number | null;
  latency_ms: number;
  error: string | null;
  at: Date;
}

export async function webhookAttempts(db: Db, requestId: string): Promise<WebhookAttemptRow[]> {
  return db.sql<WebhookAttemptRow[]>`
    select id, attempt, status, latency_ms, error, created_at as at
    from webhook_attempts where request_id = ${requestId} order by id`;
}
