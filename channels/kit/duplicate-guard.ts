import type { ChannelContext } from '../channel.js';

/**
 * Platforms deliver again when unsure they were heard (Slack retries, Telegram re-sends an update):
 * the guard lets a delivery id through once per TTL across every hub process (ctx.once: Redis SET NX).
 * If Redis cannot answer, the delivery goes through: a repeat costs at most a second "already decided"
 * reply, since the hub's claim is idempotent, while a dropped answer would be lost.
 */
export class DuplicateGuard {
  constructor(
    private readonly ctx: Pick<ChannelContext, 'once' | 'log'>,
    private readonly ttlMs = 15 * 60 * 1000,
  ) {}

  /** True when `key` was already let through within the TTL; records it otherwise. */
  async isRepeat(key: string): Promise<boolean> {
    try {
      return !(await this.ctx.once(key, this.ttlMs));
    } catch (err) {
      this.ctx.log.warn({ err: (err as Error).message }, 'duplicate guard unavailable; letting the delivery through');
      return false;
    }
  }
}
