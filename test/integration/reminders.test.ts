// Reminder steps through the real hub and the fake Telegram Bot API (polling mode, nothing to set up):
// a due step replies to each delivered message, an answer first cancels it, two processes fire it
// once, a hub stopped before it fires it once after a restart, and an escalation adds a delivery
// that decides and is settled like the first ones.
import postgres from 'postgres';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FakeTelegram, type FakeMessage, type TgUser } from '../fakes/telegram.js';
import { startTestHub, type TestHub } from '../helpers/harness.js';
import { dropRedisKeys, freshDatabase, suffix, waitFor } from '../helpers/services.js';

const fake = new FakeTelegram();
let env: Record<string, string>;
let a: TestHub;
let nextUser = 7_100_000;

/** A fresh private chat per recipient, so Telegram's per-chat pacing never slows a test. */
const person = (): TgUser => fake.addUser({ id: nextUser++, first_name: `p${nextUser}` });

beforeAll(async () => {
  await fake.start();
  env = { TELEGRAM_BOT_TOKEN: fake.token, TELEGRAM_API_ROOT: fake.url, TELEGRAM_MODE: 'polling' };
  a = await startTestHub({ env });
});
afterAll(async () => {
  await a?.stop();
  await fake.stop();
});

async function create(t: TestHub, people: TgUser[], extra: Record<string, unknown>): Promise<string> {
  const res = await t.api('POST', '/v1/requests', { title: 'Deploy v2.3?', recipients: people.map((p) => ({ channel: 'telegram', to: String(p.id) })), timeout_seconds: 3600, ...extra });
  expect(res.status).toBe(201);
  return res.body.id as string;
}

const get = async (t: TestHub, id: string) => (await t.api('GET', `/v1/requests/${id}`)).body;

const messageOf = (chat: number, id: string) =>
  waitFor(() => fake.messagesIn(chat).find((m) => JSON.stringify(m.message.reply_markup ?? {}).includes(id)), 15_000, `the message of ${id} in ${chat}`);

/** The reminders the bot sent in reply to `m`. */
const nudgesOf = (m: FakeMessage) =>
  fake.messagesIn(m.chatId).filter((x) => x.message.reply_to_message?.message_id === m.messageId && x.message.text?.startsWith('⏰ Reminder'));

const countEvents = async (sql: TestHub['sql'], id: string, type: string) =>
  Number((await sql`select count(*)::int as n from events where request_id = ${id} and type = ${type}`)[0]!.n);

/** Every reminder and nudge job of these requests has finished (their outbox rows are gone). */
const settledOutbox = (sql: TestHub['sql'], ids: string[]) =>
  waitFor(async () => (await sql`select 1 from outbox where job in ('remind', 'nudge') and payload->>'requestId' in ${sql(ids)}`).length === 0, 20_000, 'reminder jobs done');

