// Pacing of Slack calls: a 429's Retry-After is waited out by every caller in the process (deliver jobs
// through the real hub and queue; settles and clicks through the channel), per-channel posting is paced
// with a burst, and a job that would wait long gives its slot back with rate_limited instead of holding it.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SlackChannel } from '../../channels/slack/index.js';
import { FakeSlack } from '../fakes/slack.js';
import { makeRequest, MemoryHub, startSlackChannel } from '../fakes/slack-hub.js';
import { blockActions, postPayload } from '../fakes/slack-payloads.js';
import { startTestHub, type TestHub } from '../helpers/harness.js';
import { waitFor } from '../helpers/services.js';

const SECRET = 'pacing-signing-secret-0123456789';

describe('through the real hub: deliver jobs and a 429', () => {
  const fake = new FakeSlack();
  let t: TestHub;

  beforeAll(async () => {
    await fake.start();
    fake.addChannel('C0PACED', 'paced');
    fake.addChannel('C0CALM', 'calm');
    t = await startTestHub({ env: { SLACK_BOT_TOKEN: fake.token, SLACK_SIGNING_SECRET: SECRET, SLACK_API_URL: fake.url } });
  });
  afterAll(async () => {
    await t?.stop();
    await fake.stop();
  });

  const create = async (to: string, title: string) => {
    const res = await t.api('POST', '/v1/requests', { title, recipients: [{ channel: 'slack', to }] });
    expect(res.status).toBe(201);
    return res.body.id as string;
  };
  const postsTo = (channel: string) => fake.callsTo('chat.postMessage').filter((c) => c.args.channel === channel);
  const delivered = async (id: string) => (await t.api('GET', `/v1/requests/${id}`)).body.deliveries[0];

  it('after a 429 with Retry-After 2, nothing more goes to that channel until it has passed; then every queued delivery goes out', async () => {
    fake.rateLimit('chat.postMessage', 1, 2, 'C0PACED');
    const first = await create('C0PACED', 'first');
    const limited = await waitFor(() => postsTo('C0PACED').find((c) => c.status === 429), 10_000, 'the 429');
    const windowEnds = limited.at + 2000;

    // Queued behind the 429, across jobs: five more requests to the same channel, one to another.
    const queued = [];
    for (let i = 0; i < 5; i++) queued.push(await create('C0PACED', `queued ${i}`));
    const calm = await create('C0CALM', 'another channel');

    const calmPost = await waitFor(() => postsTo('C0CALM').find((c) => c.status === 200), 5000, 'the other channel');
    expect(calmPost.at).toBeLessThan(windowEnds);
    await waitFor(async () => (await delivered(calm)).status === 'delivered', 5000, 'the other delivery recorded');

    const all = [first, ...queued];
    await waitFor(async () => (await Promise.all(all.map(delivered))).every((d) => d.status === 'delivered'), 20_000, 'all six delivered');
    const after = postsTo('C0PACED').filter((c) => c.at > limited.at);
    expect(after.filter((c) => c.at < windowEnds)).toEqual([]);
    expect(after.filter((c) => c.early)).toEqual([]);
    expect(after.map((c) => c.status)).toEqual([200, 200, 200, 200, 200, 200]);
    // Each request posted once, and recorded with that post.
    const messages = [...fake.messages.values()].filter((m) => m.channel === 'C0PACED');
    expect(messages).toHaveLength(6);
    for (const id of all) {
      const [row] = await t.sql`select ref from deliveries where request_id = ${id}`;
      expect(messages.filter((m) => JSON.stringify(m.blocks).includes(id)).map((m) => m.ts)).toEqual([row!.ref.ts]);
    }
  }, 40_000);
});

