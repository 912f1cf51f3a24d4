// The channel kit's rate gate on a hand-turned clock: bursts pass, floods are paced, a 429 holds a lane
// for everyone, tickets keep a refused caller's place, and pass() waits or refuses.
import { describe, expect, it } from 'vitest';
import { ChannelError } from '../../channels/channel.js';
import { type Lane, RateGate } from '../../channels/kit/rate-gate.js';

function clock(start = 1_000_000) {
  const c = { t: start, now: () => c.t, advance: (ms: number) => void (c.t += ms) };
  return c;
}

const perSecond = (burst: number): Lane => ({ key: 'post:C1', pace: { perMinute: 60, burst } });
const JOB = { maxWaitMs: 1000 };

describe('RateGate pacing', () => {
  it('lets a burst through at once, then paces one per interval', () => {
    const c = clock();
    const gate = new RateGate(c.now);
    const lane = perSecond(3);
    const waits = Array.from({ length: 3 }, () => gate.admit([lane], JOB));
    expect(waits).toEqual([{ go: true, waitMs: 0 }, { go: true, waitMs: 0 }, { go: true, waitMs: 0 }]);
    expect(gate.admit([lane], JOB)).toEqual({ go: true, waitMs: 1000 });
    expect(gate.admit([lane], JOB)).toEqual({ go: false, retryAfterMs: 2000 });
    // After a quiet spell the burst is back.
    c.advance(10_000);
    expect(gate.admit([lane], JOB)).toEqual({ go: true, waitMs: 0 });
    expect(gate.admit([lane], JOB)).toEqual({ go: true, waitMs: 0 });
  });

  it('holds a sustained flood to the pace: no more than burst + rate × time', () => {
    const c = clock();
    const gate = new RateGate(c.now);
    const lane = perSecond(5);
    let sent = 0;
    for (let step = 0; step < 600; step++) {
      // Ten callers every 100 ms, each willing to wait nothing.
      for (let i = 0; i < 10; i++) if (gate.admit([lane], { maxWaitMs: 0 }).go) sent++;
      c.advance(100);
    }
    // 60 s of flood at 1/s with a burst of 5.
    expect(sent).toBeGreaterThanOrEqual(60);
    expect(sent).toBeLessThanOrEqual(5 + 60);
  });

  it('a refusal without a ticket takes no slot', () => {
    const c = clock();
    const gate = new RateGate(c.now);
    const lane = perSecond(1);
    expect(gate.admit([lane], { maxWaitMs: 0 })).toEqual({ go: true, waitMs: 0 });
    for (let i = 0; i < 5; i++) expect(gate.admit([lane], { maxWaitMs: 0 })).toEqual({ go: false, retryAfterMs: 1000 });
    c.advance(1000);
    expect(gate.admit([lane], { maxWaitMs: 0 })).toEqual({ go: true, waitMs: 0 });
  });

  it('a call waits for the slowest of its lanes', () => {
    const c = clock();
    const gate = new RateGate(c.now);
    const method: Lane = { key: 'update', pace: { perMinute: 30, burst: 1 } };
    expect(gate.admit([method, perSecond(5)], JOB)).toEqual({ go: true, waitMs: 0 });
    expect(gate.admit([method, perSecond(5)], { maxWaitMs: 5000 })).toEqual({ go: true, waitMs: 2000 });
  });
});

describe('RateGate holds (429)', () => {
  it('shuts the lane for Retry-After for every caller, then reopens it with an empty bucket', () => {
    const c = clock();
    const gate = new RateGate(c.now);
    const lane = perSecond(4);
    gate.admit([lane], JOB);
    gate.hold(lane.key, 3000);
    expect(gate.admit([lane], JOB)).toEqual({ go: false, retryAfterMs: 3000 });
    c.advance(2500);
    expect(gate.admit([lane], JOB)).toEqual({ go: true, waitMs: 500 });
    // No burst right after a 429: the next ones follow at the pace.
    expect(gate.admit([lane], { maxWaitMs: 5000 })).toEqual({ go: true, waitMs: 1000 + 500 });
  });

  it('a hold on one conversation leaves the others open; a hold on the method shuts them all', () => {
    const c = clock();
    const gate = new RateGate(c.now);
    const method: Lane = { key: 'chat.postMessage' };
    const inC1: Lane[] = [method, { key: 'chat.postMessage:C1', pace: { perMinute: 60, burst: 4 } }];
    const inC2: Lane[] = [method, { key: 'chat.postMessage:C2', pace: { perMinute: 60, burst: 4 } }];
    gate.hold('chat.postMessage:C1', 2000);
    expect(gate.admit(inC1, JOB)).toEqual({ go: false, retryAfterMs: 2000 });
    expect(gate.admit(inC2, JOB)).toEqual({ go: true, waitMs: 0 });
    gate.hold('chat.postMessage', 5000);
    expect(gate.admit(inC2, JOB)).toEqual({ go: false, retryAfterMs: 5000 });
    expect(gate.admit(inC1, JOB)).toEqual({ go: false, retryAfterMs: 5000 });
  });
});

