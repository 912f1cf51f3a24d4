// The fake Discord REST API (test/fakes/discord.ts) checked through the real client, @discordjs/rest:
// the payload limits and error envelopes Discord sends, 429s the client waits out, interaction
// callbacks and follow-ups, and interactions signed as Discord signs them.
import { createPublicKey, verify } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { DiscordAPIError, REST } from '@discordjs/rest';
import { Routes } from 'discord-api-types/v10';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FakeDiscord } from '../fakes/discord.js';

const fake = new FakeDiscord();
let rest: REST;

beforeAll(async () => {
  await fake.start();
  rest = new REST({ api: fake.url, retries: 0 }).setToken(fake.token);
});
afterAll(() => fake.stop());

const row = (...components: Record<string, unknown>[]) => ({ type: 1, components });
const button = (i: number, over: Record<string, unknown> = {}) => ({ type: 2, style: 1, label: `Option ${i}`, custom_id: `sb:o:${i}`, ...over });
const post = (channelId: string, body: Record<string, unknown>) => rest.post(Routes.channelMessages(channelId), { body }) as Promise<Record<string, unknown> & { id: string }>;

async function refusal(p: Promise<unknown>): Promise<DiscordAPIError> {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(DiscordAPIError);
  return err as DiscordAPIError;
}

