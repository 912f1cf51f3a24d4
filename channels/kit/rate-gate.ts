// One gate in front of a platform's API, shared by every caller in the process: each call names the
// lanes it travels (a method, a method in one conversation), each lane paced as a token bucket with a
// burst (GCRA: one "theoretical arrival time" per lane), and a 429 holds a lane shut until its
// Retry-After has passed. A caller that would wait longer than it may is told how long instead, and
// with a ticket its place in the queue is kept for when it comes back (a retried job), so a flood is
// worked off in order rather than by whoever retries first. The clock is injected: pure and testable.
import { ChannelError } from '../channel.js';

export interface Pace {
  perMinute: number;
  /** Calls that may go at once after a quiet spell. */
  burst: number;
}

export interface Lane {
  key: string;
  /** Unpaced lanes are only ever held (after a 429). */
  pace?: Pace;
}

export type Admission = { go: true; waitMs: number } | { go: false; retryAfterMs: number };

export interface AdmitOptions {
  /** The longest this caller will wait in-process; beyond it the call is refused with the time to come back. */
  maxWaitMs: number;
  /** Names a caller that will come back when refused (e.g. a job's delivery id): its reserved slot is kept for it. */
  ticket?: string;
}

interface LaneState {
  /** Theoretical arrival time: when the bucket would be full again, given every slot handed out. */
  tat: number;
  /** Burst tolerance of the pace last seen for this lane, so a hold can restart the bucket empty. */
  tolerance: number;
  heldUntil: number;
  /** Sequence number of the last hold; anything reserved before it is void. */
  heldSeq: number;
}

interface Ticket {
  at: number;
  seq: number;
  keys: string[];
}

const PRUNE_EVERY = 256;
const TICKET_GRACE_MS = 60_000;

const defaultSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

export class RateGate {
  private readonly lanes = new Map<string, LaneState>();
  private readonly tickets = new Map<string, Ticket>();
  private seq = 0;
  private ops = 0;

  constructor(private readonly now: () => number = Date.now) {}

  /** May a call on these lanes go now, after a short wait, or not yet? Commits the slot unless refused without a ticket. */
  admit(lanes: readonly Lane[], opts: AdmitOptions): Admission {
    const now = this.now();
    if (++this.ops % PRUNE_EVERY === 0) this.prune(now);
    const reserved = opts.ticket ? this.claim(opts.ticket, lanes, now, opts.maxWaitMs) : undefined;
    if (reserved) return reserved;

    let start = now;
    for (const lane of lanes) {
      const s = this.lanes.get(lane.key);
      if (!s) continue;
      start = Math.max(start, s.heldUntil);
      if (lane.pace) start = Math.max(start, s.tat - tolerance(lane.pace));
    }
    const waitMs = start - now;
    const go = waitMs <= opts.maxWaitMs;
    if (go || opts.ticket) {
      for (const lane of lanes) if (lane.pace) this.take(lane.key, lane.pace, start, now);
    }
    if (go) return { go: true, waitMs };
    if (opts.ticket) this.tickets.set(opts.ticket, { at: start, seq: this.seq, keys: lanes.map((l) => l.key) });
    return { go: false, retryAfterMs: waitMs };
  }

  /** A 429: shut the lane for `ms`; it reopens with an empty bucket, and earlier reservations on it are void. */
  hold(key: string, ms: number): void {
    const now = this.now();
    const s = this.state(key, now);
    s.heldUntil = Math.max(s.heldUntil, now + ms);
    s.tat = s.heldUntil + s.tolerance;
    s.heldSeq = ++this.seq;
  }

  /**
   * Waits for the gate (at most `maxWaitMs`) or throws ChannelError('rate_limited') with the time to come
   * back. A hold that lands while it waits sends it round again, so nothing slips out under a fresh 429.
   */
  async pass(lanes: readonly Lane[], opts: AdmitOptions & { what: string }, sleep: (ms: number) => Promise<void> = defaultSleep): Promise<void> {
    for (;;) {
      const seq = this.seq;
      const admission = this.admit(lanes, opts);
      if (!admission.go) {
        const s = (admission.retryAfterMs / 1000).toFixed(1);
        throw new ChannelError('rate_limited', `${opts.what}: rate limited, retry in ${s} s`, admission.retryAfterMs);
      }
      if (admission.waitMs > 0) await sleep(admission.waitMs);
      if (!this.heldSince(lanes, seq)) return;
    }
  }

  private heldSince(lanes: readonly Lane[], seq: number): boolean {
    return lanes.some((l) => (this.lanes.get(l.key)?.heldSeq ?? 0) > seq);
  }

  /** A returning ticket-holder: its reserved time, unless a hold on one of its lanes voided the reservation. */
  private claim(ticket: string, lanes: readonly Lane[], now: number, maxWaitMs: number): Admission | undefined {
    const t = this.tickets.get(ticket);
    if (!t) return undefined;
    const sameLanes = lanes.length === t.keys.length && lanes.every((l) => t.keys.includes(l.key));
    if (!sameLanes || this.heldSince(lanes, t.seq)) {
      this.tickets.delete(ticket);
      return undefined;
    }
    const waitMs = Math.max(0, t.at - now);
    if (waitMs > maxWaitMs) return { go: false, retryAfterMs: waitMs };
    this.tickets.delete(ticket);
    return { go: true, waitMs };
  }

  private take(key: string, pace: Pace, at: number, now: number): void {
    const s = this.state(key, now);
    s.tolerance = tolerance(pace);
    s.tat = Math.max(s.tat, at) + interval(pace);
  }

  private state(key: string, now: number): LaneState {
    let s = this.lanes.get(key);
    if (!s) {
      s = { tat: now, tolerance: 0, heldUntil: 0, heldSeq: 0 };
      this.lanes.set(key, s);
    }
    return s;
  }

  /** Lanes whose bucket is full again and which are not held behave as new: forget them. */
  private prune(now: number): void {
    for (const [key, s] of this.lanes) if (s.tat <= now && s.heldUntil <= now) this.lanes.delete(key);
    for (const [id, t] of this.tickets) if (t.at + TICKET_GRACE_MS < now) this.tickets.delete(id);
  }
}

const interval = (pace: Pace) => 60_000 / pace.perMinute;
const tolerance = (pace: Pace) => Math.max(0, pace.burst - 1) * interval(pace);
