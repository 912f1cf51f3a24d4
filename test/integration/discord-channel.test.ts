// The Discord channel against the fake Discord REST API (test/fakes/discord.ts), through @discordjs/rest
// and the hub's real HTTP server, with an in-memory hub and real Redis for the duplicate guard. Every
// interaction is signed with an Ed25519 key pair made here, exactly as Discord signs them.
import pino from 'pino';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ChannelError } from '../../channels/channel.js';
import { discord, DISCORD_INTERACTIONS_PATH, type DiscordChannel, nonceOf, registerCommand } from '../../channels/discord/index.js';
import { NOT_APPROVER } from '../../src/domain/outcome-text.js';
import { outcomeOf, type Request } from '../../src/domain/types.js';
import { startPlugin, type StartedChannel } from '../channels/start.js';
import { FakeDiscord, type FakeDiscordMessage } from '../fakes/discord.js';
import { MemoryHub } from '../fakes/memory-hub.js';
import { makeRequest } from '../helpers/fixtures.js';
import { waitFor } from '../helpers/services.js';

const logLines: string[] = [];
const log = pino({ level: 'debug' }, { write: (line: string) => void logLines.push(line) });
const hub = new MemoryHub({ publicUrl: 'https://hub.example.com' });

let fake: FakeDiscord;
let started: StartedChannel;
let channel: DiscordChannel;
let endpoint: string;
let env: Record<string, string>;

beforeAll(async () => {
  fake = new FakeDiscord();
  await fake.start();
  env = {
    DISCORD_BOT_TOKEN: fake.token,
    DISCORD_PUBLIC_KEY: fake.signer.publicKeyHex,
    DISCORD_APPLICATION_ID: fake.applicationId,
    DISCORD_API_URL: fake.url,
    PUBLIC_URL: 'https://hub.example.com',
  };
  started = await startPlugin(discord, { env, hub, log });
  channel = started.channel as DiscordChannel;
  endpoint = `${started.base}${DISCORD_INTERACTIONS_PATH}`;
});

afterAll(async () => {
  await started?.stop();
  await fake?.stop();
});

afterEach(() => {
  hub.respondDelayMs = 0;
  fake.restoreAuth();
});

async function delivered(over: Partial<Request> = {}, to = fake.channel) {
  const req = hub.add(makeRequest({ recipients: [{ channel: 'discord', to }], created_at: new Date().toISOString(), ...over }));
  const ref = await channel.deliver(req, to, 0);
  hub.delivered(req.id, to, ref, 'discord');
  const message = () => fake.message(String(ref.channel_id), String(ref.message_id))!;
  return { req, ref, message };
}

const current = (id: string) => hub.requests.get(id)!;
const componentsOf = (m: FakeDiscordMessage) => (m.message.components as unknown[] | undefined) ?? [];
const embedText = (m: FakeDiscordMessage) => JSON.stringify(m.message.embeds);

describe('the interactions endpoint', () => {
  it('answers PING with PONG', async () => {
    const res = await fake.send(endpoint, fake.ping());
    expect(res.status).toBe(200);
    expect(res.json).toEqual({ type: 1 });
  });

  it('refuses a bad signature, a changed body and a stale timestamp with 401, writing nothing', async () => {
    const { req, message } = await delivered();
    const click = () => fake.click({ message: message(), person: fake.users.ana, label: 'Approve' });
    const forged = await fake.send(endpoint, click(), { signature: 'ab'.repeat(64) });
    const changed = await fake.send(endpoint, click(), { signedBody: '{"type":1}' });
    const stale = await fake.send(endpoint, click(), { timestamp: Math.floor(Date.now() / 1000) - 6 * 60 });
    const unsigned = await fetch(endpoint, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(fake.ping()) });
    expect([forged.status, changed.status, stale.status, unsigned.status]).toEqual([401, 401, 401, 401]);
    expect(hub.answersTo(req.id)).toEqual([]);
    expect(current(req.id).state).toBe('pending');
    expect(message().edits).toBe(0);
  });
});

