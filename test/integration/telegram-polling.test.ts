// Polling mode across hub processes, each a real `switchboard serve` against one fake Bot API (each
// through its own apiRoot, so the fake can tell who called): exactly one process polls getUpdates (the
// lease holder); when it is killed (SIGKILL) another takes over within 30 s; an update the dead process
// handled but never confirmed comes again to the next poller and decides nothing twice; and so does one
// handled just before a restart.
import postgres from 'postgres';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FakeTelegram, type FakeMessage, type TgChat, type TgUpdate, type TgUser } from '../fakes/telegram.js';
import { dumpOnFailure, hubApi, killHubProcesses, startHubProcess, withTimeout, type HubProcess } from '../helpers/hub-process.js';
import { dropRedisKeys, freshDatabase, suffix, waitFor } from '../helpers/services.js';

const TAKEOVER_WITHIN_MS = 30_000;

const fake = new FakeTelegram();
const apiKey = `sb_tgpoll_${suffix()}${suffix()}`;
const prefix = `sbtest_tgpoll_${suffix()}`;
let db: { url: string; drop(): Promise<void> };
let sql: postgres.Sql;
/** One group per request: the channel paces messages to Telegram's 20 a minute in one group. */
let groups = 0;
const hubs: Record<string, HubProcess> = {};

beforeAll(async () => {
  await fake.start();
  db = await freshDatabase();
  sql = postgres(db.url, { max: 2, onnotice: () => {} });
});

afterAll(async () => {
  await killHubProcesses();
  await fake.stop();
  await sql?.end({ timeout: 2 });
  await db?.drop();
  await dropRedisKeys(`${prefix}:*`);
});

/** A hub process of the deployment; its Bot API calls are recorded with `via: name`. */
async function startHub(name: string): Promise<HubProcess> {
  const hub = await startHubProcess(`hub-${name}`, {
    DATABASE_URL: db.url,
    SWITCHBOARD_QUEUE_PREFIX: prefix,
    SWITCHBOARD_API_KEY: apiKey,
    TELEGRAM_BOT_TOKEN: fake.token,
    TELEGRAM_API_ROOT: fake.rootFor(name),
    TELEGRAM_MODE: 'polling',
  });
  hubs[name] = hub;
  return hub;
}

const polls = (via: string) => fake.callsTo('getUpdates').filter((c) => c.via === via);

/** A request sent to a group of its own, once Telegram has the message. */
async function delivered(through: HubProcess): Promise<{ id: string; message: FakeMessage; chat: TgChat }> {
  groups += 1;
  const chat = fake.addChat({ id: -1003000000000 - groups, type: 'supergroup', title: `Polling ${groups}` });
  const created = await hubApi(through, apiKey, 'POST', '/v1/requests', { title: `Deploy ${groups}?`, recipients: [{ channel: 'telegram', to: String(chat.id) }] });
  expect(created.status).toBe(201);
  const message = await waitFor(() => fake.messagesIn(chat.id)[0], 15_000, 'the request in Telegram');
  return { id: created.body.id as string, message, chat };
}

const state = async (id: string) => (await sql`select state, response from requests where id = ${id}`)[0];

async function decidedBy(id: string, user: TgUser): Promise<void> {
  await waitFor(async () => (await state(id))?.state === 'resolved', 15_000, 'the tap to decide');
  expect((await state(id))!.response).toMatchObject({ responder: { channel: 'telegram', id: String(user.id) } });
}

/** The request decided once: one resolution, and no later answer even reached the hub (nothing refused). */
async function decidedOnce(id: string, tap: TgUpdate): Promise<void> {
  const events = (await sql`select type from events where request_id = ${id}`).map((e) => e.type as string);
  expect(events.filter((e) => e === 'request.resolved')).toHaveLength(1);
  expect(events).not.toContain('answer.refused');
  expect(fake.callsTo('answerCallbackQuery').filter((c) => c.params.callback_query_id === tap.callback_query!.id)).toHaveLength(1);
}

/**
 * Taps option `button`; once the poller `via` has the update, its next getUpdates (the one whose offset
 * would confirm the update) is lost on the way: Telegram keeps the update as unconfirmed.
 */
