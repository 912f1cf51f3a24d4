import { EventEmitter } from 'node:events';
import type { Redis } from 'ioredis';

export interface Wakeup {
  requestId: string;
  event: string;
}

/** The local event for every wake-up; request ids never look like this. */
const ANY_REQUEST = '*';

/**
 * Redis pub/sub carries "request X changed" to every process, so a long-poll or SSE stream on one
 * process wakes when another process takes the answer. Listeners are local; one subscription each.
 * The wake-ups of one tick (a group commit's creates, a batch of expiries) leave as one message:
 * every process receives every message, so a message per wake-up cost each of them a parse and a
 * dispatch per change. A lone wake-up is sent as an object, several as an array.
 */
export class Wakeups {
  private readonly local = new EventEmitter();
  private readonly channel: string;
  private readonly closing = new AbortController();
  private batch: Wakeup[] = [];
  private sending: Promise<void> | undefined;

  constructor(
    private readonly pub: Redis,
    private readonly sub: Redis,
    prefix: string,
  ) {
    this.channel = `${prefix}:wakeups`;
    this.local.setMaxListeners(0);
  }

  async start(): Promise<void> {
    this.sub.on('message', (channel: string, message: string) => {
      // Most messages find nobody waiting here: skip the parse (every process receives every change).
      if (channel !== this.channel || this.local.eventNames().length === 0) return;
      let parsed: unknown;
      try {
        parsed = JSON.parse(message);
      } catch {
        return; // a foreign message on our channel; nothing to wake
      }
      for (const w of Array.isArray(parsed) ? parsed : [parsed]) {
        if (typeof (w as Partial<Wakeup> | null)?.requestId !== 'string') continue;
        this.local.emit((w as Wakeup).requestId, w);
        this.local.emit(ANY_REQUEST, w);
      }
    });
    await this.sub.subscribe(this.channel);
  }

  /** Sends `w` with the other wake-ups of this tick; settles once they are published. */
  publish(w: Wakeup): Promise<void> {
    this.batch.push(w);
    this.sending ??= new Promise<void>((resolve) => setImmediate(resolve)).then(async () => {
      const batch = this.batch;
      this.batch = [];
      this.sending = undefined;
      await this.pub.publish(this.channel, JSON.stringify(batch.length === 1 ? batch[0] : batch));
    });
    return this.sending;
  }

  /** Calls `fn` on every change of the request until the returned function is called. */
  on(requestId: string, fn: (w: Wakeup) => void): () => void {
    this.local.on(requestId, fn);
    return () => this.local.off(requestId, fn);
  }

  /** Calls `fn` on every change of any request (the console's live list) until the returned function is called. */
  onAny(fn: (w: Wakeup) => void): () => void {
    return this.on(ANY_REQUEST, fn);
  }

  /** Aborts when the process starts draining: long-polls answer now, SSE streams end. */
  get shutdown(): AbortSignal {
    return this.closing.signal;
  }

  /** Resolves on the next change of the request, or after `ms`, or when `signal` aborts or the process drains. */
  next(requestId: string, ms: number, signal?: AbortSignal): Promise<Wakeup | undefined> {
    const signals = [this.closing.signal, ...(signal ? [signal] : [])];
    return new Promise((resolve) => {
      const done = (w?: Wakeup) => {
        clearTimeout(timer);
        off();
        for (const s of signals) s.removeEventListener('abort', onAbort);
        resolve(w);
      };
      const onAbort = () => done();
      const off = this.on(requestId, done);
      const timer = setTimeout(done, ms);
      for (const s of signals) s.addEventListener('abort', onAbort);
      if (signals.some((s) => s.aborted)) done();
    });
  }

  /** Wakes every waiter so HTTP can close without holding long-polls and streams open. */
  drain(): void {
    this.closing.abort();
  }

  async stop(): Promise<void> {
    await this.sub.unsubscribe(this.channel).catch(() => {});
  }
}
