import type { Logger } from 'pino';

/** Requests expired per statement. */
export const EXPIRY_CHUNK = 100;
/**
 * First webhook attempts a burst keeps in flight (below follow-ups.ts's cap of 256, leaving room for
 * live decisions): enough for ~2,500 webhooks/s at 50 ms a webhook, few enough that each attempt
 * finishes well within its timeout on a busy process (a timed-out attempt is sent again).
 */
const BURST_IN_FLIGHT = 128;
/** How long a chunk waits for room before going anyway (attempts beyond the cap are left to the backstop). */
const ROOM_WAIT_MS = 5000;

export interface ExpiryDeps {
  hub: { expireOverdue(limit: number): Promise<number> };
  followUps: { whenFewer(n: number, maxMs: number): Promise<void> };
  log: Logger;
}

/**
 * Expires what is overdue, straight from the requests' deadlines (an index on pending deadlines, so
 * each tick costs what is due, not what is pending): chunk after chunk, one UPDATE each, paced by
 * the first webhook attempts of the previous chunks so a burst of 100,000 deadlines neither floods
 * the process nor leaves its webhooks to the slower backstop. Every process sweeps; the chunks'
 * `skip locked` shares a burst between them.
 */
export class ExpirySweep {
  private running: Promise<void> | undefined;
  private timer: NodeJS.Timeout | undefined;
  private stopped = false;

  constructor(private readonly d: ExpiryDeps) {}

  start(everyMs: number): void {
    this.timer = setInterval(() => this.poke(), everyMs);
    this.timer.unref();
    this.poke();
  }

  poke(): void {
    if (this.running || this.stopped) return;
    this.running = this.drain()
      .catch((err) => this.d.log.warn({ err }, 'expiry sweep failed; the next tick will retry'))
      .finally(() => (this.running = undefined));
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearInterval(this.timer);
    await this.running;
  }

  private async drain(): Promise<void> {
    while (!this.stopped) {
      await this.d.followUps.whenFewer(BURST_IN_FLIGHT - EXPIRY_CHUNK, ROOM_WAIT_MS);
      if ((await this.d.hub.expireOverdue(EXPIRY_CHUNK)) < EXPIRY_CHUNK) return;
    }
  }
}
