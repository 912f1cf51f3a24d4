// Retry-After may lengthen a wait, never add attempts: webhooks keep their schedule's attempt count,
// channel retries keep BullMQ's, and a platform's Retry-After is honoured only up to a cap.
import { describe, expect, it } from 'vitest';
import { ChannelError } from '../../channels/channel.js';
import { backoffDelay, CHANNEL_RETRY_AFTER_MAX_MS } from '../../src/jobs/worker.js';
import { CALLBACK_SCHEDULE_MS, nextAttemptDelayMs } from '../../src/webhooks.js';

const SECOND = 1000;
const HOUR = 3600 * SECOND;
const noJitter = () => 0.5;

describe('nextAttemptDelayMs (webhooks)', () => {
  const schedule = [0, 100, 200, 400, 800];

  it('follows the schedule when the receiver gave no Retry-After', () => {
    expect(schedule.map((_, i) => nextAttemptDelayMs(i, undefined, schedule, noJitter))).toEqual(schedule);
  });

  it('never waits less than the schedule, however short the Retry-After', () => {
    expect(nextAttemptDelayMs(1, 0, schedule, noJitter)).toBe(100);
    expect(nextAttemptDelayMs(4, 0, schedule, noJitter)).toBe(800);
    expect(nextAttemptDelayMs(3, 50, CALLBACK_SCHEDULE_MS, noJitter)).toBe(30 * 60 * SECOND);
  });

  it('waits longer when Retry-After asks for more, up to 24 h', () => {
    expect(nextAttemptDelayMs(1, 5 * SECOND, schedule, noJitter)).toBe(5 * SECOND);
    expect(nextAttemptDelayMs(1, 7 * 24 * HOUR, schedule, noJitter)).toBe(24 * HOUR);
  });

  it('gives up when the schedule is spent, whatever Retry-After says', () => {
    expect(nextAttemptDelayMs(5, 0, schedule, noJitter)).toBeUndefined();
    expect(nextAttemptDelayMs(5, 10 * SECOND, schedule, noJitter)).toBeUndefined();
    expect(nextAttemptDelayMs(CALLBACK_SCHEDULE_MS.length, 0)).toBeUndefined();
  });

  it('makes exactly as many attempts as the schedule has steps when every answer is 429 Retry-After: 0', () => {
    let attempts = 0;
    while (attempts < 1000) {
      attempts += 1;
      if (nextAttemptDelayMs(attempts, 0, CALLBACK_SCHEDULE_MS) === undefined) break;
    }
    expect(attempts).toBe(CALLBACK_SCHEDULE_MS.length);
  });
});

describe('backoffDelay (channel jobs)', () => {
  const limited = (ms: number) => new ChannelError('rate_limited', 'Slack chat.postMessage: rate limited', ms);

  it("honours a platform's Retry-After", () => {
    expect(backoffDelay(1, 'channel', limited(30 * SECOND))).toBe(30 * SECOND);
  });

  it('caps a Retry-After of hours at 15 minutes', () => {
    expect(CHANNEL_RETRY_AFTER_MAX_MS).toBe(15 * 60 * SECOND);
    expect(backoffDelay(1, 'channel', limited(24 * HOUR))).toBe(CHANNEL_RETRY_AFTER_MAX_MS);
  });

  it('backs off exponentially without one, to at most 5 minutes', () => {
    const network = new ChannelError('network', 'ECONNRESET');
    expect(backoffDelay(1, 'channel', network)).toBeGreaterThanOrEqual(800);
    expect(backoffDelay(1, 'channel', network)).toBeLessThanOrEqual(1200);
    expect(backoffDelay(4, 'channel', network)).toBeGreaterThanOrEqual(6400);
    expect(backoffDelay(40, 'channel', network)).toBe(5 * 60 * SECOND);
  });
});
