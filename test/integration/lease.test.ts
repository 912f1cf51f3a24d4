// Redis leases on the real Redis, each contender on its own connection as a separate hub process would
// be: one holder at a time, handed over at once on release, taken over when the holder can no longer
// renew, and never renewed or released over another holder.
import { Redis } from 'ioredis';
import pino from 'pino';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import type { Hub, HttpRoutes } from '../../channels/channel.js';
import { RedisLease, type LeaseTiming } from '../../src/lease.js';
import { channelContext, type TestChannelContext } from '../fakes/channel-context.js';
import { dropRedisKeys, suffix, TEST_REDIS_URL, waitFor } from '../helpers/services.js';

const log = pino({ level: process.env.TEST_LOG_LEVEL ?? 'silent' });
const prefix = `sbtest_lease_${suffix()}`;
const connections: Redis[] = [];
const leases: RedisLease[] = [];

afterEach(async () => {
  await Promise.all(leases.splice(0).map((l) => l.stop()));
  await Promise.all(connections.splice(0).map((r) => r.quit().catch(() => r.disconnect())));
});
afterAll(() => dropRedisKeys(`${prefix}:*`));

function connection(): Redis {
  const redis = new Redis(TEST_REDIS_URL, { maxRetriesPerRequest: 1, commandTimeout: 500 });
  connections.push(redis);
  return redis;
}

/** One contender: its lease on its own connection, and what its work saw. */
function contender(key: string, timing: LeaseTiming) {
  const redis = connection();
  const lease = new RedisLease(redis, key, log, timing);
  leases.push(lease);
  const seen = { runs: 0, startedAt: 0, endedAt: 0, abortReason: '' };
  return { redis, lease, seen };
}

/** Runs every contender's work, counting how many run at once. */
function runAll(contenders: ReturnType<typeof contender>[]) {
  const state = { running: 0, most: 0 };
  for (const c of contenders) {
    c.lease.run(async (signal) => {
      state.running++;
      state.most = Math.max(state.most, state.running);
      c.seen.runs++;
      c.seen.startedAt = Date.now();
      await new Promise((resolve) => signal.addEventListener('abort', resolve, { once: true }));
      c.seen.abortReason = (signal.reason as Error).message;
      c.seen.endedAt = Date.now();
      state.running--;
    });
  }
  return state;
}

const keyFor = (name: string) => `${prefix}:lease:${name}`;
const holderOf = (contenders: ReturnType<typeof contender>[]) => contenders.find((c) => c.lease.held);

describe('RedisLease', () => {
  it('one holder at a time; a stopped holder gives it back and another takes it at once', async () => {
    const ttlMs = 5000;
    const contenders = [0, 1, 2].map(() => contender(keyFor('handover'), { ttlMs, retryMs: 50 }));
    const state = runAll(contenders);
    for (let round = 0; round < contenders.length; round++) {
      const holder = await waitFor(() => holderOf(contenders), 5000, 'a holder');
      expect(await holder.redis.exists(keyFor('handover'))).toBe(1);
      const released = Date.now();
      await holder.lease.stop();
      expect(holder.seen.abortReason).toBe('lease stopped');
      if (round < contenders.length - 1) {
        const next = await waitFor(() => holderOf(contenders), 5000, 'the next holder');
        // Released, not expired: the next holder did not wait out the TTL.
        expect(next.seen.startedAt - released).toBeLessThan(ttlMs / 2);
      }
    }
    expect(contenders.map((c) => c.seen.runs)).toEqual([1, 1, 1]);
    expect(state.most).toBe(1);
    expect(await contenders[0]!.redis.exists(keyFor('handover'))).toBe(0);
  });

  it('a holder that cannot renew stops its work before another process takes over', async () => {
    const timing = { ttlMs: 800, retryMs: 50 };
    const a = contender(keyFor('takeover'), timing);
    const b = contender(keyFor('takeover'), timing);
    const state = runAll([a]);
    await waitFor(() => a.lease.held, 5000, 'a to hold the lease');
    runAll([b]);
    // A dies as far as Redis can tell: its connection is gone, so it renews no more.
    a.redis.disconnect();
    await waitFor(() => b.lease.held, 5000, 'b to take over');
    expect(a.seen.abortReason).toBe('lease could not be renewed');
    expect(a.seen.endedAt).toBeLessThanOrEqual(b.seen.startedAt);
    expect(b.seen.startedAt - a.seen.startedAt).toBeLessThan(timing.ttlMs * 3);
    expect(state.most).toBe(1);
  });

  it('a holder whose key now belongs to another stops at its next renewal and leaves that key alone', async () => {
    const a = contender(keyFor('stolen'), { ttlMs: 900, retryMs: 5000 });
    runAll([a]);
    await waitFor(() => a.lease.held, 5000, 'a to hold the lease');
    await a.redis.set(keyFor('stolen'), 'another-process', 'PX', 60_000);
    await waitFor(() => a.seen.abortReason, 5000, 'a to learn it lost the lease');
    expect(a.seen.abortReason).toBe('lease lost');
    await waitFor(() => !a.lease.held, 5000, 'a to let go');
    expect(await a.redis.get(keyFor('stolen'))).toBe('another-process');
  });

  it('work that ends on its own gives the lease back, and it is taken again', async () => {
    const { lease, redis } = contender(keyFor('again'), { ttlMs: 5000, retryMs: 50 });
    let runs = 0;
    lease.run(() => {
      runs++;
      return Promise.resolve();
    });
    await waitFor(() => runs >= 2, 5000, 'a second run');
    await lease.stop();
    expect(await redis.exists(keyFor('again'))).toBe(0);
  });
});

describe('ChannelContext across processes', () => {
  const stub = { hub: {} as Hub, http: {} as HttpRoutes, config: {} };
  const contexts: TestChannelContext<object>[] = [];
  afterAll(async () => {
    await Promise.all(contexts.map((c) => c.close()));
  });
  const context = async (channel: 'slack' | 'telegram') => {
    const ctx = await channelContext({ ...stub, channel, prefix, leaseTiming: { ttlMs: 2000, retryMs: 50 } });
    contexts.push(ctx);
    return ctx;
  };

  it('once(): the first process to see a key wins, the other sees a repeat, until the TTL passes', async () => {
    const [a, b] = [await context('slack'), await context('slack')];
    const key = `trigger-${suffix()}`;
    expect(await a.once(key, 400)).toBe(true);
    expect(await b.once(key, 400)).toBe(false);
    expect(await a.once(key, 400)).toBe(false);
    // Keys are the channel's own: another channel's identical key is new.
    expect(await (await context('telegram')).once(key, 400)).toBe(true);
    await waitFor(() => b.once(key, 400), 5000, 'the key to expire');
  });

  it('lease(): two processes, one runs the loop; when its process closes, the other takes over', async () => {
    const [a, b] = [await context('telegram'), await context('telegram')];
    const running: string[] = [];
    for (const [name, ctx] of [['a', a], ['b', b]] as const) {
      ctx.lease('poller').run(async (signal) => {
        running.push(name);
        await new Promise((resolve) => signal.addEventListener('abort', resolve, { once: true }));
        running.splice(running.indexOf(name), 1);
      });
    }
    const first = await waitFor(() => running[0], 5000, 'a poller');
    expect(running).toHaveLength(1);
    await (first === 'a' ? a : b).close();
    await waitFor(() => running[0] !== undefined && running[0] !== first, 5000, 'the other poller');
    expect(running).toHaveLength(1);
  });
});