describe('the fake Discord REST API', () => {
  it('creates, edits and deletes channel messages as Discord returns them', async () => {
    const sent = await post(fake.channel, { embeds: [{ title: 'Deploy?', description: 'v2.3', fields: [{ name: 'env', value: 'prod' }] }], components: [row(button(0), button(1))] });
    expect(sent).toMatchObject({ channel_id: fake.channel, author: { id: fake.bot.id, bot: true }, embeds: [{ type: 'rich', title: 'Deploy?' }], edited_timestamp: null });
    const edited = (await rest.patch(Routes.channelMessage(fake.channel, sent.id), { body: { embeds: [{ title: 'Approved' }], components: [] } })) as Record<string, unknown>;
    expect(edited).toMatchObject({ id: sent.id, components: [], embeds: [{ title: 'Approved' }] });
    expect(edited.edited_timestamp).toEqual(expect.any(String));
    expect(fake.message(fake.channel, sent.id)).toMatchObject({ edits: 1, history: ['Deploy?\nv2.3\nenv\nprod', 'Approved'] });
    await rest.delete(Routes.channelMessage(fake.channel, sent.id));
    const gone = await refusal(rest.patch(Routes.channelMessage(fake.channel, sent.id), { body: { content: 'x' } }));
    expect({ status: gone.status, code: gone.code, message: gone.message }).toEqual({ status: 404, code: 10008, message: 'Unknown Message' });
  });

  it('refuses components and embeds beyond Discord\'s limits with 50035 and the error tree', async () => {
    const cases: [Record<string, unknown>, string][] = [
      [{ components: Array.from({ length: 6 }, (_, i) => row(button(i))) }, 'components'],
      [{ components: [row(...Array.from({ length: 6 }, (_, i) => button(i)))] }, 'components.0.components'],
      [{ components: [row(button(0, { custom_id: 'x'.repeat(101) }))] }, 'components.0.components.0.custom_id'],
      [{ components: [row(button(0, { label: 'x'.repeat(81) }))] }, 'components.0.components.0.label'],
      [{ components: [row({ type: 3, custom_id: 's', options: Array.from({ length: 26 }, (_, i) => ({ label: `${i}`, value: `${i}` })) })] }, 'components.0.components.0.options'],
      [{ embeds: [{ title: 'x'.repeat(257) }] }, 'embeds.0.title'],
      [{ embeds: [{ description: 'x'.repeat(4097) }] }, 'embeds.0.description'],
      [{ embeds: [{ fields: Array.from({ length: 26 }, (_, i) => ({ name: `${i}`, value: 'v' })) }] }, 'embeds.0.fields'],
      [{ embeds: [{ description: 'x'.repeat(4000) }, { description: 'y'.repeat(2001) }] }, 'embeds'],
    ];
    for (const [body, path] of cases) {
      const err = await refusal(post(fake.channel, body));
      expect(err.status).toBe(400);
      expect(err.code).toBe(50035);
      const tree = (err.rawError as { errors: Record<string, unknown> }).errors;
      const node = path.split('.').reduce<Record<string, unknown>>((n, k) => n[k] as Record<string, unknown>, tree);
      expect(node._errors, path).toEqual([expect.objectContaining({ code: expect.any(String), message: expect.any(String) })]);
    }
    expect((await refusal(post(fake.channel, {}))).code).toBe(50006);
  });

  it('answers Discord\'s codes for unknown channels, missing access and missing permissions', async () => {
    expect((await refusal(post('123456789012345678', { content: 'hi' }))).code).toBe(10003);
    const hidden = fake.addChannel('hidden');
    const readOnly = fake.addChannel('read-only');
    fake.revokeAccess(hidden);
    fake.denyPermission(readOnly);
    expect(await refusal(post(hidden, { content: 'hi' }))).toMatchObject({ status: 403, code: 50001, message: 'Missing Access' });
    expect(await refusal(rest.get(Routes.channel(hidden)))).toMatchObject({ status: 403, code: 50001 });
    expect(await rest.get(Routes.channel(readOnly))).toMatchObject({ id: readOnly, type: 0, guild_id: fake.guildId, name: 'read-only' });
    expect(await refusal(post(readOnly, { content: 'hi' }))).toMatchObject({ status: 403, code: 50013, message: 'Missing Permissions' });
  });

  it('opens a DM channel and tells who the bot is', async () => {
    const dm = (await rest.post(Routes.userChannels(), { body: { recipient_id: fake.users.ana.user.id } })) as { id: string; type: number; recipients: { id: string }[] };
    expect(dm).toMatchObject({ type: 1, recipients: [{ id: fake.users.ana.user.id }] });
    expect(fake.dmChannelOf(fake.users.ana.user.id)).toBe(dm.id);
    expect(((await rest.post(Routes.userChannels(), { body: { recipient_id: fake.users.ana.user.id } })) as { id: string }).id).toBe(dm.id);
    expect(await post(dm.id, { content: 'hello' })).toMatchObject({ channel_id: dm.id, content: 'hello' });
    expect(await rest.get(Routes.user())).toMatchObject({ id: fake.bot.id, bot: true });
  });

  it('refuses a bad token with 401 "401: Unauthorized", code 0', async () => {
    const other = new REST({ api: fake.url, retries: 0 }).setToken('not-the-token');
    expect(await refusal(other.get(Routes.user()))).toMatchObject({ status: 401, code: 0, message: '401: Unauthorized' });
    fake.failAuth(1);
    const fresh = new REST({ api: fake.url, retries: 0 }).setToken(fake.token);
    expect(await refusal(fresh.get(Routes.user()))).toMatchObject({ status: 401, code: 0 });
    expect(await fresh.setToken(fake.token).get(Routes.user())).toMatchObject({ id: fake.bot.id });
  });

  it('answers 429 with retry_after and the rate limit headers, and the client waits it out', async () => {
    fake.rateLimit('POST /channels/{id}/messages', 1, 0.4);
    const before = fake.calls.length;
    const started = Date.now();
    await post(fake.channel, { content: 'after the wait' });
    const calls = fake.calls.slice(before);
    expect(calls.map((c) => c.status)).toEqual([429, 200]);
    expect(calls[1]!.at - calls[0]!.at).toBeGreaterThanOrEqual(400);
    expect(Date.now() - started).toBeGreaterThanOrEqual(400);

    // Raw, to see the envelope; in a channel of its own, so the window holds no other test up.
    const busy = fake.addChannel('busy');
    const raw = () => fetch(`${fake.url}/v10/channels/${busy}/messages`, { method: 'POST', headers: { authorization: `Bot ${fake.token}`, 'content-type': 'application/json' }, body: '{"content":"x"}' });
    expect((await raw()).headers.get('x-ratelimit-bucket')).toMatch(/^[0-9a-f]+$/);
    fake.rateLimit(`POST /channels/${busy}/messages`, 1, 2.5);
    const limited = await raw();
    expect(limited.status).toBe(429);
    expect(await limited.json()).toEqual({ message: 'You are being rate limited.', retry_after: 2.5, global: false });
    expect(limited.headers.get('retry-after')).toBe('3');
    expect(limited.headers.get('x-ratelimit-remaining')).toBe('0');
    expect(limited.headers.get('x-ratelimit-reset-after')).toBe('2.500');
    expect(limited.headers.get('x-ratelimit-scope')).toBe('user');
  });

  it('a global 429 holds every route for its window', async () => {
    fake.rateLimit('GET /users/@me', 1, 0.3, true);
    const before = fake.calls.length;
    await rest.get(Routes.user());
    const calls = fake.calls.slice(before);
    expect(calls[0]).toMatchObject({ status: 429, global: true });
    expect(calls.at(-1)).toMatchObject({ status: 200 });
    expect(calls.filter((c) => c.early)).toEqual([]);
  });
});

