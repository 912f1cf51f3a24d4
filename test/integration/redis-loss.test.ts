// Losing Redis's data loses nothing but time: every unfinished job keeps its outbox row in Postgres
// until it is done, and the sweep queues again whatever Redis no longer has. Redis is "lost" by
// deleting the hub's keys (other tests share this Redis, so no FLUSHDB).
import type { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createQueue, redisConnection } from '../../src/jobs/queue.js';
import { FakeSlack } from '../fakes/slack.js';
import { WebhookReceiver } from '../fakes/webhook-receiver.js';
import { startTestHub, type TestHub } from '../helpers/harness.js';
import { dropRedisKeys, TEST_REDIS_URL, waitFor } from '../helpers/services.js';

const WEBHOOK_SECRET = 'whsec_' + Buffer.alloc(32, 9).toString('base64');
const fake = new FakeSlack();
const rx = new WebhookReceiver();
let env: Record<string, string>;
const stops: (() => Promise<void>)[] = [];

beforeAll(async () => {
  await fake.start();
  await rx.start(WEBHOOK_SECRET);
  env = { SLACK_BOT_TOKEN: fake.token, SLACK_SIGNING_SECRET: 'redis-loss-signing-secret', SLACK_API_URL: fake.url, SWITCHBOARD_WEBHOOK_SECRET: WEBHOOK_SECRET };
});
afterEach(async () => {
  for (const stop of stops.splice(0).reverse()) await stop();
});
afterAll(async () => {
  await rx.stop();
  await fake.stop();
});

async function hub(opts: Parameters<typeof startTestHub>[0] = {}): Promise<TestHub> {
  const t = await startTestHub({ env, ...opts });
  stops.push(() => t.stop());
  return t;
}

/** Stops a hub (its database stays) and starts another process of the same deployment on it. */
async function restart(old: TestHub, opts: Parameters<typeof startTestHub>[0] = {}): Promise<TestHub> {
  await old.app.stop();
  old.app.stop = async () => {}; // stopped already; old.stop() still drops the database and queue keys at the end
  return hub({ shareWith: old, ...opts });
}

// A process runs the deliveries and settles its own commits make due itself (held jobs); a try that
// fails waits in Postgres until due and then goes through BullMQ. These hubs send every job through
// BullMQ, so that a 429's retry waits in Redis.
const queued = { holdJobs: false };

/** A view of the hub's queue, to see what Redis holds. */
function queueOf(t: TestHub): Queue {
  const connection: Redis = redisConnection(TEST_REDIS_URL);
  const queue = createQueue(connection, t.prefix);
  stops.push(async () => {
    await queue.close();
    connection.disconnect();
  });
  return queue;
}

async function create(t: TestHub, body: Record<string, unknown>): Promise<string> {
  const res = await t.api('POST', '/v1/requests', { title: 'Deploy v2.3?', callback_url: rx.url, ...body });
  expect(res.status).toBe(201);
  return res.body.id;
}

const slackTo = { recipients: [{ channel: 'slack', to: 'C0APPROVALS' }] };
const webOnly = { recipients: [{ channel: 'web' }] };
const get = async (t: TestHub, id: string) => (await t.api('GET', `/v1/requests/${id}`)).body;
const deliveryOf = async (t: TestHub, id: string) => (await t.sql`select id, status, error, ref from deliveries where request_id = ${id}`)[0]!;
const slackMessagesOf = (id: string) => [...fake.messages.values()].filter((m) => JSON.stringify(m.blocks).includes(id));
const webhooksFor = (id: string) => rx.received.filter((w) => w.json?.data?.id === id);
const outboxRows = (t: TestHub) => t.sql`select job_id, enqueued_at from outbox order by id`;
const jobState = (q: Queue, jobId: string) => q.getJobState(jobId);

