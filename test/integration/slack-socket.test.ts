// Socket Mode: the same listeners over Slack's WebSocket instead of POST /slack/events.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SlackChannel } from '../../channels/slack/index.js';
import { FakeSlack } from '../fakes/slack.js';
import { makeRequest, MemoryHub, startSlackChannel } from '../fakes/slack-hub.js';
import { waitFor } from '../helpers/services.js';
import { blockActions, viewSubmission } from '../fakes/slack-payloads.js';

const fake = new FakeSlack({ appToken: 'xapp-1-A0FAKEAPP-0000-fake' });
const hub = new MemoryHub();
let channel: SlackChannel;
let base: string;
let stopChannel: () => Promise<void>;

beforeAll(async () => {
  await fake.start();
  // No signing secret: Socket Mode does not need one.
  ({ channel, base, stop: stopChannel } = await startSlackChannel(fake, hub, { SLACK_APP_TOKEN: fake.socketMode!.appToken }));
});
afterAll(async () => {
  await stopChannel?.();
  await fake.stop();
});

const until = <T>(fn: () => T | undefined | false, ms = 5000) => waitFor(fn, ms);

describe('Socket Mode', () => {
  it('connects with the app token through SLACK_API_URL and mounts no HTTP route', async () => {
    const open = fake.callsTo('apps.connections.open');
    expect(open).toHaveLength(1);
    expect(open[0]!.token).toBe(fake.socketMode!.appToken);
    expect(fake.socketMode!.sockets.size).toBe(1);
    expect((await fetch(`${base}/slack/events`, { method: 'POST', body: 'payload=%7B%7D' })).status).toBe(404);
    expect((await channel.check()).detail).toContain('(Socket Mode)');
  });

  it('a click over the socket is acked and resolves the request', async () => {
    const req = hub.add(makeRequest());
    const ref = (await channel.deliver(req, 'C0APPROVALS', 0)) as { channel: string; ts: string };
    hub.delivered(req.id, 'C0APPROVALS', ref);
    const ack = await fake.socketMode!.send('interactive', blockActions(fake, { ...ref, user: 'U0BEN', actionId: 'sb:opt:0' }));
    expect(ack).toEqual({});
    await until(() => hub.requests.get(req.id)!.state === 'resolved');
    expect(hub.requests.get(req.id)!.response!.responder).toEqual({ channel: 'slack', id: 'U0BEN', name: 'Ben' });
    await until(() => JSON.stringify(fake.message(ref.channel, ref.ts)!.blocks).includes('Approved by <@U0BEN>'));
  });

  it('modal validation errors come back in the ack; a retried envelope does nothing twice', async () => {
    const req = hub.add(makeRequest({ type: 'form', options: [], fields: [{ name: 'n', label: 'N', type: 'number', required: true }] }));
    const ref = (await channel.deliver(req, 'C0APPROVALS', 0)) as { channel: string; ts: string };
    hub.delivered(req.id, 'C0APPROVALS', ref);
    await fake.socketMode!.send('interactive', blockActions(fake, { ...ref, user: 'U0ANA', actionId: 'sb:answer' }));
    const view = await until(() => [...fake.views.values()].find((v) => v.view.private_metadata.includes(req.id)));
    expect(await fake.socketMode!.send('interactive', viewSubmission(fake, view.id, { 'f:n': 'many' }))).toEqual({
      response_action: 'errors',
      errors: { 'f:n': 'Enter a number.' },
    });
    const good = viewSubmission(fake, view.id, { 'f:n': '4' });
    await fake.socketMode!.send('interactive', good);
    await fake.socketMode!.send('interactive', good, 1);
    await until(() => hub.requests.get(req.id)!.state === 'resolved');
    await new Promise((r) => setTimeout(r, 300));
    expect(hub.answers.filter((a) => a.requestId === req.id)).toEqual([{ requestId: req.id, fields: { n: 4 }, responder: { channel: 'slack', id: 'U0ANA', name: 'Ana' } }]);
  });
});
