/** What an API key may do. Each /v1 route needs exactly one of these. */
export const SCOPES = ['requests:read', 'requests:write', 'responses:write', 'admin'] as const;
export type Scope = (typeof SCOPES)[number];

/** What `keys create` gives when --scopes is not given (and what keys made before scopes could do). */
export const DEFAULT_SCOPES: readonly Scope[] = ['requests:read', 'requests:write', 'responses:write'];

export const isScope = (s: string): s is Scope => (SCOPES as readonly string[]).includes(s);

export class ScopeError extends Error {}

/** Parses "a,b" (spaces allowed, duplicates dropped), in the order of SCOPES; unknown names throw naming them. */
export function parseScopes(text: string): Scope[] {
  const given = text.split(',').map((s) => s.trim()).filter(Boolean);
  if (given.length === 0) throw new ScopeError(`no scopes given; choose from ${SCOPES.join(', ')}`);
  const unknown = given.filter((s) => !isScope(s));
  if (unknown.length > 0) {
    const list = unknown.map((s) => `"${s}"`).join(', ');
    throw new ScopeError(`unknown scope${unknown.length > 1 ? 's' : ''} ${list}; choose from ${SCOPES.join(', ')}`);
  }
  return SCOPES.filter((s) => given.includes(s));
}