/** Decides a delivered Slack request while chat.update answers 429: its settle job waits in Redis. */
async function settleHeldBy429(t: TestHub, q: Queue, retryAfterSeconds: number): Promise<string> {
  const id = await create(t, slackTo);
  await waitFor(async () => (await deliveryOf(t, id)).status === 'delivered', 10_000, 'the Slack delivery');
  fake.rateLimit('chat.update', 1, retryAfterSeconds);
  expect((await t.api('POST', `/v1/requests/${id}/responses`, { value: 'approve' })).status).toBe(200);
  const settle = `settle-${(await deliveryOf(t, id)).id}`;
  await waitFor(async () => (await jobState(q, settle)) === 'delayed', 10_000, 'the settle held by a 429');
  await waitFor(() => webhooksFor(id).length === 1, 5000, 'the webhook of the decided request');
  return id;
}

/** A request whose chat.postMessage answered 429: its deliver job waits in Redis. */
async function deliveryHeldBy429(t: TestHub, q: Queue, retryAfterSeconds: number): Promise<string> {
  fake.rateLimit('chat.postMessage', 1, retryAfterSeconds);
  const id = await create(t, slackTo);
  const deliver = `deliver-${(await deliveryOf(t, id)).id}`;
  await waitFor(async () => (await jobState(q, deliver)) === 'delayed', 10_000, 'the delivery held by a 429');
  expect((await deliveryOf(t, id)).error).toMatch(/rate limited/);
  return id;
}

/** A decided request whose first webhook failed with 503 Retry-After: 2, so its retry is scheduled. */
async function webhookRetryScheduled(t: TestHub): Promise<string> {
  rx.answer({ status: 503, headers: { 'retry-after': '2' } });
  const id = await create(t, webOnly);
  await t.api('POST', `/v1/requests/${id}/responses`, { value: 'reject' });
  await waitFor(() => webhooksFor(id).length === 1, 5000, 'the failing first attempt');
  return id;
}

async function expectAllDone(t: TestHub, w: { delivered: string; settled: string; retried: string; expiring: string }): Promise<void> {
  await waitFor(async () => (await deliveryOf(t, w.delivered)).status === 'delivered', 15_000, 'the held delivery');
  expect(slackMessagesOf(w.delivered)).toHaveLength(1);
  await waitFor(async () => (await deliveryOf(t, w.settled)).status === 'settled', 15_000, 'the held settle');
  const { ref } = await deliveryOf(t, w.settled);
  expect(fake.message(ref.channel, ref.ts)!.blocks.some((b: any) => b.type === 'actions')).toBe(false);
  await waitFor(async () => (await get(t, w.retried)).callback.status === 'delivered', 15_000, 'the webhook retry');
  expect(webhooksFor(w.retried).map((h) => h.json.type)).toEqual(['request.resolved', 'request.resolved']);
  await waitFor(async () => (await get(t, w.expiring)).callback.status === 'delivered', 15_000, 'the expiry and its webhook');
  expect((await get(t, w.expiring)).state).toBe('expired');
  expect(webhooksFor(w.expiring).map((h) => h.json.type)).toEqual(['request.expired']);
  expect(webhooksFor(w.settled)).toHaveLength(1);
  // Nothing is left owed, so nothing more will be sent.
  await waitFor(async () => (await outboxRows(t)).length === 0, 5000, 'an empty outbox');
}

