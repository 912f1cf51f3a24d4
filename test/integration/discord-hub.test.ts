// Discord end to end through the real core: API → Postgres → deliver job → fake Discord REST API; a
// signed click at POST /discord/interactions on the hub's own server → hub.respond → the signed webhook;
// settle jobs edit every Discord copy; a copy whose message was deleted fails with Discord's reason.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DISCORD_INTERACTIONS_PATH } from '../../channels/discord/index.js';
import { FakeDiscord, type FakeDiscordMessage } from '../fakes/discord.js';
import { WebhookReceiver } from '../fakes/webhook-receiver.js';
import { startTestHub, type TestHub } from '../helpers/harness.js';
import { waitFor } from '../helpers/services.js';

const fake = new FakeDiscord();
const hook = new WebhookReceiver();
let t: TestHub;

beforeAll(async () => {
  await fake.start();
  t = await startTestHub({
    env: { DISCORD_BOT_TOKEN: fake.token, DISCORD_PUBLIC_KEY: fake.signer.publicKeyHex, DISCORD_APPLICATION_ID: fake.applicationId, DISCORD_API_URL: fake.url },
  });
  await hook.start(t.webhookSecret);
});

afterAll(async () => {
  await t?.stop();
  await hook.stop();
  await fake.stop();
});

const get = async (id: string) => (await t.api('GET', `/v1/requests/${id}`)).body;
const endpoint = () => `${t.baseUrl}${DISCORD_INTERACTIONS_PATH}`;

/** The bot's message for this request in `channelId`, once the deliver job has posted it. */
const messageOf = (channelId: string, id: string) =>
  waitFor(() => fake.messagesIn(channelId).find((m) => JSON.stringify(m.message.components ?? []).includes(id)), 10_000, `the Discord message of ${id}`);
const componentsOf = (m: FakeDiscordMessage) => (fake.message(m.channelId, m.id)!.message.components as unknown[] | undefined) ?? [];

describe('Discord through the real hub', () => {
  it('refuses a recipient that is not a channel id or user:<id> at create', async () => {
    const res = await t.api('POST', '/v1/requests', { title: 'x', recipients: [{ channel: 'discord', to: '#approvals' }] });
    expect(res.status).toBe(422);
    expect(res.body.errors).toEqual([{ path: 'recipients.0.to', message: expect.stringMatching(/^not a Discord recipient/) }]);
  });

  it('create → delivered → a click resolves, the workflow gets its webhook, every copy is settled', async () => {
    const second = fake.addChannel('second');
    const res = await t.api('POST', '/v1/requests', {
      title: 'Deploy v2.3 to production?',
      body: 'Adds **retries**.',
      callback_url: hook.url,
      recipients: [{ channel: 'discord', to: fake.channel }, { channel: 'discord', to: second }, { channel: 'discord', to: `user:${fake.users.ben.user.id}` }],
      approvers: [`discord:${fake.users.ana.user.id}`],
    });
    expect(res.status).toBe(201);
    const { id } = res.body as { id: string };
    const main = await messageOf(fake.channel, id);
    await messageOf(second, id);
    await waitFor(() => fake.dmChannelOf(fake.users.ben.user.id), 10_000, 'the DM channel');
    await messageOf(fake.dmChannelOf(fake.users.ben.user.id)!, id);
    await waitFor(async () => (await get(id)).deliveries.every((d: { status: string }) => d.status === 'delivered'), 10_000, 'deliveries recorded');

    const refused = await fake.send(endpoint(), fake.click({ message: main, person: fake.users.eve, label: 'Approve' }));
    expect(refused.json).toMatchObject({ type: 4, data: { flags: 64, content: 'You are not an approver for this request.' } });
    const won = await fake.send(endpoint(), fake.click({ message: main, person: fake.users.ana, label: 'Approve' }));
    expect(won.json?.type).toBe(7);
    expect(won.refused).toBeUndefined();

    expect(await get(id)).toMatchObject({ state: 'resolved', response: { value: 'approve', responder: { channel: 'discord', id: fake.users.ana.user.id, name: 'Ana (ops)' } } });
    const webhook = await waitFor(() => hook.received.find((w) => w.json?.data?.id === id), 10_000, 'the webhook');
    expect(webhook).toMatchObject({ verified: true, json: { type: 'request.resolved' } });
    await waitFor(async () => (await get(id)).deliveries.every((d: { status: string }) => d.status === 'settled'), 15_000, 'deliveries settled');
    for (const channelId of [fake.channel, second, fake.dmChannelOf(fake.users.ben.user.id)!]) {
      const copy = fake.messagesIn(channelId).find((m) => JSON.stringify(m.message.embeds).includes(id))!;
      expect(componentsOf(copy)).toEqual([]);
      expect(JSON.stringify(copy.message.embeds)).toContain('Approved by');
    }
  });

  it('a copy deleted in Discord fails its settle with the reason', async () => {
    const res = await t.api('POST', '/v1/requests', { title: 'Rotate keys?', recipients: [{ channel: 'discord', to: fake.channel }] });
    const { id } = res.body as { id: string };
    const m = await messageOf(fake.channel, id);
    await waitFor(async () => (await get(id)).deliveries[0]?.status === 'delivered', 10_000, 'delivered');
    fake.deleteMessage(m.channelId, m.id);
    expect((await t.api('POST', `/v1/requests/${id}/cancel`, {})).status).toBe(200);
    const failed = await waitFor(async () => (await get(id)).deliveries.find((d: { status: string }) => d.status === 'failed'), 15_000, 'the delivery failed');
    expect(JSON.stringify(failed)).toMatch(/Unknown Message/);
  });

  it('/readyz shows the bot', async () => {
    const ready = (await (await fetch(`${t.baseUrl}/readyz`)).json()) as { channels: { name: string; on: boolean; check?: { ok: boolean; detail: string } }[] };
    expect(ready.channels.find((c) => c.name === 'discord')).toMatchObject({ on: true, check: { detail: expect.stringContaining('bot @Switchboard') as unknown } });
  });
});
