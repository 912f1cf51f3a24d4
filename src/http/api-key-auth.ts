import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Scope } from '../domain/scopes.js';
import type { VerifiedKey } from '../store/api-keys.js';
import { sendProblem } from './problem.js';

// API-key authentication shared by every API that takes a Switchboard key: /v1 and /humanlayer/v1.

declare module 'fastify' {
  interface FastifyRequest {
    apiKey?: VerifiedKey;
  }
  interface FastifyContextConfig {
    /** The scope an API key needs for this route; every route behind apiKeyAuth declares one. */
    scope?: Scope;
  }
}

/** Route options naming the scope a route needs. */
export const needs = (scope: Scope) => ({ config: { scope } });

/** Capability links decide requests: only keys that create requests (or administer) see them. */
export const mayShareLinks = (req: FastifyRequest) => !!req.apiKey?.scopes.some((s) => s === 'requests:write' || s === 'admin');

/** The key in `Authorization: Bearer <key>`, if the header has that form. */
export const bearerKey = (req: FastifyRequest): string | undefined => /^Bearer\s+(\S+)\s*$/i.exec(req.headers.authorization ?? '')?.[1];

/**
 * An onRequest hook: 401 without a valid `Authorization: Bearer <key>`, 403 when the key lacks the
 * route's scope; otherwise the key is on `req.apiKey`.
 */
export function apiKeyAuth(verifyKey: (key: string) => Promise<VerifiedKey | undefined>) {
  return async (req: FastifyRequest, reply: FastifyReply) => {
    const presented = bearerKey(req);
    const key = presented && (await verifyKey(presented));
    if (!key) {
      reply.header('www-authenticate', 'Bearer realm="switchboard"');
      return sendProblem(reply, 401, presented ? 'The API key is not valid or was revoked.' : 'Send an API key: Authorization: Bearer <key>.');
    }
    req.apiKey = key;
    if (req.is404) return;
    // Fails closed: a route that forgot to declare its scope is open to no key.
    const scope = req.routeOptions.config.scope;
    if (!scope || !key.scopes.includes(scope)) {
      return sendProblem(reply, 403, scope ? `This API key lacks the scope ${scope}.` : 'This route is not open to API keys.', scope ? { missing_scope: scope } : {});
    }
  };
}