describe('reminder steps', () => {
  it('refuses bad steps at create with 422 naming the field, writing nothing', async () => {
    const before = Number((await a.sql`select count(*)::int as n from requests`)[0]!.n);
    const res = await a.api('POST', '/v1/requests', {
      title: 'x', recipients: [{ channel: 'web' }], timeout_seconds: 60,
      reminders: [{ after_seconds: 30 }, { after_seconds: 20 }, { after_seconds: 40, recipients: [{ channel: 'telegram', to: 'approvals' }] }],
    });
    expect(res.status).toBe(422);
    expect(res.body.errors).toEqual([{ path: 'reminders.1.after_seconds', message: "must be greater than the previous step's (30)" }]);
    const wrongTo = await a.api('POST', '/v1/requests', { title: 'x', recipients: [{ channel: 'web' }], reminders: [{ after_seconds: 5, recipients: [{ channel: 'telegram', to: 'approvals' }] }] });
    expect(wrongTo.status).toBe(422);
    expect(wrongTo.body.errors).toEqual([{ path: 'reminders.0.recipients.0.to', message: expect.stringMatching(/^not a Telegram recipient/) }]);
    expect(Number((await a.sql`select count(*)::int as n from requests`)[0]!.n)).toBe(before);
  });

  it('a due step replies once to each delivered message, and the request shows when it was sent', async () => {
    const [ana, ben] = [person(), person()];
    const id = await create(a, [ana, ben], { reminders: [{ after_seconds: 1 }] });
    const messages = await Promise.all([ana, ben].map((p) => messageOf(p.id, id)));
    const request = await waitFor(async () => { const r = await get(a, id); return r.reminders[0].sent_at && r; }, 15_000, 'the step sent');
    expect(request.reminders).toEqual([{ after_seconds: 1, due_at: new Date(Date.parse(request.created_at) + 1000).toISOString(), sent_at: expect.any(String) }]);
    expect(Date.parse(request.reminders[0].sent_at)).toBeGreaterThanOrEqual(Date.parse(request.reminders[0].due_at));
    await waitFor(async () => (await countEvents(a.sql, id, 'delivery.reminded')) === 2, 15_000, 'both nudges sent');
    await settledOutbox(a.sql, [id]);
    for (const m of messages) {
      expect(nudgesOf(m)).toHaveLength(1);
      expect(nudgesOf(m)[0]!.message.text).toMatch(/^⏰ Reminder: this request is still waiting for an answer — due (\d{4}-\d\d-\d\d )?\d\d:\d\d UTC$/);
    }
    expect(request.state).toBe('pending');
  });

  it('an answer before the step cancels it: it never fires', async () => {
    const [ana, ben] = [person(), person()];
    const answered = await create(a, [ana], { reminders: [{ after_seconds: 2 }] });
    const m = await messageOf(ana.id, answered);
    await fake.tap({ message: m, from: ana, button: 'Approve' });
    await waitFor(async () => (await get(a, answered)).state === 'resolved', 15_000, 'resolved');
    // A control request created after it, with the same step: once its step fired, the first one's was due too.
    const control = await create(a, [ben], { reminders: [{ after_seconds: 2 }] });
    await waitFor(async () => (await get(a, control)).reminders[0].sent_at, 15_000, "the control's step");
    expect((await get(a, answered)).reminders[0].sent_at).toBeNull();
    expect(await countEvents(a.sql, answered, 'request.reminded')).toBe(0);
    expect(nudgesOf(m)).toEqual([]);
  });

  it('two processes fire each step once', async () => {
    const b = await startTestHub({ shareWith: a, env });
    try {
      const people = [person(), person(), person()];
      const ids = await Promise.all(people.map((p, i) => create(i % 2 ? b : a, [p], { reminders: [{ after_seconds: 1 }, { after_seconds: 2 }] })));
      const messages = await Promise.all(people.map((p, i) => messageOf(p.id, ids[i]!)));
      await waitFor(async () => (await Promise.all(ids.map((id) => get(a, id)))).every((r) => r.reminders.every((s: { sent_at: string | null }) => s.sent_at)), 20_000, 'every step sent');
      await waitFor(async () => (await Promise.all(ids.map((id) => countEvents(a.sql, id, 'delivery.reminded')))).every((n) => n === 2), 20_000, 'every nudge sent');
      await settledOutbox(a.sql, ids);
      for (const id of ids) expect(await countEvents(a.sql, id, 'request.reminded')).toBe(2);
      for (const m of messages) expect(nudgesOf(m)).toHaveLength(2);
    } finally {
      await b.stop();
    }
  });

  it('a hub stopped before the step and started again after it fires the step once', async () => {
    // Its own database, so no other hub runs the step while this one is down.
    const db = await freshDatabase();
    const owner = { databaseUrl: db.url, apiKey: `sb_test_${suffix()}${suffix()}`, prefix: `sbtest_${suffix()}` } as TestHub;
    const sql = postgres(db.url, { max: 1, onnotice: () => {} });
    try {
      const first = await startTestHub({ shareWith: owner, env });
      const ana = person();
      const id = await create(first, [ana], { reminders: [{ after_seconds: 5 }] });
      const m = await messageOf(ana.id, id);
      await waitFor(async () => (await get(first, id)).deliveries[0].status === 'delivered', 15_000, 'delivered');
      await first.stop();
      const step = async () => (await sql<{ enqueued_at: Date | null; due: boolean }[]>`
        select enqueued_at, delay_until <= now() as due from outbox where job_id = ${`remind-${id}.0`}`)[0];
      expect(await step()).toEqual({ enqueued_at: null, due: false });
      await waitFor(async () => (await step())?.due, 15_000, 'the step due while no hub runs');
      const again = await startTestHub({ shareWith: owner, env });
      try {
        await waitFor(async () => (await get(again, id)).reminders[0].sent_at, 20_000, 'the step sent after the restart');
        await waitFor(async () => (await countEvents(sql, id, 'delivery.reminded')) === 1, 15_000, 'the nudge');
        await settledOutbox(sql, [id]);
        expect(await countEvents(sql, id, 'request.reminded')).toBe(1);
        expect(nudgesOf(m)).toHaveLength(1);
      } finally {
        await again.stop();
      }
    } finally {
      await sql.end({ timeout: 2 });
      await db.drop();
      await dropRedisKeys(`${owner.prefix}:*`);
    }
  });

  it('an escalation adds a delivery that decides, and every copy is settled', async () => {
    const [ana, boss] = [person(), person()];
    const id = await create(a, [ana], { reminders: [{ after_seconds: 1, recipients: [{ channel: 'telegram', to: String(boss.id) }] }] });
    const first = await messageOf(ana.id, id);
    const escalated = await messageOf(boss.id, id);
    expect(nudgesOf(escalated)).toEqual([]);
    const request = await get(a, id);
    expect(request.recipients).toEqual([{ channel: 'telegram', to: String(ana.id) }, { channel: 'telegram', to: String(boss.id) }]);
    expect(request.reminders[0]).toMatchObject({ recipients: [{ channel: 'telegram', to: String(boss.id) }], sent_at: expect.any(String) });
    await waitFor(() => nudgesOf(first).length === 1, 15_000, 'the first copy nudged');
    await fake.tap({ message: escalated, from: boss, button: 'Approve' });
    const done = await waitFor(async () => { const r = await get(a, id); return r.state === 'resolved' && r; }, 15_000, 'resolved');
    expect(done.response.responder).toMatchObject({ channel: 'telegram', id: String(boss.id) });
    for (const m of [first, escalated]) await waitFor(() => fake.message(m.chatId, m.messageId)!.message.reply_markup === undefined, 15_000, `copy in ${m.chatId} settled`);
    await waitFor(async () => (await get(a, id)).deliveries.every((d: { status: string }) => d.status === 'settled'), 15_000, 'both deliveries settled');
  });
});