describe('clicks', () => {
  it('a click resolves the request and is answered with UPDATE_MESSAGE: the outcome, no components', async () => {
    const { req, message } = await delivered();
    const payload = fake.click({ message: message(), person: fake.users.ana, label: 'Approve' });
    const res = await fake.send(endpoint, payload);
    expect(res.refused).toBeUndefined();
    expect(res.json?.type).toBe(7);
    const data = res.json!.data as { components: unknown[]; embeds: unknown[] };
    expect(data.components).toEqual([]);
    expect(JSON.stringify(data.embeds)).toContain(`Approved by <@${fake.users.ana.user.id}> via Discord`);
    expect(current(req.id).state).toBe('resolved');
    expect(hub.answersTo(req.id)[0]!.responder).toEqual({ channel: 'discord', id: fake.users.ana.user.id, name: 'Ana (ops)' });
    expect(componentsOf(message())).toEqual([]);
  });

  it('a choice from a select menu counts the option it names', async () => {
    const options = Array.from({ length: 30 }, (_, i) => ({ value: `v${i}`, label: `Option ${i}` }));
    const { req, message } = await delivered({ type: 'choice', options });
    const res = await fake.send(endpoint, fake.click({ message: message(), person: fake.users.ben, values: ['7'] }));
    expect(res.json?.type).toBe(7);
    expect(current(req.id).response?.value).toBe('v7');
    expect(current(req.id).response?.responder.name).toBe('Ben Okafor');
  });

  it('a non-approver gets an ephemeral saying why, and nothing changes', async () => {
    const { req, message } = await delivered({ approvers: [`discord:${fake.users.ana.user.id}`] });
    const res = await fake.send(endpoint, fake.click({ message: message(), person: fake.users.eve, label: 'Approve' }));
    expect(res.json).toMatchObject({ type: 4, data: { content: NOT_APPROVER, flags: 64 } });
    expect(current(req.id).state).toBe('pending');
    expect(message().edits).toBe(0);
  });

  it('a late click gets an ephemeral naming who decided', async () => {
    const { req, message } = await delivered();
    hub.resolve(req.id, { responder: { channel: 'slack', id: 'U1', name: 'ana' }, value: 'approve' });
    const res = await fake.send(endpoint, fake.click({ message: message(), person: fake.users.ben, label: 'Reject' }));
    expect(res.json).toMatchObject({ type: 4, data: { content: 'Already approved by ana via Slack.', flags: 64 } });
    expect(current(req.id).response?.value).toBe('approve');
  });

  it('a button that names another request, or a channel the request did not go to, records nothing', async () => {
    const { req, message } = await delivered();
    const other = hub.add(makeRequest({ recipients: [{ channel: 'discord', to: fake.addChannel('elsewhere') }] }));
    const res = await fake.send(endpoint, fake.click({ message: message(), person: fake.users.ana, customId: `sb:o:${other.id}:0` }));
    expect(res.json).toMatchObject({ type: 4, data: { flags: 64 } });
    expect(current(other.id).state).toBe('pending');
    expect(current(req.id).state).toBe('pending');
  });

  it('a repeated interaction is dropped', async () => {
    const { req, message } = await delivered();
    const payload = fake.click({ message: message(), person: fake.users.ana, label: 'Approve' });
    await fake.send(endpoint, payload);
    await fake.send(endpoint, payload);
    expect(hub.answersTo(req.id)).toHaveLength(1);
  });

  it('when the hub is slow the click is deferred within 3 s and the message updated after', async () => {
    const { req, message } = await delivered();
    hub.respondDelayMs = 3500;
    const payload = fake.click({ message: message(), person: fake.users.ana, label: 'Approve' });
    const res = await fake.send(endpoint, payload);
    expect(res.json).toEqual({ type: 6 });
    expect(res.refused).toBeUndefined();
    await waitFor(() => fake.callbacksOf(payload.id).find((c) => c.kind === 'edit-original' && c.status === 200), 6000, 'the follow-up edit');
    expect(current(req.id).state).toBe('resolved');
    expect(componentsOf(message())).toEqual([]);
    expect(embedText(message())).toContain('Approved by');
  });
});

describe('modals', () => {
  it('Answer opens a modal, and its submission answers a text request', async () => {
    const { req, message } = await delivered({ type: 'text', options: [] });
    const open = await fake.send(endpoint, fake.click({ message: message(), person: fake.users.ben, label: 'Answer' }));
    expect(open.json?.type).toBe(9);
    const res = await fake.send(endpoint, fake.modalSubmit({ person: fake.users.ben, values: { v: 'Ship it on Friday' } }));
    expect(res.json?.type).toBe(7);
    expect(current(req.id).response?.value).toBe('Ship it on Friday');
    expect(embedText(message())).toContain('Ship it on Friday');
    expect(componentsOf(message())).toEqual([]);
  });

  it('a short form is answered field by field', async () => {
    const fields = [
      { name: 'reason', label: 'Reason', type: 'textarea' as const, required: true },
      { name: 'count', label: 'How many', type: 'number' as const },
    ];
    const { req, message } = await delivered({ type: 'form', options: [], fields });
    await fake.send(endpoint, fake.click({ message: message(), person: fake.users.ana, label: 'Answer' }));
    const res = await fake.send(endpoint, fake.modalSubmit({ person: fake.users.ana, values: { 'f:0': 'capacity', 'f:1': '3' } }));
    expect(res.json?.type).toBe(7);
    expect(hub.answersTo(req.id)[0]!.fields).toEqual({ reason: 'capacity', count: '3' });
  });

  it('a non-approver pressing Answer is told so instead of getting the modal', async () => {
    const { message } = await delivered({ type: 'text', options: [], approvers: [`discord:${fake.users.ana.user.id}`] });
    const res = await fake.send(endpoint, fake.click({ message: message(), person: fake.users.eve, label: 'Answer' }));
    expect(res.json).toMatchObject({ type: 4, data: { content: NOT_APPROVER, flags: 64 } });
  });
});

