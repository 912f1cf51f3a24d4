import pino, { type Logger } from 'pino';

// Capability tokens (/r/<token>) are secrets: whoever holds one may answer. They reach the server
// in the URL, so every log line that could carry a URL goes through here.
const CAPABILITY_PATH = /\/r\/[^\s?#"'<>\\]+/g;

/** `text` with anything after "/r/" (up to a query, quote or space) replaced by "<redacted>". */
export function redactTokens(text: string): string {
  return text.replace(CAPABILITY_PATH, '/r/<redacted>');
}

/** A request URL as the request log shows it: the path without its query, capability tokens redacted. */
export function logPath(url: string): string {
  return redactTokens(url.split('?')[0]!);
}

function serializeReq(req: { method?: string; url?: string; id?: string }) {
  return { method: req.method, url: typeof req.url === 'string' ? logPath(req.url) : undefined, id: req.id };
}

function serializeErr(err: unknown): unknown {
  if (typeof err === 'string') return redactTokens(err);
  if (!(err instanceof Error)) return err;
  const out = pino.stdSerializers.err(err) as unknown as Record<string, unknown>;
  for (const [key, value] of Object.entries(out)) if (typeof value === 'string') out[key] = redactTokens(value);
  return out;
}

/** The HTTP server's logger: `req` and `err` (fastify's own error logs too) never print a capability token. */
export function httpLogger(log: Logger): Logger {
  return log.child({}, { serializers: { req: serializeReq, err: serializeErr } });
}
