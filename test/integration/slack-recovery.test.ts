// A delivery started again after an interrupted try: every post carries metadata naming its request and
// delivery, and a later attempt finds the earlier post (conversations.history with include_all_metadata)
// instead of posting a second copy — or, when it cannot look, posts anyway.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SlackChannel } from '../../channels/slack/index.js';
import { FakeSlack } from '../fakes/slack.js';
import { makeRequest, MemoryHub, startSlackChannel } from '../fakes/slack-hub.js';
import { waitFor } from '../helpers/services.js';

const fake = new FakeSlack();
const hub = new MemoryHub();
let channel: SlackChannel;
let stop: () => Promise<void>;
let seq = 0;

beforeAll(async () => {
  await fake.start();
  ({ channel, stop } = await startSlackChannel(fake, hub, { SLACK_SIGNING_SECRET: 'recovery-signing-secret-0123' }));
});
afterAll(async () => {
  await stop?.();
  await fake.stop();
});

/** A fresh channel per test keeps the per-channel pace of one test out of the next. */
function room(o: { member?: boolean } = {}): string {
  const id = `C0ROOM${++seq}`;
  fake.addChannel(id, `room-${seq}`, o);
  return id;
}

const request = (to: string) => hub.add(makeRequest({ recipients: [{ channel: 'slack', to }] }));
const postsIn = (to: string) => fake.callsTo('chat.postMessage').filter((c) => c.args.channel === to);
const messagesIn = (to: string) => [...fake.messages.values()].filter((m) => m.channel === to && m.bot_id);

describe('message metadata', () => {
  it('every post names its request and delivery in metadata', async () => {
    const to = room();
    const req = request(to);
    const ref = await channel.deliver(req, to, 0, { id: 'dlv_meta1', attempt: 0 });
    expect(fake.message(to, String(ref.ts))!.metadata).toEqual({ event_type: 'switchboard_request', event_payload: { request_id: req.id, delivery_id: 'dlv_meta1' } });
    // The first attempt does not look at history.
    expect(fake.callsTo('conversations.history').filter((c) => c.args.channel === to)).toEqual([]);
  });
});

describe('a later attempt', () => {
  it('finds the earlier post of its delivery and returns it instead of posting again', async () => {
    const to = room();
    const req = request(to);
    const first = await channel.deliver(req, to, 0, { id: 'dlv_again1', attempt: 0 });
    // Someone else's copy of the same request (another delivery) is not taken for ours.
    await channel.deliver(req, to, 1, { id: 'dlv_other1', attempt: 0 });
    const again = await channel.deliver(req, to, 0, { id: 'dlv_again1', attempt: 1 });
    expect(again).toEqual(first);
    expect(postsIn(to)).toHaveLength(2);
    const lookup = fake.callsTo('conversations.history').filter((c) => c.args.channel === to);
    expect(lookup).toHaveLength(1);
    expect(lookup[0]!.args).toMatchObject({ include_all_metadata: 'true', oldest: String(Math.floor(Date.parse(req.created_at) / 1000) - 60) });
  });

  it('pages back through a busy channel to find it', async () => {
    const to = room();
    const req = request(to);
    const first = await channel.deliver(req, to, 0, { id: 'dlv_busy1', attempt: 0 });
    for (let i = 0; i < 150; i++) fake.say(to, 'U0BEN', `chatter ${i}`);
    expect(await channel.deliver(req, to, 0, { id: 'dlv_busy1', attempt: 2 })).toEqual(first);
    expect(fake.callsTo('conversations.history').filter((c) => c.args.channel === to).length).toBe(2);
    expect(postsIn(to)).toHaveLength(1);
  });

  it('does not take a message from someone else that carries the same metadata', async () => {
    const to = room();
    const req = request(to);
    const forged = fake.say(to, 'U0EVE', 'looks like it');
    forged.metadata = { event_type: 'switchboard_request', event_payload: { request_id: req.id, delivery_id: 'dlv_forged1' } };
    const ref = await channel.deliver(req, to, 0, { id: 'dlv_forged1', attempt: 1 });
    expect(ref.ts).not.toBe(forged.ts);
    expect(messagesIn(to)).toHaveLength(1);
  });

  it('posts when there is no earlier post', async () => {
    const to = room();
    const req = request(to);
    const ref = await channel.deliver(req, to, 0, { id: 'dlv_none1', attempt: 1 });
    expect(messagesIn(to).map((m) => m.ts)).toEqual([ref.ts]);
  });

  it('finds an earlier DM to a user', async () => {
    const req = request('U0ANA');
    const first = await channel.deliver(req, 'U0ANA', 0, { id: 'dlv_dm1', attempt: 0 });
    expect(await channel.deliver(req, 'U0ANA', 0, { id: 'dlv_dm1', attempt: 1 })).toEqual(first);
    expect(postsIn(String(first.channel))).toHaveLength(1);
  });

  it('posts anyway when it cannot look: no history scope, a channel the bot never joined, a #name', async () => {
    const all = fake.scopes;
    fake.scopes = all.filter((s) => s !== 'channels:history');
    try {
      const to = room();
      const req = request(to);
      await channel.deliver(req, to, 0, { id: 'dlv_noscope1', attempt: 0 });
      await channel.deliver(req, to, 0, { id: 'dlv_noscope1', attempt: 1 });
      expect(messagesIn(to)).toHaveLength(2);
      expect(fake.callsTo('conversations.history').filter((c) => c.args.channel === to).at(-1)!.status).toBe(200);
    } finally {
      fake.scopes = all;
    }

    const outside = room({ member: false });
    const req = request(outside);
    await channel.deliver(req, outside, 0, { id: 'dlv_outside1', attempt: 1 });
    expect(messagesIn(outside)).toHaveLength(1);

    const before = fake.callsTo('conversations.history').length;
    const named = room();
    const byName = `#${fake.channels.get(named)}`;
    await channel.deliver(request(byName), byName, 0, { id: 'dlv_named1', attempt: 1 });
    expect(messagesIn(named)).toHaveLength(1);
    expect(fake.callsTo('conversations.history')).toHaveLength(before);
  });

  it('does not search history when every earlier start is known to have ended without posting (429s, the gate)', async () => {
    const to = room();
    const req = request(to);
    fake.rateLimit('chat.postMessage', 1, 1, to);
    let attempt = 0;
    await expect(channel.deliver(req, to, 0, { id: 'dlv_known1', attempt: attempt++ })).rejects.toMatchObject({ kind: 'rate_limited' });
    // Retried (as the job would) until the gate lets it through: a refusal is another start that posted nothing.
    const ref = await waitFor(() => channel.deliver(req, to, 0, { id: 'dlv_known1', attempt: attempt++ }).catch(() => undefined), 5000, 'the gate to open');
    expect(attempt).toBeGreaterThanOrEqual(2);
    expect(messagesIn(to).map((m) => m.ts)).toEqual([ref.ts]);
    expect(fake.callsTo('conversations.history').filter((c) => c.args.channel === to)).toEqual([]);
  });

  it('when the lookup is rate limited, retries later rather than risk a second post', async () => {
    const to = room();
    const req = request(to);
    await channel.deliver(req, to, 0, { id: 'dlv_limited1', attempt: 0 });
    fake.rateLimit('conversations.history', 1, 1);
    await expect(channel.deliver(req, to, 0, { id: 'dlv_limited1', attempt: 1 })).rejects.toMatchObject({ kind: 'rate_limited', retryAfterMs: 1000 });
    expect(messagesIn(to)).toHaveLength(1);
  });
});
