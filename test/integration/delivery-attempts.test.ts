// A delivery's starts are counted in Postgres before the channel posts, and the channel is told how
// many came before (so it can look for a post an interrupted start made); that count, not BullMQ's
// (which a stall or a lost Redis resets), is what ends a run of retries.
import { UnrecoverableError, type Worker } from 'bullmq';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ChannelError, type Channel, type DeliveryAttempt } from '../../channels/channel.js';
import type { ChannelRegistry } from '../../channels/index.js';
import type { JobContext } from '../../src/jobs/context.js';
import { deliverJob } from '../../src/jobs/messages.js';
import { JOB_ATTEMPTS, redisConnection } from '../../src/jobs/queue.js';
import { createWorker } from '../../src/jobs/worker.js';
import { FakeSlack } from '../fakes/slack.js';
import { startTestHub, type TestHub } from '../helpers/harness.js';
import { TEST_REDIS_URL, waitFor } from '../helpers/services.js';

const fake = new FakeSlack();
let t: TestHub;
beforeAll(async () => {
  await fake.start();
  // No workers: the test runs the deliver job itself, against a channel that records what it is told.
  t = await startTestHub({ workers: false, env: { SLACK_BOT_TOKEN: fake.token, SLACK_SIGNING_SECRET: 'attempts-signing-secret', SLACK_API_URL: fake.url } });
});
afterAll(async () => {
  await t?.stop();
  await fake.stop();
});

/**
 * A channel whose next `failures` posts are rate limited (or, with 'hang', never answer); records the
 * delivery each post was told.
 */
function recordingChannel(failures: number | 'hang') {
  const told: (DeliveryAttempt | undefined)[] = [];
  const channel = {
    name: 'slack',
    async deliver(_request, _to, _index, delivery) {
      told.push(delivery);
      if (failures === 'hang') return new Promise(() => {});
      if (told.length <= failures) throw new ChannelError('rate_limited', 'Slack chat.postMessage: rate limited', 0);
      return { channel: 'C0APPROVALS', ts: `1700000000.00000${told.length}` };
    },
  } as Pick<Channel, 'name' | 'deliver'> as Channel;
  const ctx = {
    db: t.app.db,
    hub: t.app.hub,
    log: pino({ level: 'silent' }),
    channels: { get: () => channel, offReason: () => undefined } as unknown as ChannelRegistry,
  } as Partial<JobContext> as JobContext;
  return { told, ctx };
}

async function slackRequest(): Promise<{ deliveryId: string }> {
  const res = await t.api('POST', '/v1/requests', { title: 'Deploy?', recipients: [{ channel: 'slack', to: 'C0APPROVALS' }] });
  expect(res.status).toBe(201);
  const [d] = await t.sql`select id from deliveries where request_id = ${res.body.id}`;
  return { deliveryId: d!.id };
}

function startWorker(ctx: JobContext): Worker {
  const connection = redisConnection(TEST_REDIS_URL);
  const worker = createWorker(ctx, connection, t.prefix, { concurrency: 1 });
  worker.on('closed', () => connection.disconnect());
  return worker;
}

const deliveryRow = async (id: string) => (await t.sql`select status, attempts, error from deliveries where id = ${id}`)[0]!;
const run = (attemptsMade: number) => ({ attemptsMade, maxAttempts: JOB_ATTEMPTS.deliver });

describe('delivery attempts', () => {
  it('counts each start before posting and tells the channel how many came before', async () => {
    const { deliveryId } = await slackRequest();
    const { told, ctx } = recordingChannel(2);
    await expect(deliverJob(ctx, { deliveryId }, run(0))).rejects.toThrow(/rate limited/);
    expect(await deliveryRow(deliveryId)).toMatchObject({ status: 'queued', attempts: 1, error: expect.stringMatching(/rate limited/) });
    await expect(deliverJob(ctx, { deliveryId }, run(1))).rejects.toThrow(/rate limited/);
    await deliverJob(ctx, { deliveryId }, run(2));
    expect(told).toEqual([0, 1, 2].map((attempt) => ({ id: deliveryId, attempt })));
    expect(await deliveryRow(deliveryId)).toMatchObject({ status: 'delivered', attempts: 3, error: null });

    // A delivered delivery is neither posted nor counted again.
    await deliverJob(ctx, { deliveryId }, run(0));
    expect(told).toHaveLength(3);
    expect((await deliveryRow(deliveryId)).attempts).toBe(3);
  });

  it('gives up when the starts counted in Postgres reach the budget, even on BullMQ\'s first try', async () => {
    const { deliveryId } = await slackRequest();
    // Earlier starts whose BullMQ jobs were lost (a Redis without its data, stalls after kill -9).
    await t.sql`update deliveries set attempts = ${JOB_ATTEMPTS.deliver - 1} where id = ${deliveryId}`;
    const { told, ctx } = recordingChannel(Infinity);
    await expect(deliverJob(ctx, { deliveryId }, run(0))).rejects.toBeInstanceOf(UnrecoverableError);
    expect(told).toEqual([{ id: deliveryId, attempt: JOB_ATTEMPTS.deliver - 1 }]);
    expect(await deliveryRow(deliveryId)).toMatchObject({ status: 'failed', attempts: JOB_ATTEMPTS.deliver, error: expect.stringMatching(/rate limited/) });
  });

  it('runs a start whose worker died mid-post again within about 10 s, telling the channel it is the second', async () => {
    const { deliveryId } = await slackRequest();
    const dying = recordingChannel('hang');
    const first = startWorker(dying.ctx);
    await waitFor(() => dying.told.some((d) => d?.id === deliveryId), 10_000, 'the first start');
    // As kill -9 leaves it: the job stays active with its lock, which nobody renews any more.
    await first.close(true);
    const died = Date.now();

    const next = recordingChannel(0);
    const second = startWorker(next.ctx);
    try {
      await waitFor(async () => (await deliveryRow(deliveryId)).status === 'delivered', 15_000, 'the delivery after the stall');
      expect(Date.now() - died).toBeLessThan(13_000);
      expect(next.told).toEqual([{ id: deliveryId, attempt: 1 }]);
      expect((await deliveryRow(deliveryId)).attempts).toBe(2);
    } finally {
      await second.close();
    }
  }, 30_000);
});