describe('through the channel: pacing, holds, and people who clicked', () => {
  const fake = new FakeSlack();
  const hub = new MemoryHub();
  let channel: SlackChannel;
  let events: string;
  let stop: () => Promise<void>;

  beforeAll(async () => {
    await fake.start();
    fake.addChannel('C0BURST', 'burst');
    fake.addChannel('C0HOLD', 'hold');
    const started = await startSlackChannel(fake, hub, { SLACK_SIGNING_SECRET: SECRET });
    ({ channel, stop } = started);
    events = `${started.base}/slack/events`;
  });
  afterAll(async () => {
    await stop?.();
    await fake.stop();
  });

  async function delivered(to: string) {
    const req = hub.add(makeRequest({ recipients: [{ channel: 'slack', to }] }));
    const ref = (await channel.deliver(req, to, 0)) as { channel: string; ts: string };
    hub.delivered(req.id, to, ref);
    return { req, ref };
  }

  it('a burst to one channel goes out at once; beyond it the pace holds, and a job that would wait long is refused without a call', async () => {
    const requests = Array.from({ length: 6 }, () => hub.add(makeRequest({ recipients: [{ channel: 'slack', to: 'C0BURST' }] })));
    const started = Date.now();
    const results = await Promise.allSettled(requests.map((r) => channel.deliver(r, 'C0BURST', 0)));
    const posts = fake.callsTo('chat.postMessage').filter((c) => c.args.channel === 'C0BURST');
    // Four at once (the burst), the fifth a second later, the sixth told to come back rather than wait 2 s.
    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'fulfilled', 'fulfilled', 'fulfilled', 'fulfilled', 'rejected']);
    expect(posts).toHaveLength(5);
    expect(posts.slice(0, 4).every((c) => c.at - started < 500)).toBe(true);
    expect(posts[4]!.at - started).toBeGreaterThanOrEqual(900);
    const refused = (results[5] as PromiseRejectedResult).reason;
    expect(refused).toMatchObject({ kind: 'rate_limited', retryable: true });
    expect(refused.retryAfterMs).toBeGreaterThan(1000);
    expect(refused.retryAfterMs).toBeLessThanOrEqual(2000);
  });

  it('after a 429 on chat.update, a settle is refused without calling Slack, and a click still updates its message once the window passes', async () => {
    const a = await delivered('C0HOLD');
    const b = await delivered('C0HOLD');
    fake.rateLimit('chat.update', 1, 2);
    const closedA = hub.close(a.req.id, 'cancelled', null);
    await expect(channel.settle(closedA, a.ref, { state: 'cancelled', response: null })).rejects.toMatchObject({ kind: 'rate_limited', retryAfterMs: 2000 });
    const limited = fake.callsTo('chat.update').at(-1)!;
    expect(limited.status).toBe(429);

    // Inside the window: the settle job is told to come back, and Slack sees nothing.
    await expect(channel.settle(closedA, a.ref, { state: 'cancelled', response: null })).rejects.toMatchObject({ kind: 'rate_limited' });
    expect(fake.callsTo('chat.update').at(-1)).toBe(limited);

    // Someone clicks meanwhile: the answer is taken at once, the in-place update waits for the window.
    await postPayload(events, blockActions(fake, { ...b.ref, user: 'U0ANA', actionId: 'sb:opt:0' }), { secret: SECRET });
    await waitFor(() => hub.requests.get(b.req.id)!.state === 'resolved', 5000, 'the click recorded');
    await waitFor(() => !fake.message(b.ref.channel, b.ref.ts)!.blocks.some((x: any) => x.type === 'actions'), 8000, 'the clicked message updated');
    const updates = fake.callsTo('chat.update').filter((c) => c.at > limited.at);
    expect(updates.every((c) => c.at >= limited.at + 2000 && c.status === 200)).toBe(true);
    expect(fake.ephemerals.filter((e) => e.user === 'U0ANA')).toEqual([]);
    await expect(channel.settle(closedA, a.ref, { state: 'cancelled', response: null })).resolves.toBeUndefined();
  }, 20_000);
});