describe('losing Redis', () => {
  // Slack asks for 5 s; the jobs that would wake then are lost with Redis's data.
  async function workInEveryState(t: TestHub) {
    const q = queueOf(t);
    const settled = await settleHeldBy429(t, q, 5);
    const delivered = await deliveryHeldBy429(t, q, 5);
    const retried = await webhookRetryScheduled(t);
    const expiring = await create(t, { ...webOnly, timeout_seconds: 3 });
    const held = [`settle-${(await deliveryOf(t, settled)).id}`, `deliver-${(await deliveryOf(t, delivered)).id}`];
    // Still waiting out the 429s when Redis loses them (or this test would prove nothing).
    expect(await Promise.all(held.map((id) => jobState(q, id)))).toEqual(['delayed', 'delayed']);
    return { work: { delivered, settled, retried, expiring }, q, held };
  }

  it('a running hub finishes the work Redis lost: a delivery and a settle held by 429s, a webhook retry, an expiry', async () => {
    const t = await hub(queued);
    const { work, q, held } = await workInEveryState(t);

    await dropRedisKeys(`${t.prefix}:*`);
    expect(await Promise.all(held.map((id) => jobState(q, id)))).toEqual(['unknown', 'unknown']);

    await expectAllDone(t, work);
  });

  it('a hub restarted on an emptied Redis finishes the same work', async () => {
    const first = await hub(queued);
    const { work } = await workInEveryState(first);

    await dropRedisKeys(`${first.prefix}:*`);
    const second = await restart(first, queued);

    await expectAllDone(second, work);
  });

  it('a hub that runs its own jobs keeps their 429 retries in Postgres, so losing Redis loses none of them', async () => {
    const t = await hub();
    const settled = await create(t, slackTo);
    await waitFor(async () => (await deliveryOf(t, settled)).status === 'delivered', 10_000, 'the Slack delivery');
    fake.rateLimit('chat.update', 1, 3);
    fake.rateLimit('chat.postMessage', 1, 3);
    expect((await t.api('POST', `/v1/requests/${settled}/responses`, { value: 'approve' })).status).toBe(200);
    const delivered = await create(t, slackTo);
    await waitFor(async () => /rate limited/.test((await deliveryOf(t, settled)).error ?? ''), 10_000, 'the settle\'s 429');
    await waitFor(async () => /rate limited/.test((await deliveryOf(t, delivered)).error ?? ''), 10_000, 'the delivery\'s 429');
    const held = [`settle-${(await deliveryOf(t, settled)).id}`, `deliver-${(await deliveryOf(t, delivered)).id}`];
    // Given back for Slack's 3 s (the lease they were written with is 15 s), and not in Redis.
    const givenBack = async () =>
      (await t.sql`select 1 from outbox where job_id = any(${held}) and enqueued_at is null and delay_until < now() + interval '5 seconds'`).length === 2;
    await waitFor(givenBack, 5000, 'both retries due in Postgres after the 429s');
    const q = queueOf(t);
    expect(await Promise.all(held.map((id) => jobState(q, id)))).toEqual(['unknown', 'unknown']);

    await dropRedisKeys(`${t.prefix}:*`);

    await waitFor(async () => (await deliveryOf(t, delivered)).status === 'delivered', 15_000, 'the retried delivery');
    expect(slackMessagesOf(delivered)).toHaveLength(1);
    await waitFor(async () => (await deliveryOf(t, settled)).status === 'settled', 15_000, 'the retried settle');
    const { ref } = await deliveryOf(t, settled);
    expect(fake.message(ref.channel, ref.ts)!.blocks.some((b: any) => b.type === 'actions')).toBe(false);
    await waitFor(async () => (await outboxRows(t)).length === 0, 5000, 'an empty outbox');
  });

  it('a hub restarted on an emptied Redis runs the jobs the old one had queued but not started', async () => {
    // The first process runs no workers, so its jobs wait in Redis when Redis loses them.
    const first = await hub({ workers: false });
    const q = queueOf(first);
    const queued = await create(first, slackTo);
    const deliver = `deliver-${(await deliveryOf(first, queued)).id}`;
    rx.answer({ status: 500 });
    const retried = await create(first, webOnly);
    await first.api('POST', `/v1/requests/${retried}/responses`, { value: 'approve' });
    await waitFor(async () => (await jobState(q, deliver)) === 'waiting', 5000, 'the delivery waiting in Redis');
    await waitFor(async () => {
      const rows = await first.sql`select enqueued_at from outbox where job = 'callback' and payload->>'requestId' = ${retried}`;
      return rows.length === 1 && rows[0]!.enqueued_at !== null;
    }, 5000, 'the webhook retry waiting in Redis');

    await dropRedisKeys(`${first.prefix}:*`);
    const second = await restart(first);

    await waitFor(async () => (await deliveryOf(second, queued)).status === 'delivered', 15_000, 'the queued delivery');
    expect(slackMessagesOf(queued)).toHaveLength(1);
    await waitFor(async () => (await get(second, retried)).callback.status === 'delivered', 15_000, 'the webhook retry');
    expect(webhooksFor(retried).map((w) => w.json.type)).toEqual(['request.resolved', 'request.resolved']);
    await waitFor(async () => (await outboxRows(second)).length === 0, 5000, 'an empty outbox');
  });
});