describe('deliver and settle', () => {
  it('opens a DM channel for user:<id> and posts there', async () => {
    const { ref } = await delivered({}, `user:${fake.users.ben.user.id}`);
    expect(ref.channel_id).toBe(fake.dmChannelOf(fake.users.ben.user.id));
  });

  it('sends a nonce Discord enforces, the same on every attempt of a delivery, so a retry after a crash posts once', async () => {
    const to = fake.addChannel('nonce');
    const req = hub.add(makeRequest({ recipients: [{ channel: 'discord', to }] }));
    await channel.deliver(req, to, 0, { id: 'dlv_retried', attempt: 0 });
    const body = fake.calls.filter((c) => c.path === `/channels/${to}/messages` && c.method === 'POST').at(-1)!.body as Record<string, unknown>;
    expect(body).toMatchObject({ nonce: nonceOf('dlv_retried'), enforce_nonce: true });
    expect(String(body.nonce).length).toBeLessThanOrEqual(25);
  });

  it('refuses anything but a snowflake or user:<id>', () => {
    expect(channel.validateRecipient('#general')).toMatch(/not a Discord recipient/);
    expect(channel.validateRecipient(fake.channel)).toBeUndefined();
  });

  it('settle edits every copy to the outcome with no components', async () => {
    const second = fake.addChannel('second');
    const req = hub.add(makeRequest({ recipients: [{ channel: 'discord', to: fake.channel }, { channel: 'discord', to: second }], created_at: new Date().toISOString() }));
    const refs = [await channel.deliver(req, fake.channel, 0), await channel.deliver(req, second, 1)];
    const { request } = hub.resolve(req.id, { responder: { channel: 'telegram', id: '42', name: 'ana' }, value: 'approve' });
    for (const ref of refs) await channel.settle(request, ref, outcomeOf(request)!);
    for (const ref of refs) {
      const m = fake.message(String(ref.channel_id), String(ref.message_id))!;
      expect(componentsOf(m)).toEqual([]);
      expect(embedText(m)).toContain('Approved by ana via Telegram');
    }
  });

  it('a deleted message or lost access fails the settle with the reason', async () => {
    const gone = await delivered();
    fake.deleteMessage(String(gone.ref.channel_id), String(gone.ref.message_id));
    const { request } = hub.cancel(gone.req.id);
    const err = await channel.settle(request, gone.ref, outcomeOf(request)!).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ChannelError);
    expect(err).toMatchObject({ kind: 'not_found', message: expect.stringMatching(/Unknown Message/) as unknown });

    const locked = fake.addChannel('locked');
    const cut = await delivered({}, locked);
    fake.revokeAccess(locked);
    const closed = hub.cancel(cut.req.id).request;
    await expect(channel.settle(closed, cut.ref, outcomeOf(closed)!)).rejects.toMatchObject({ kind: 'not_found', message: expect.stringMatching(/Missing Access/) as unknown });
  });

  it('waits out a short 429 and hands a long one back as rate_limited with its retry_after', async () => {
    const short = fake.addChannel('short');
    fake.rateLimit(`POST /channels/${short}/messages`, 1, 1);
    const { ref } = await delivered({}, short);
    expect(ref.message_id).toBeTruthy();
    expect(fake.calls.filter((c) => c.status === 429 && c.early)).toEqual([]);

    const long = fake.addChannel('long');
    fake.rateLimit(`POST /channels/${long}/messages`, 1, 30);
    const req = hub.add(makeRequest({ recipients: [{ channel: 'discord', to: long }] }));
    await channel.deliver(req, long, 0).catch(() => undefined); // the 429 that starts the window
    const err = await channel.deliver(req, long, 0).catch((e: unknown) => e);
    expect(err).toMatchObject({ kind: 'rate_limited' });
    expect((err as ChannelError).retryAfterMs).toBeGreaterThan(5000);
  });

  it('a refused token is an auth error, and no error or log line carries a token', async () => {
    fake.failAuth();
    const req = hub.add(makeRequest({ recipients: [{ channel: 'discord', to: fake.channel }] }));
    const err = await channel.deliver(req, fake.channel, 0).catch((e: unknown) => e);
    expect(err).toMatchObject({ kind: 'auth' });
    expect(String((err as Error).message)).not.toContain(fake.token);
    const check = await channel.check();
    expect(check.ok).toBe(false);
    fake.restoreAuth();
    expect((await channel.check()).detail).toContain('bot @Switchboard');
    const logs = logLines.join('\n');
    expect(logs).not.toContain(fake.token);
    for (const token of fake.interactionTokens()) expect(logs).not.toContain(token);
  });
});

describe('switchboard discord register', () => {
  it('prints the interactions URL and the invite URL with the permissions the bot needs', () => {
    const out: string[] = [];
    expect(registerCommand(env, (l) => out.push(l))).toBe(0);
    expect(out.join('\n')).toContain('https://hub.example.com/discord/interactions');
    expect(out.join('\n')).toContain(`https://discord.com/oauth2/authorize?client_id=${fake.applicationId}&scope=bot%20applications.commands&permissions=84992`);
  });
});
