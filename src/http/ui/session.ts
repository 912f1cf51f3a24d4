import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { isScope, SCOPES, type Scope } from '../../domain/scopes.js';
import { BOOTSTRAP_KEY_NAME, hashKey, type VerifiedKey } from '../../store/api-keys.js';
import { activeKeyById } from '../../store/console.js';
import type { Db } from '../../store/db.js';

/** How long a console sign-in lasts. */
export const SESSION_TTL_S = 12 * 3600;

export interface Operator {
  keyId: string;
  name: string;
  scopes: readonly Scope[];
  /** Random per sign-in; the form token is derived from it. */
  nonce: string;
}

/**
 * Console sessions are a signed cookie: `<key id>.<expiry>.<nonce>.<mac>`. It holds no secret; the MAC
 * also covers the key's stored hash, so each request re-reads the key: a revoked (or, for the bootstrap
 * key, changed) key ends every session made with it. The key itself never reaches the browser.
 */
export function createSessions(db: Db, secret: string, bootstrapKey: string | undefined) {
  const sessionKey = createHmac('sha256', secret).update('switchboard console sessions').digest();
  const formKey = createHmac('sha256', secret).update('switchboard console forms').digest();
  const mac = (key: Buffer, payload: string) => createHmac('sha256', key).update(payload).digest('base64url');
  const same = (a: string, b: string) => a.length === b.length && timingSafeEqual(Buffer.from(a), Buffer.from(b));
  const bootstrapHash = bootstrapKey ? hashKey(bootstrapKey) : undefined;

  async function storedKey(keyId: string): Promise<{ name: string; hash: string; scopes: readonly Scope[] } | undefined> {
    if (keyId === 'env') return bootstrapHash ? { name: BOOTSTRAP_KEY_NAME, hash: bootstrapHash, scopes: SCOPES } : undefined;
    const row = await activeKeyById(db, keyId);
    return row && { name: row.name, hash: row.hash, scopes: row.scopes.filter(isScope) };
  }

  return {
    /** The cookie value for a key that was just verified. */
    async issue(key: VerifiedKey, now = Date.now()): Promise<string | undefined> {
      const stored = await storedKey(key.id);
      if (!stored) return undefined;
      const payload = `${key.id}.${Math.floor(now / 1000 + SESSION_TTL_S).toString(36)}.${randomBytes(16).toString('base64url')}`;
      return `${payload}.${mac(sessionKey, `${payload}.${stored.hash}`)}`;
    },
    async verify(cookie: string | undefined, now = Date.now()): Promise<Operator | undefined> {
      const m = cookie && /^(env|key_[0-9a-z]{26})\.([0-9a-z]{1,10})\.([A-Za-z0-9_-]{22})\.([A-Za-z0-9_-]{43})$/.exec(cookie);
      if (!m) return undefined;
      const [, keyId, expiry, nonce, given] = m as unknown as [string, string, string, string, string];
      if (parseInt(expiry, 36) * 1000 <= now) return undefined;
      const stored = await storedKey(keyId);
      if (!stored || !same(mac(sessionKey, `${keyId}.${expiry}.${nonce}.${stored.hash}`), given)) return undefined;
      return { keyId, name: stored.name, scopes: stored.scopes, nonce };
    },
    /** The CSRF token every console form carries: one per session. */
    formToken: (op: Operator) => mac(formKey, op.nonce),
    verifyFormToken: (op: Operator, token: string) => same(mac(formKey, op.nonce), token),
  };
}

export type Sessions = ReturnType<typeof createSessions>;

/** Signing in (and reading) needs requests:read or admin; every action is shown only to a key with its own scope, as in the API. */
export const maySignIn = (scopes: readonly Scope[]) => scopes.includes('admin') || scopes.includes('requests:read');
export const may = (op: Operator, scope: Scope) => op.scopes.includes(scope);
