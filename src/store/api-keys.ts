import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { Db } from './db.js';
import { newId } from './ids.js';

export const hashKey = (key: string) => createHash('sha256').update(key).digest('hex');

export interface ApiKeyInfo {
  id: string;
  name: string;
  prefix: string;
  created_at: Date;
  last_used_at: Date | null;
  revoked_at: Date | null;
}

/** Creates a key; the plain key is returned once and only its SHA-256 is stored. */
export async function createApiKey(db: Db, name: string): Promise<{ id: string; key: string }> {
  const key = `sb_${randomBytes(24).toString('base64url')}`;
  const id = newId('key');
  await db.sql`insert into api_keys (id, name, hash, prefix) values (${id}, ${name}, ${hashKey(key)}, ${key.slice(0, 7)})`;
  return { id, key };
}

export async function listApiKeys(db: Db): Promise<ApiKeyInfo[]> {
  return db.sql<ApiKeyInfo[]>`select id, name, prefix, created_at, last_used_at, revoked_at from api_keys order by created_at`;
}

/** Revokes by id or name; returns how many keys it revoked. */
export async function revokeApiKey(db: Db, idOrName: string): Promise<number> {
  const rows = await db.sql`
    update api_keys set revoked_at = now() where (id = ${idOrName} or name = ${idOrName}) and revoked_at is null returning id`;
  return rows.length;
}

export async function countApiKeys(db: Db): Promise<number> {
  const [row] = await db.sql<{ n: number }[]>`select count(*)::int as n from api_keys`;
  return row?.n ?? 0;
}

/** Verifies a presented key: the bootstrap key from the environment (id "env"), or a stored one. */
export function createKeyVerifier(db: Db, bootstrapKey: string | undefined) {
  const bootstrap = bootstrapKey ? Buffer.from(hashKey(bootstrapKey)) : undefined;
  const touched = new Map<string, number>();
  return async (presented: string): Promise<{ id: string; name: string } | undefined> => {
    const hash = hashKey(presented);
    if (bootstrap && timingSafeEqual(bootstrap, Buffer.from(hash))) return { id: 'env', name: 'SWITCHBOARD_API_KEY' };
    const [row] = await db.sql<{ id: string; name: string }[]>`
      select id, name from api_keys where hash = ${hash} and revoked_at is null`;
    if (!row) return undefined;
    const now = Date.now();
    if ((touched.get(row.id) ?? 0) < now - 60_000) {
      touched.set(row.id, now);
      db.sql`update api_keys set last_used_at = now() where id = ${row.id}`.catch(() => {});
    }
    return row;
  };
}
