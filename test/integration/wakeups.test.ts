// Wake-ups between processes: two Wakeups on one prefix and real Redis, as two hub processes have them.
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { redisConnection } from '../../src/jobs/queue.js';
import { Wakeups, type Wakeup } from '../../src/jobs/wakeups.js';
import { suffix, TEST_REDIS_URL, waitFor } from '../helpers/services.js';

const prefix = `sbtest_wake_${suffix()}`;
const connections: Redis[] = [];
const open = () => {
  const r = redisConnection(TEST_REDIS_URL);
  connections.push(r);
  return r;
};
let a: Wakeups;
let b: Wakeups;
let raw: Redis;
const messages: string[] = [];

beforeAll(async () => {
  a = new Wakeups(open(), open(), prefix);
  b = new Wakeups(open(), open(), prefix);
  await Promise.all([a.start(), b.start()]);
  raw = open();
  raw.on('message', (_channel: string, message: string) => messages.push(message));
  await raw.subscribe(`${prefix}:wakeups`);
});
afterAll(async () => {
  await Promise.all([a.stop(), b.stop()]);
  for (const r of connections) r.disconnect();
});

describe('wake-ups', () => {
  it('the wake-ups of one tick reach the other process each on its own, in one Redis message', async () => {
    const seen: Wakeup[] = [];
    const off = b.onAny((w) => seen.push(w));
    const one = b.next('req_one', 5000);
    const before = messages.length;
    await Promise.all(['req_one', 'req_two', 'req_three'].map((requestId) => a.publish({ requestId, event: 'request.created' })));
    expect(await one).toEqual({ requestId: 'req_one', event: 'request.created' });
    await waitFor(() => seen.length === 3, 5000, 'three wake-ups');
    off();
    expect(seen.map((w) => w.requestId)).toEqual(['req_one', 'req_two', 'req_three']);
    expect(messages.length - before).toBe(1);
  });

  it('a lone wake-up goes as an object; foreign messages on the channel wake nobody', async () => {
    const before = messages.length;
    const woken = b.next('req_alone', 5000);
    await a.publish({ requestId: 'req_alone', event: 'request.resolved' });
    expect(await woken).toEqual({ requestId: 'req_alone', event: 'request.resolved' });
    expect(JSON.parse(messages[before]!)).toEqual({ requestId: 'req_alone', event: 'request.resolved' });
    const seen: Wakeup[] = [];
    const off = b.onAny((w) => seen.push(w));
    const pub = open();
    await pub.publish(`${prefix}:wakeups`, 'not json');
    await pub.publish(`${prefix}:wakeups`, '[{"nope":1}, 42]');
    await a.publish({ requestId: 'req_after', event: 'request.cancelled' });
    await waitFor(() => seen.length > 0, 5000, 'the wake-up after the foreign ones');
    off();
    expect(seen).toEqual([{ requestId: 'req_after', event: 'request.cancelled' }]);
  });
});
