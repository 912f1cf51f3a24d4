import { monitorEventLoopDelay, type IntervalHistogram } from 'node:perf_hooks';

export interface LoadLimits {
  /** p99 event-loop delay, in ms, in each of the last two sample periods (so a lone stall sheds nothing). 0: not checked. */
  eventLoopMs: number;
  /** Creates this process works on at once (received, not yet answered); more wait. 0: not checked. */
  pendingCreates: number;
  /** Due follow-up jobs not done yet (see outboxBacklog). 0: not checked. */
  outboxBacklog: number;
}

export type LoadReason = 'event_loop_delay' | 'pending_creates' | 'outbox_backlog';

export interface LoadStatus {
  shedding: boolean;
  reason: LoadReason | null;
  /** Why, in words, with the number and its limit. */
  detail: string | null;
  event_loop_delay_p99_ms: number;
  pending_creates: number;
  outbox_backlog: number;
}

export interface LoadMonitorOptions {
  limits: LoadLimits;
  /** Due outbox jobs, counted up to the cap it is given. */
  backlog: (cap: number) => Promise<number>;
  /** How often the event-loop delay is summarised and the backlog read again (default 500 ms). */
  sampleMs?: number;
}

/**
 * Samples this process's load: event-loop delay (a histogram summarised and reset every sample
 * period), creates in flight (counted by the caller) and the outbox backlog (read once a period, off
 * the request path). over() is cheap enough to ask on every create.
 */
export class LoadMonitor {
  pendingCreates = 0;
  private eventLoopP99Ms = 0;
  /** The lower p99 of the last two periods: over the limit only when the delay lasted. */
  private sustainedP99Ms = 0;
  private backlogCount = 0;
  private readonly histogram: IntervalHistogram = monitorEventLoopDelay({ resolution: 10 });
  private timer: NodeJS.Timeout | undefined;
  private reading = false;

  constructor(private readonly o: LoadMonitorOptions) {}

  start(): void {
    this.histogram.enable();
    this.timer = setInterval(() => this.sample(), this.o.sampleMs ?? 500);
    this.timer.unref();
  }

  stop(): void {
    clearInterval(this.timer);
    this.histogram.disable();
  }

  private sample(): void {
    const p99 = this.histogram.count > 0 ? this.histogram.percentile(99) / 1e6 : 0;
    this.sustainedP99Ms = Math.min(this.eventLoopP99Ms, p99);
    this.eventLoopP99Ms = p99;
    this.histogram.reset();
    const cap = this.o.limits.outboxBacklog;
    if (cap <= 0 || this.reading) return;
    this.reading = true;
    this.o
      .backlog(cap + 1)
      .then((n) => (this.backlogCount = n))
      .catch(() => {}) // the database's own trouble shows in /readyz; no number is no reason to shed
      .finally(() => (this.reading = false));
  }

  /** The first limit exceeded right now, or undefined. */
  over(): { reason: LoadReason; detail: string } | undefined {
    const { eventLoopMs, pendingCreates, outboxBacklog } = this.o.limits;
    if (eventLoopMs > 0 && this.sustainedP99Ms > eventLoopMs) {
      return { reason: 'event_loop_delay', detail: `event-loop delay p99 is ${Math.round(this.sustainedP99Ms)} ms (limit ${eventLoopMs} ms)` };
    }
    if (pendingCreates > 0 && this.pendingCreates >= pendingCreates) {
      return { reason: 'pending_creates', detail: `${this.pendingCreates} creates are in progress (at most ${pendingCreates})` };
    }
    if (outboxBacklog > 0 && this.backlogCount > outboxBacklog) {
      return { reason: 'outbox_backlog', detail: `more than ${outboxBacklog} follow-up jobs are waiting` };
    }
    return undefined;
  }

  status(): LoadStatus {
    const over = this.over();
    return {
      shedding: !!over,
      reason: over?.reason ?? null,
      detail: over?.detail ?? null,
      event_loop_delay_p99_ms: Math.round(this.eventLoopP99Ms * 10) / 10,
      pending_creates: this.pendingCreates,
      outbox_backlog: this.backlogCount,
    };
  }
}