describe('RateGate tickets', () => {
  it('gives refused callers successive slots, keeps them, and serves them in order', () => {
    const c = clock();
    const gate = new RateGate(c.now);
    const lane = perSecond(2);
    const jobs = Array.from({ length: 6 }, (_, i) => `dlv_${i}`);
    const first = jobs.map((ticket) => gate.admit([lane], { maxWaitMs: 0, ticket }));
    expect(first).toEqual([
      { go: true, waitMs: 0 },
      { go: true, waitMs: 0 },
      { go: false, retryAfterMs: 1000 },
      { go: false, retryAfterMs: 2000 },
      { go: false, retryAfterMs: 3000 },
      { go: false, retryAfterMs: 4000 },
    ]);
    // A newcomer queues behind them.
    expect(gate.admit([lane], { maxWaitMs: 0 })).toEqual({ go: false, retryAfterMs: 5000 });
    // Coming back too early keeps the place; on time, it goes without taking another slot.
    expect(gate.admit([lane], { maxWaitMs: 0, ticket: 'dlv_3' })).toEqual({ go: false, retryAfterMs: 2000 });
    for (const [i, ticket] of jobs.slice(2).entries()) {
      c.t = 1_000_000 + (i + 1) * 1000;
      expect(gate.admit([lane], { maxWaitMs: 0, ticket })).toEqual({ go: true, waitMs: 0 });
    }
    expect(gate.admit([lane], { maxWaitMs: 0 })).toEqual({ go: false, retryAfterMs: 1000 });
  });

  it('a hold voids the reservations made before it: their holders are paced again from its end', () => {
    const c = clock();
    const gate = new RateGate(c.now);
    const lane = perSecond(1);
    gate.admit([lane], { maxWaitMs: 0, ticket: 'a' });
    expect(gate.admit([lane], { maxWaitMs: 0, ticket: 'b' })).toEqual({ go: false, retryAfterMs: 1000 });
    expect(gate.admit([lane], { maxWaitMs: 0, ticket: 'c' })).toEqual({ go: false, retryAfterMs: 2000 });
    gate.hold(lane.key, 3000);
    c.advance(1000);
    expect(gate.admit([lane], { maxWaitMs: 0, ticket: 'b' })).toEqual({ go: false, retryAfterMs: 2000 });
    expect(gate.admit([lane], { maxWaitMs: 0, ticket: 'c' })).toEqual({ go: false, retryAfterMs: 3000 });
    c.advance(2000);
    expect(gate.admit([lane], { maxWaitMs: 0, ticket: 'b' })).toEqual({ go: true, waitMs: 0 });
    expect(gate.admit([lane], { maxWaitMs: 0, ticket: 'c' })).toEqual({ go: false, retryAfterMs: 1000 });
  });
});

describe('RateGate.pass', () => {
  const lane = perSecond(1);

  it('waits out a short delay on the injected clock, and refuses a long one with ChannelError rate_limited', async () => {
    const c = clock();
    const gate = new RateGate(c.now);
    const slept: number[] = [];
    const sleep = (ms: number) => {
      slept.push(ms);
      c.advance(ms);
      return Promise.resolve();
    };
    await gate.pass([lane], { ...JOB, what: 'Slack chat.postMessage' }, sleep);
    await gate.pass([lane], { ...JOB, what: 'Slack chat.postMessage' }, sleep);
    expect(slept).toEqual([1000]);
    gate.hold(lane.key, 4000);
    const err = await gate.pass([lane], { ...JOB, what: 'Slack chat.postMessage' }, sleep).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ChannelError);
    expect(err).toMatchObject({ kind: 'rate_limited', retryAfterMs: 4000, retryable: true, message: 'Slack chat.postMessage: rate limited, retry in 4.0 s' });
  });

  it('a 429 landing while a caller waits sends it round again instead of out under the hold', async () => {
    const c = clock();
    const gate = new RateGate(c.now);
    gate.admit([lane], JOB);
    let held = false;
    const sleep = (ms: number) => {
      c.advance(ms);
      if (!held) {
        held = true;
        gate.hold(lane.key, 3000);
      }
      return Promise.resolve();
    };
    // Admitted to wait 1 s; the hold (3 s) arrives during that second: refused for the whole hold.
    const err = await gate.pass([lane], { ...JOB, what: 'x' }, sleep).catch((e: unknown) => e);
    expect(err).toMatchObject({ kind: 'rate_limited', retryAfterMs: 3000 });
  });
});
