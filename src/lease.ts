// A Redis lease: one process at a time holds a key (SET NX PX with its own token), renews it while its
// work runs, and deletes it when done, each step checked against the token so a process can never renew
// or delete a lease another now holds. A holder that dies stops renewing: the key expires and a waiting
// process takes over within ttl + retry. A holder that cannot renew (Redis away) gives up before its key
// can expire, so two holders never overlap.
import { randomBytes } from 'node:crypto';
import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import type { Lease } from '../channels/channel.js';

const RENEW = `if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('pexpire', KEYS[1], ARGV[2]) else return 0 end`;
const RELEASE = `if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) else return 0 end`;

export interface LeaseTiming {
  /** How long a lease outlives its last renewal. */
  ttlMs: number;
  /** How often the holder renews (default ttl / 3). */
  renewMs?: number;
  /** How often a waiting process tries to take it (default ttl / 3). */
  retryMs?: number;
}

export const DEFAULT_LEASE_TIMING: LeaseTiming = { ttlMs: 15_000 };

export class RedisLease implements Lease {
  private readonly token = randomBytes(16).toString('hex');
  private readonly renewMs: number;
  private readonly retryMs: number;
  private loop?: Promise<void>;
  private controller?: AbortController;
  private stopped = false;
  private wake?: () => void;

  constructor(
    private readonly redis: Redis,
    private readonly key: string,
    private readonly log: Logger,
    private readonly timing: LeaseTiming = DEFAULT_LEASE_TIMING,
  ) {
    this.renewMs = timing.renewMs ?? Math.floor(timing.ttlMs / 3);
    this.retryMs = timing.retryMs ?? Math.floor(timing.ttlMs / 3);
  }

  get held(): boolean {
    return this.controller !== undefined && !this.controller.signal.aborted;
  }

  run(work: (signal: AbortSignal) => Promise<void>): void {
    if (this.loop) throw new Error(`lease ${this.key} already runs its work`);
    this.loop = this.contend(work);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.controller?.abort(new Error('lease stopped'));
    this.wake?.();
    await this.loop;
  }

  private async contend(work: (signal: AbortSignal) => Promise<void>): Promise<void> {
    while (!this.stopped) {
      const validUntil = await this.acquire();
      if (validUntil) await this.hold(work, validUntil);
      if (!this.stopped) await this.pause(this.retryMs);
    }
  }

  /** The local time until which the lease is surely ours, or undefined when another process holds it. */
  private async acquire(): Promise<number | undefined> {
    const sent = Date.now();
    try {
      const ok = await this.redis.set(this.key, this.token, 'PX', this.timing.ttlMs, 'NX');
      return ok === 'OK' ? sent + this.timing.ttlMs : undefined;
    } catch (err) {
      this.log.warn({ lease: this.key, err: (err as Error).message }, 'lease: could not reach Redis to take it');
      return undefined;
    }
  }

  private async hold(work: (signal: AbortSignal) => Promise<void>, validUntil: number): Promise<void> {
    const controller = new AbortController();
    this.controller = controller;
    this.log.info({ lease: this.key }, 'lease: taken');
    const renewing = this.renew(controller, validUntil);
    try {
      await work(controller.signal);
    } catch (err) {
      if (!controller.signal.aborted) this.log.error({ lease: this.key, err: (err as Error).message }, 'lease: its work failed');
    } finally {
      controller.abort(new Error('lease work ended'));
      await renewing;
      await this.release();
      this.controller = undefined;
    }
  }

  /**
   * Renews until the work ends. The work is aborted when another process holds the key, or when the
   * lease could expire before a renewal gets through (Redis away or slow): a little before `validUntil`.
   */
  private async renew(controller: AbortController, validUntil: number): Promise<void> {
    const signal = controller.signal;
    const giveUp = (until: number) =>
      setTimeout(() => {
        this.log.warn({ lease: this.key }, 'lease: could not renew in time; giving it up');
        controller.abort(new Error('lease could not be renewed'));
      }, until - Date.now() - this.timing.ttlMs / 10);
    let deadline = giveUp(validUntil);
    try {
      while (!signal.aborted) {
        await this.pause(this.renewMs, signal);
        if (signal.aborted) return;
        const sent = Date.now();
        const renewed = await this.redis.eval(RENEW, 1, this.key, this.token, String(this.timing.ttlMs)).catch((err: Error) => {
          this.log.warn({ lease: this.key, err: err.message }, 'lease: renewal failed; trying again');
          return undefined;
        });
        if (renewed === 1) {
          clearTimeout(deadline);
          deadline = giveUp(sent + this.timing.ttlMs);
        } else if (renewed === 0) {
          this.log.warn({ lease: this.key }, 'lease: lost to another process');
          controller.abort(new Error('lease lost'));
        }
      }
    } finally {
      clearTimeout(deadline);
    }
  }

  private async release(): Promise<void> {
    await this.redis.eval(RELEASE, 1, this.key, this.token).catch((err: Error) => {
      this.log.warn({ lease: this.key, err: err.message }, 'lease: could not give it back; it expires on its own');
    });
  }

  /** Sleeps `ms`, cut short by stop() or by `signal`. */
  private pause(ms: number, signal?: AbortSignal): Promise<void> {
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        signal?.removeEventListener('abort', done);
        resolve();
      };
      const timer = setTimeout(done, ms);
      signal?.addEventListener('abort', done, { once: true });
      if (!signal) this.wake = done;
    });
  }
}
