/** What a censored value shows in the log. */
export const CENSORED = '[redacted]';

/** Keys whose value is a secret wherever they appear in a log line (to SECRET_DEPTH levels down). */
const SECRET_KEYS = new Set(['token', 'secret', 'apiKey', 'password', 'authorization']);
/** Top-level keys censored whole. */
const WHOLE_KEYS = new Set(['config']);
/** Deep enough for `req.headers.authorization`. */
const SECRET_DEPTH = 3;

const isPlainObject = (v: unknown): v is Record<string, unknown> => {
  if (v === null || typeof v !== 'object') return false;
  const proto = Object.getPrototypeOf(v) as unknown;
  return proto === Object.prototype || proto === null;
};

function censor(obj: Record<string, unknown>, depth: number): Record<string, unknown> {
  let out: Record<string, unknown> | undefined;
  for (const key of Object.keys(obj)) {
    const value = obj[key];
    let shown = value;
    if (SECRET_KEYS.has(key) || (depth === 1 && WHOLE_KEYS.has(key))) shown = CENSORED;
    else if (depth < SECRET_DEPTH && isPlainObject(value)) shown = censor(value, depth + 1);
    if (shown !== value) {
      out ??= { ...obj };
      out[key] = shown;
    }
  }
  return out ?? obj;
}

/**
 * A log line's object (or a child logger's bindings) with its secrets censored: every `token`,
 * `secret`, `apiKey`, `password` and `authorization` in plain objects up to three levels down, and
 * `config` whole. Only what holds a secret is copied; a line without one goes on as it is. (pino's
 * path redaction, with its wildcard paths, copied and serialized every value of every line again.)
 * Other objects (errors, requests) are left to their serializers.
 */
export function censorSecrets(obj: Record<string, unknown>): Record<string, unknown> {
  return censor(obj, 1);
}