describe('interactions in the fake', () => {
  it('a click is answered with UPDATE_MESSAGE, once, within the 3 s window', async () => {
    const sent = await post(fake.channel, { content: 'Deploy?', components: [row(button(0, { label: 'Approve' }), button(1, { label: 'Reject' }))] });
    const click = fake.click({ message: fake.message(fake.channel, sent.id)!, person: fake.users.ana, label: 'Approve' });
    expect(click).toMatchObject({ type: 3, version: 1, application_id: fake.applicationId, channel_id: fake.channel, guild_id: fake.guildId, data: { custom_id: 'sb:o:0', component_type: 2 } });
    expect(click).toMatchObject({ member: { nick: 'Ana (ops)', user: { username: 'ana.lima', global_name: 'Ana Lima' } }, message: { id: sent.id } });
    await rest.post(Routes.interactionCallback(click.id, click.token), { body: { type: 7, data: { content: 'Approved by Ana', components: [] } }, auth: false });
    expect(fake.message(fake.channel, sent.id)!.message).toMatchObject({ content: 'Approved by Ana', components: [] });
    expect(fake.callbacksOf(click.id)).toEqual([expect.objectContaining({ kind: 'callback', type: 7, status: 204 })]);
    expect(fake.callbacksOf(click.id)[0]!.afterMs).toBeLessThan(3000);
    const again = await refusal(rest.post(Routes.interactionCallback(click.id, click.token), { body: { type: 6 }, auth: false }));
    expect(again).toMatchObject({ status: 400, code: 40060, message: 'Interaction has already been acknowledged.' });
    const forged = await refusal(rest.post(Routes.interactionCallback(click.id, 'another-token'), { body: { type: 6 }, auth: false }));
    expect(forged).toMatchObject({ status: 404, code: 10062, message: 'Unknown interaction' });
  });

  it('a late callback is 10062 Unknown interaction', async () => {
    const late = new FakeDiscord({ ackWindowMs: 0 });
    await late.start();
    try {
      const lateRest = new REST({ api: late.url, retries: 0 }).setToken(late.token);
      const sent = (await lateRest.post(Routes.channelMessages(late.channel), { body: { content: 'x', components: [row(button(0))] } })) as { id: string };
      const click = late.click({ message: late.message(late.channel, sent.id)!, person: late.users.ben, customId: 'sb:o:0' });
      const err = await refusal(lateRest.post(Routes.interactionCallback(click.id, click.token), { body: { type: 6 }, auth: false }));
      expect(err.code).toBe(10062);
    } finally {
      await late.stop();
    }
  });

  it('an ephemeral reply is seen only by the person; follow-ups work once acknowledged', async () => {
    const sent = await post(fake.channel, { content: 'Deploy?', components: [row(button(0, { label: 'Approve' }))] });
    const click = fake.click({ message: fake.message(fake.channel, sent.id)!, person: fake.users.eve, label: 'Approve' });
    const early = await refusal(rest.post(Routes.webhook(fake.applicationId, click.token), { body: { content: 'x' }, auth: false }));
    expect(early.code).toBe(10015);
    await rest.post(Routes.interactionCallback(click.id, click.token), { body: { type: 5, data: { flags: 64 } }, auth: false });
    await rest.patch(Routes.webhookMessage(fake.applicationId, click.token, '@original'), { body: { content: 'You are not an approver.' }, auth: false });
    await rest.post(Routes.webhook(fake.applicationId, click.token), { body: { content: 'Still not.', flags: 64 }, auth: false });
    expect(fake.ephemerals.filter((e) => e.userId === fake.users.eve.user.id).map((e) => e.content)).toEqual(['You are not an approver.', 'Still not.']);
    expect(fake.callbacksOf(click.id).map((c) => c.kind)).toEqual(['callback', 'edit-original', 'followup']);
    expect(fake.message(fake.channel, sent.id)!.edits).toBe(0);
  });

  it('a modal opened by a click is submitted with the values typed', async () => {
    const sent = await post(fake.channel, { content: 'Why?', components: [row(button(0, { label: 'Answer', custom_id: 'sb:a' }))] });
    const click = fake.click({ message: fake.message(fake.channel, sent.id)!, person: fake.users.ben, label: 'Answer' });
    const tooLong = await refusal(
      rest.post(Routes.interactionCallback(click.id, click.token), { body: { type: 9, data: { custom_id: 'm', title: 'x'.repeat(46), components: [] } }, auth: false }),
    );
    expect(tooLong.code).toBe(50035);
    const modal = { custom_id: 'sb:m:1', title: 'Your answer', components: [row({ type: 4, custom_id: 'sb:text', label: 'Answer', style: 2 })] };
    await rest.post(Routes.interactionCallback(click.id, click.token), { body: { type: 9, data: modal }, auth: false });
    const submit = fake.modalSubmit({ person: fake.users.ben, values: { 'sb:text': 'Because.' } });
    expect(submit).toMatchObject({
      type: 5,
      member: { nick: null, user: { global_name: 'Ben Okafor' } },
      message: { id: sent.id },
      data: { custom_id: 'sb:m:1', components: [{ type: 1, components: [{ type: 4, custom_id: 'sb:text', value: 'Because.' }] }] },
    });
    await rest.post(Routes.interactionCallback(submit.id, submit.token), { body: { type: 7, data: { content: 'Answered', components: [] } }, auth: false });
    expect(fake.message(fake.channel, sent.id)!.message.content).toBe('Answered');
  });

  it('a deferred update (type 6) is followed by PATCH @original, which edits the clicked message', async () => {
    const sent = await post(fake.channel, { content: 'Deploy?', components: [row(button(0, { label: 'Approve' }))] });
    const click = fake.click({ message: fake.message(fake.channel, sent.id)!, person: fake.users.ana, label: 'Approve' });
    await rest.post(Routes.interactionCallback(click.id, click.token), { body: { type: 6 }, auth: false });
    await rest.patch(Routes.webhookMessage(fake.applicationId, click.token, '@original'), { body: { content: 'Approved', components: [] }, auth: false });
    expect(fake.message(fake.channel, sent.id)!.message).toMatchObject({ content: 'Approved', components: [] });
    expect(fake.callbacksOf(click.id).map((c) => [c.kind, c.type])).toEqual([['callback', 6], ['edit-original', undefined]]);
  });

  it('takes the interaction response in the endpoint\'s HTTP answer as the callback, as Discord does', async () => {
    const sent = await post(fake.channel, { content: 'Deploy?', components: [row(button(0, { label: 'Approve' }))] });
    const server: Server = createServer((req, res) => {
      req.resume();
      req.on('end', () => res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ type: 7, data: { content: 'Approved', components: [] } })));
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    try {
      const endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}/discord/interactions`;
      const click = fake.click({ message: fake.message(fake.channel, sent.id)!, person: fake.users.ana, label: 'Approve' });
      expect((await fake.send(endpoint, click)).refused).toBeUndefined();
      expect(fake.message(fake.channel, sent.id)!.message.content).toBe('Approved');
      expect(fake.callbacksOf(click.id)).toEqual([expect.objectContaining({ kind: 'http-response', type: 7, status: 200 })]);
      // The same interaction answered again (Discord would not ask twice): refused as a second acknowledgement.
      expect((await fake.send(endpoint, click)).refused).toEqual({ code: 40060, message: 'Interaction has already been acknowledged.' });
    } finally {
      await new Promise((r) => server.close(r));
    }
  });

  it('signs interactions as Discord does: Ed25519 over timestamp + body, the public key as hex', async () => {
    let received: { headers: Record<string, string | string[] | undefined>; body: string } | undefined;
    const server: Server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        received = { headers: req.headers, body: Buffer.concat(chunks).toString('utf8') };
        res.writeHead(200, { 'content-type': 'application/json' }).end('{"type":1}');
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    try {
      const res = await fake.send(`http://127.0.0.1:${(server.address() as AddressInfo).port}/discord/interactions`, fake.ping());
      expect(res).toMatchObject({ status: 200, json: { type: 1 } });
      const key = createPublicKey({ key: Buffer.concat([Buffer.from('302a300506032b6570032100', 'hex'), Buffer.from(fake.signer.publicKeyHex, 'hex')]), format: 'der', type: 'spki' });
      const timestamp = String(received!.headers['x-signature-timestamp']);
      const signature = Buffer.from(String(received!.headers['x-signature-ed25519']), 'hex');
      expect(fake.signer.publicKeyHex).toMatch(/^[0-9a-f]{64}$/);
      expect(Math.abs(Number(timestamp) - Date.now() / 1000)).toBeLessThan(5);
      expect(verify(null, Buffer.from(timestamp + received!.body), key, signature)).toBe(true);
      expect(JSON.parse(received!.body)).toMatchObject({ type: 1, version: 1, application_id: fake.applicationId });
    } finally {
      await new Promise((r) => server.close(r));
    }
  });
});
