import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { DEFAULT_SCOPES, isScope, SCOPES, type Scope } from '../domain/scopes.js';
import { keyNameProblem } from '../domain/identity.js';
import type { Db } from './db.js';
import { newId } from './ids.js';

/** The name the bootstrap key (SWITCHBOARD_API_KEY) answers as: `api:SWITCHBOARD_API_KEY`. */
export const BOOTSTRAP_KEY_NAME = 'SWITCHBOARD_API_KEY';

/** A key name already held by an active key (names are API identities, so they are unique). */
export class KeyNameTaken extends Error {}

export const hashKey = (key: string) => createHash('sha256').update(key).digest('hex');

export interface ApiKeyInfo {
  id: string;
  name: string;
  prefix: string;
  created_at: Date;
  last_used_at: Date | null;
  revoked_at: Date | null;
  scopes: string[];
}

/**
 * Creates a key; the plain key is returned once and only its SHA-256 is stored. An API answer is
 * attributed to its key's name (`api:<name>`), so no two active keys share one.
 */
export async function createApiKey(db: Db, name: string, scopes: readonly Scope[] = DEFAULT_SCOPES): Promise<{ id: string; key: string }> {
  const badName = keyNameProblem(name);
  if (badName) throw new Error(badName);
  if (name === BOOTSTRAP_KEY_NAME) throw new KeyNameTaken(`the name ${BOOTSTRAP_KEY_NAME} is the bootstrap key's`);
  const key = `sb_${randomBytes(24).toString('base64url')}`;
  const id = newId('key');
  const inserted = await db.sql.begin(async (tx) => {
    await tx`select pg_advisory_xact_lock(hashtext('switchboard api key names'))`;
    return tx`
      insert into api_keys (id, name, hash, prefix, scopes)
      select ${id}, ${name}, ${hashKey(key)}, ${key.slice(0, 7)}, ${[...scopes]}::text[]
      where not exists (select 1 from api_keys where name = ${name} and revoked_at is null)
      returning id`;
  });
  if (inserted.length === 0) throw new KeyNameTaken(`an active key is already named ${name}; revoke it first or choose another name`);
  return { id, key };
}

export async function listApiKeys(db: Db): Promise<ApiKeyInfo[]> {
  return db.sql<ApiKeyInfo[]>`select id, name, prefix, created_at, last_used_at, revoked_at, scopes from api_keys order by created_at`;
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

export interface VerifiedKey {
  id: string;
  name: string;
  scopes: readonly Scope[];
}

/** Verifies a presented key: the bootstrap key from the environment (id "env", every scope), or a stored one. */
export function createKeyVerifier(db: Db, bootstrapKey: string | undefined) {
  const bootstrap = bootstrapKey ? Buffer.from(hashKey(bootstrapKey)) : undefined;
  const touched = new Map<string, number>();
  return async (presented: string): Promise<VerifiedKey | undefined> => {
    const hash = hashKey(presented);
    if (bootstrap && timingSafeEqual(bootstrap, Buffer.from(hash))) return { id: 'env', name: BOOTSTRAP_KEY_NAME, scopes: SCOPES };
    const [row] = await db.sql<{ id: string; name: string; scopes: string[] }[]>`
      select id, name, scopes from api_keys where hash = ${hash} and revoked_at is null`;
    if (!row) return undefined;
    const now = Date.now();
    if ((touched.get(row.id) ?? 0) < now - 60_000) {
      touched.set(row.id, now);
      db.sql`update api_keys set last_used_at = now() where id = ${row.id}`.catch(() => {});
    }
    return { id: row.id, name: row.name, scopes: row.scopes.filter(isScope) };
  };
}
