import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { InvalidError, notFound } from '../domain/errors.js';
import { issuesToErrors } from '../domain/request-schema.js';
import { readAuditLog, type AuditEntry } from '../store/audit-log.js';
import type { Db } from '../store/db.js';
import { ID_PATTERN } from '../store/ids.js';
import { needs } from './api-key-auth.js';

const logQuery = z.strictObject({
  limit: z.coerce.number().int().min(1).max(100).default(50),
  cursor: z.string().regex(/^[A-Za-z0-9_-]{1,40}$/, 'not a cursor from a previous page').optional(),
});

// Capability tokens (src/tokens.ts) decide requests; event data may hold one (an email's Message-ID is
// built on its recipient's compact token), so the log shows every token-shaped string cut.
const TOKEN_SHAPES = [
  /[a-z]+_[0-9a-z]{26}\.(?:w|\d{1,3})\.[A-Za-z0-9_-]{32}/g,
  /[0-9a-z]{26}-(?:w|\d{1,3})-[0-9a-z]{20}/gi,
];
const REDACTED = '[token]';

/** `value` with every capability token replaced; objects and arrays walked. */
export function withoutTokens(value: unknown): unknown {
  if (typeof value === 'string') return TOKEN_SHAPES.reduce((s, shape) => s.replace(shape, REDACTED), value);
  if (Array.isArray(value)) return value.map(withoutTokens);
  if (value && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, withoutTokens(v)]));
  return value;
}

const present = (e: AuditEntry) => ({ id: e.id, type: e.type, at: e.at.toISOString(), actor: e.actor, data: withoutTokens(e.data) });

const cursorOf = (id: string) => Buffer.from(id).toString('base64url');

function afterOf(cursor: string | undefined): string {
  if (cursor === undefined) return '0';
  const id = Buffer.from(cursor, 'base64url').toString();
  if (!/^\d{1,18}$/.test(id)) throw new InvalidError([{ path: 'cursor', message: 'not a cursor from a previous page' }], 'The request is not valid.');
  return id;
}

/** GET /requests/:id/log — a request's audit trail, oldest first, cursor-paged like the list; mounted inside /v1. */
export function registerAuditLog(v1: FastifyInstance, db: Db): void {
  v1.get<{ Params: { id: string } }>('/requests/:id/log', needs('requests:read'), async (req) => {
    const parsed = logQuery.safeParse(req.query ?? {});
    if (!parsed.success) throw new InvalidError(issuesToErrors(parsed.error), 'The request is not valid.');
    const { limit, cursor } = parsed.data;
    const entries = ID_PATTERN.test(req.params.id) ? await readAuditLog(db, req.params.id, afterOf(cursor), limit + 1) : undefined;
    if (!entries) throw notFound(`Request ${req.params.id}`);
    const page = entries.slice(0, limit);
    return { data: page.map(present), next_cursor: entries.length > limit ? cursorOf(page.at(-1)!.id) : null };
  });
}
