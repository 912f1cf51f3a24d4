// One place that talks HTTP: fetch with a per-call time limit, problem+json turned into typed errors,
// and retries with backoff for calls that are safe to repeat. Web-standard globals only.
import { NetworkError, problemError, SwitchboardError, type Problem } from './errors.js';
import type { SwitchboardOptions } from './types.js';

const DEFAULT_REQUEST_TIMEOUT_MS = 30_000;
const FIRST_BACKOFF_MS = 250;
const MAX_BACKOFF_MS = 5_000;
/** A Retry-After longer than this is cut short: an agent should rather ask again than sleep for an hour. */
const MAX_RETRY_AFTER_MS = 60_000;
/** Statuses that say "this process cannot answer right now", not "this call is wrong". */
const RETRYABLE_STATUSES = new Set([429, 502, 503, 504]);

export interface Call {
  method: 'GET' | 'POST';
  /** Path and query, e.g. `/v1/requests/req_1?wait=60`. */
  path: string;
  body?: unknown;
  headers?: Record<string, string>;
  signal?: AbortSignal;
  /** The request the call is about, named in its errors. */
  requestId?: string;
  /** Time the hub may legitimately hold the call (a long-poll's wait) on top of the usual limit. */
  holdMs?: number;
  /** Tries in all (1 = no retry); network errors, 429, 502, 503 and 504 are retried. Only for calls safe to repeat. */
  attempts?: number;
}

export class Transport {
  readonly #base: string;
  readonly #apiKey: string;
  readonly #fetch: typeof fetch;
  readonly #timeoutMs: number;

  constructor(opts: SwitchboardOptions) {
    let url: URL;
    try {
      url = new URL(opts.url);
    } catch {
      throw new TypeError('Switchboard: `url` must be an absolute http(s) URL, e.g. http://localhost:8080');
    }
    if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new TypeError('Switchboard: `url` must be http or https');
    if (url.username || url.password) throw new TypeError('Switchboard: `url` must not carry credentials; pass the API key as `apiKey`');
    if (typeof opts.apiKey !== 'string' || opts.apiKey.trim() === '') throw new TypeError('Switchboard: `apiKey` is required');
    this.#base = url.href.replace(/\/+$/, '');
    this.#apiKey = opts.apiKey.trim();
    this.#fetch = opts.fetch ?? ((...args) => fetch(...args));
    this.#timeoutMs = opts.requestTimeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS;
  }

  /** The call's JSON answer; a typed SwitchboardError for a refusal, NetworkError when no answer came. */
  async call<T>(call: Call): Promise<T> {
    let backoffMs = FIRST_BACKOFF_MS;
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.#once<T>(call);
      } catch (err) {
        if (attempt >= (call.attempts ?? 1) || !isRetryable(err)) throw err;
        const retryAfterMs = err instanceof SwitchboardError ? Math.min(err.retryAfterMs ?? 0, MAX_RETRY_AFTER_MS) : 0;
        await sleep(Math.max(jitter(backoffMs), retryAfterMs), call.signal);
        backoffMs = Math.min(backoffMs * 2, MAX_BACKOFF_MS);
      }
    }
  }

  async #once<T>(call: Call): Promise<T> {
    call.signal?.throwIfAborted();
    const limitMs = this.#timeoutMs + (call.holdMs ?? 0);
    const limit = new AbortController();
    const timer = setTimeout(() => limit.abort(), limitMs);
    const signal = call.signal ? AbortSignal.any([call.signal, limit.signal]) : limit.signal;
    const what = `${call.method} ${call.path}`;
    let res: Response;
    let text: string;
    try {
      res = await this.#fetch(this.#base + call.path, {
        method: call.method,
        headers: {
          authorization: `Bearer ${this.#apiKey}`,
          accept: 'application/json, application/problem+json',
          ...(call.body !== undefined ? { 'content-type': 'application/json' } : {}),
          ...call.headers,
        },
        body: call.body === undefined ? undefined : JSON.stringify(call.body),
        signal,
      });
      text = await res.text();
    } catch (err) {
      call.signal?.throwIfAborted();
      if (limit.signal.aborted) throw new NetworkError(`${what}: no answer within ${limitMs} ms`, { cause: err });
      throw new NetworkError(`${what}: ${this.#redact(describe(err))}`, { cause: err });
    } finally {
      clearTimeout(timer);
    }
    const body = parseJson(text);
    if (res.ok) {
      if (body === undefined) throw new NetworkError(`${what}: the answer (HTTP ${res.status}) is not JSON`);
      return body as T;
    }
    const problem: Problem = isObject(body) ? body : { title: res.statusText || `HTTP ${res.status}` };
    throw problemError(res.status, problem, { requestId: call.requestId, retryAfterMs: parseRetryAfter(res.headers.get('retry-after')) });
  }

  #redact(text: string): string {
    return text.split(this.#apiKey).join('[redacted]');
  }
}

function isRetryable(err: unknown): boolean {
  return err instanceof NetworkError || (err instanceof SwitchboardError && RETRYABLE_STATUSES.has(err.status));
}

/** Between half and all of `ms`, so clients cut off together by a restart do not all come back at once. */
const jitter = (ms: number) => Math.round(ms * (0.5 + Math.random() / 2));

/** Waits `ms`, or throws the signal's reason as soon as it aborts. */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason as Error);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal!.reason as Error);
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

/** fetch's error and its cause's code (ECONNREFUSED, UND_ERR_SOCKET…), without the stack. */
function describe(err: unknown): string {
  const message = err instanceof Error ? err.message : String(err);
  const cause = err instanceof Error ? (err.cause as { code?: unknown; message?: unknown } | undefined) : undefined;
  const detail = typeof cause?.code === 'string' ? cause.code : typeof cause?.message === 'string' ? cause.message : '';
  return detail ? `${message} (${detail})` : message;
}

function parseJson(text: string): unknown {
  if (text === '') return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

const isObject = (v: unknown): v is Problem => typeof v === 'object' && v !== null && !Array.isArray(v);

/** `Retry-After` (seconds or an HTTP-date) in milliseconds. */
export function parseRetryAfter(header: string | null, now = Date.now()): number | undefined {
  if (header === null) return undefined;
  const value = header.trim();
  if (/^\d+$/.test(value)) return Number(value) * 1000;
  const at = Date.parse(value);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}
