import { Deadline } from './deadline.js';
import { NetworkError, WaitTimeoutError } from './errors.js';
import { Transport } from './http.js';
import { askIdempotencyKey } from './idempotency.js';
import type {
  CallOptions,
  CancelOptions,
  CreateOptions,
  CreateRequestInput,
  ListFilter,
  RequestPage,
  RespondInput,
  SwitchboardOptions,
  SwitchboardRequest,
  WaitOptions,
} from './types.js';

/** The longest long-poll the hub accepts (`?wait=N`, N ≤ 60). */
const MAX_WAIT_SECONDS = 60;
/** Tries for calls that are safe to repeat but should not hang an agent for ever (reads, keyed creates). */
const SAFE_ATTEMPTS = 4;

const requestPath = (id: string) => `/v1/requests/${encodeURIComponent(id)}`;

/** A client of one Switchboard hub. */
export class Switchboard {
  readonly #http: Transport;

  constructor(opts: SwitchboardOptions) {
    this.#http = new Transport(opts);
  }

  /**
   * Creates a request. With an `idempotencyKey` the create is retried after network errors (the hub
   * returns the original request to a repeat); without one it is tried once, since a repeat could
   * create a second request.
   */
  create(request: CreateRequestInput, opts: CreateOptions = {}): Promise<SwitchboardRequest> {
    return this.#create(request, opts.idempotencyKey, opts.signal, opts.idempotencyKey ? SAFE_ATTEMPTS : 1);
  }

  get(id: string, opts: CallOptions = {}): Promise<SwitchboardRequest> {
    return this.#http.call({ method: 'GET', path: requestPath(id), requestId: id, signal: opts.signal, attempts: SAFE_ATTEMPTS });
  }

  /**
   * Waits until the request is no longer pending and returns it. Long-polls the hub and keeps
   * reconnecting through network errors and restarts; throws WaitTimeoutError after `timeoutMs`
   * and the signal's reason when it aborts.
   */
  async wait(id: string, opts: WaitOptions = {}): Promise<SwitchboardRequest> {
    const deadline = new Deadline(opts.timeoutMs, opts.signal);
    try {
      return await this.#waitUntilFinal(id, deadline, opts.timeoutMs);
    } finally {
      deadline.dispose();
    }
  }

  /**
   * Creates the request and waits for its outcome: the one call an agent needs. The create is keyed
   * (see askIdempotencyKey), so retrying it after a network error, or asking again after a crash
   * with the same workflow_id and checkpoint_id, never makes a second request.
   */
  async ask(request: CreateRequestInput, opts: WaitOptions = {}): Promise<SwitchboardRequest> {
    const deadline = new Deadline(opts.timeoutMs, opts.signal);
    try {
      const key = await askIdempotencyKey(request);
      let created: SwitchboardRequest;
      try {
        created = await this.#create(request, key, deadline.signal, Infinity);
      } catch (err) {
        if (!deadline.reached(err)) throw err;
        throw new NetworkError(`The hub did not take the request within ${opts.timeoutMs} ms; asking again with the same workflow_id and checkpoint_id is safe.`);
      }
      if (created.state !== 'pending') return created;
      return await this.#waitUntilFinal(created.id, deadline, opts.timeoutMs, created);
    } finally {
      deadline.dispose();
    }
  }

  /** Every request matching `filter`, newest first, walking the cursor pages as it goes. */
  async *list(filter: ListFilter = {}): AsyncGenerator<SwitchboardRequest, void, undefined> {
    let cursor: string | undefined;
    do {
      const page = await this.listPage({ ...filter, cursor });
      yield* page.data;
      cursor = page.next_cursor ?? undefined;
    } while (cursor);
  }

  /** One page of the list; pass `next_cursor` back as `cursor` for the next. */
  listPage(filter: ListFilter & { cursor?: string } = {}): Promise<RequestPage> {
    const query = new URLSearchParams();
    if (filter.state) query.set('state', filter.state);
    if (filter.workflow_id !== undefined) query.set('workflow_id', filter.workflow_id);
    if (filter.limit !== undefined) query.set('limit', String(filter.limit));
    if (filter.cursor) query.set('cursor', filter.cursor);
    const qs = query.toString();
    return this.#http.call({ method: 'GET', path: qs ? `/v1/requests?${qs}` : '/v1/requests', signal: filter.signal, attempts: SAFE_ATTEMPTS });
  }

  /** Cancels a pending request; a ClosedError (409, with `request`) if it was already closed. */
  cancel(id: string, opts: CancelOptions = {}): Promise<SwitchboardRequest> {
    const body = opts.reason === undefined ? {} : { reason: opts.reason };
    return this.#http.call({ method: 'POST', path: `${requestPath(id)}/cancel`, body, requestId: id, signal: opts.signal });
  }

  /**
   * Answers as this API key. Returns the request (resolved, or pending with the vote counted); a
   * ClosedError (409, with `request`) if it was already closed, ForbiddenError when the key is not
   * an approver, ValidationError when the answer does not fit the request.
   */
  respond(id: string, answer: RespondInput, opts: CallOptions = {}): Promise<SwitchboardRequest> {
    return this.#http.call({ method: 'POST', path: `${requestPath(id)}/responses`, body: answer, requestId: id, signal: opts.signal });
  }

  #create(request: CreateRequestInput, key: string | undefined, signal: AbortSignal | undefined, attempts: number): Promise<SwitchboardRequest> {
    const headers = key === undefined ? undefined : { 'idempotency-key': key };
    return this.#http.call({ method: 'POST', path: '/v1/requests', body: request, headers, signal, attempts });
  }

  async #waitUntilFinal(id: string, deadline: Deadline, timeoutMs: number | undefined, seen?: SwitchboardRequest): Promise<SwitchboardRequest> {
    let last = seen;
    try {
      for (;;) {
        // Within what is left (the deadline cuts the last second's poll short).
        const seconds = Math.max(1, Math.min(MAX_WAIT_SECONDS, Math.floor(deadline.remainingMs() / 1000)));
        last = await this.#http.call<SwitchboardRequest>({
          method: 'GET',
          path: `${requestPath(id)}?wait=${seconds}`,
          requestId: id,
          signal: deadline.signal,
          holdMs: seconds * 1000,
          attempts: Infinity,
        });
        if (last.state !== 'pending') return last;
      }
    } catch (err) {
      if (deadline.reached(err)) throw new WaitTimeoutError(id, timeoutMs ?? 0, last);
      throw err;
    }
  }
}
