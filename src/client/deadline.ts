/** setTimeout fires at once for delays over 2^31 - 1 ms (about 24.8 days), so longer limits re-arm. */
const MAX_TIMER_MS = 2 ** 31 - 1;

/**
 * A caller's abort signal and an optional time limit as one signal. When the time runs out the
 * signal aborts with a private reason, so `reached(err)` can tell "out of time" from the caller's abort.
 */
export class Deadline {
  readonly signal: AbortSignal;
  readonly #at: number;
  readonly #reason = new Error('deadline reached');
  readonly #own = new AbortController();
  #timer: ReturnType<typeof setTimeout> | undefined;

  constructor(timeoutMs: number | undefined, signal?: AbortSignal) {
    if (timeoutMs !== undefined && !(timeoutMs >= 0)) throw new RangeError('timeoutMs must be a non-negative number of milliseconds');
    this.#at = timeoutMs === undefined ? Infinity : Date.now() + timeoutMs;
    if (timeoutMs !== undefined) this.#arm();
    this.signal = signal ? AbortSignal.any([signal, this.#own.signal]) : this.#own.signal;
  }

  #arm(): void {
    const left = this.#at - Date.now();
    if (left <= 0) return this.#own.abort(this.#reason);
    this.#timer = setTimeout(() => this.#arm(), Math.min(left, MAX_TIMER_MS));
  }

  /** Milliseconds left (Infinity without a limit). */
  remainingMs(): number {
    return Math.max(0, this.#at - Date.now());
  }

  /** Whether `err` is this deadline running out (and not the caller aborting). */
  reached(err: unknown): boolean {
    return err === this.#reason;
  }

  dispose(): void {
    clearTimeout(this.#timer);
  }
}