async function tapNeverConfirmed(message: FakeMessage, from: TgUser, button: string, via: string): Promise<TgUpdate> {
  const update = fake.callbackQuery({ message, from, button });
  expect(await fake.send(update)).toEqual({ via: 'getUpdates', root: via });
  fake.loseNext('getUpdates');
  await waitFor(() => polls(via).some((c) => c.lost), 10_000, `${via}'s confirming getUpdates (lost)`);
  return update;
}

/** Waits until poller `via` got `update` again and went on past it (asked for the updates after it). */
async function handledAgain(via: string, update: TgUpdate): Promise<void> {
  await waitFor(() => polls(via).some((c) => c.updates?.includes(update.update_id)), 15_000, `${via} to get the update again`);
  await waitFor(() => polls(via).some((c) => Number(c.params.offset) > update.update_id), 15_000, `${via} to go past it`);
}

describe('Telegram polling across hub processes', () => {
  it('one process polls; the other waits', async () => {
    dumpOnFailure();
    const a = await startHub('a');
    await waitFor(() => polls('a').length > 0, 15_000, 'hub a to poll');
    await startHub('b');
    // b is up (and has tried the lease): a tap now goes to a's poll, and b has never asked for updates.
    const { id, message } = await delivered(a);
    const tap = fake.callbackQuery({ message, from: fake.users.ana, button: 'Approve' });
    expect(await fake.send(tap)).toEqual({ via: 'getUpdates', root: 'a' });
    await decidedBy(id, fake.users.ana);
    expect(polls('b')).toEqual([]);
    expect(fake.calls.filter((c) => c.method === 'getUpdates').every((c) => c.via === 'a')).toBe(true);
  }, 90_000);

  it('a killed poller: another process takes over within 30 s, and the update the dead one never confirmed decides once', async () => {
    dumpOnFailure();
    const { id, message } = await delivered(hubs.a!);
    const tap = await tapNeverConfirmed(message, fake.users.ana, 'Approve', 'a');
    await decidedBy(id, fake.users.ana);

    hubs.a!.proc.kill('SIGKILL');
    const killedAt = Date.now();
    expect(await withTimeout(hubs.a!.exit, 10_000, 'hub a to die')).toEqual({ code: null, signal: 'SIGKILL' });
    await waitFor(() => polls('b').length > 0, TAKEOVER_WITHIN_MS, 'hub b to take over polling');
    expect(Date.now() - killedAt).toBeLessThan(TAKEOVER_WITHIN_MS);

    await handledAgain('b', tap);
    await decidedOnce(id, tap);
    // Logs are written in batches (at most 250 ms late), so the line is waited for.
    await waitFor(() => hubs.b!.output.join('').includes('telegram: ignored a repeated update'), 5_000, "hub b's log of the repeat");
  }, 90_000);

  it('after the takeover a tap decides through the new poller', async () => {
    dumpOnFailure();
    const { id, message } = await delivered(hubs.b!);
    const tap = fake.callbackQuery({ message, from: fake.users.ben, button: 'Reject' });
    expect(await fake.send(tap)).toEqual({ via: 'getUpdates', root: 'b' });
    await decidedBy(id, fake.users.ben);
    expect((await state(id))!.response).toMatchObject({ value: 'reject' });
  }, 60_000);

  it('an update handled just before a restart comes again to the restarted process and decides once', async () => {
    dumpOnFailure();
    const { id, message } = await delivered(hubs.b!);
    const tap = await tapNeverConfirmed(message, fake.users.ana, 'Approve', 'b');
    await decidedBy(id, fake.users.ana);

    hubs.b!.proc.kill('SIGTERM');
    expect(await withTimeout(hubs.b!.exit, 15_000, 'hub b to drain and exit')).toMatchObject({ code: 0 });
    const c = await startHub('c');
    await handledAgain('c', tap);
    await decidedOnce(id, tap);
    await waitFor(() => c.output.join('').includes('telegram: ignored a repeated update'), 5_000, "hub c's log of the repeat");
  }, 90_000);
});
