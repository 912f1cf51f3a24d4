// Email through the real hub, against real mail servers: API → Postgres → deliver job → nodemailer → the
// recording SMTP server; replies APPENDed to a throw-away Dovecot are read by the hub's IMAP IDLE loop
// (under its lease), decided through the hub, and settled by a follow-up in every recipient's thread.
import type { ParsedMail } from 'mailparser';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { composeReply, type Person } from '../fakes/mail-replies.js';
import { FakeSmtp } from '../fakes/smtp.js';
import { startDovecot, type Dovecot } from '../helpers/dovecot.js';
import { startTestHub, type TestHub } from '../helpers/harness.js';
import { waitFor } from '../helpers/services.js';

const ANA: Person = { name: 'Ana Lima', address: 'ana@example.com' };
const BEN: Person = { name: 'Ben Okafor', address: 'ben@example.com' };
const EVE: Person = { name: 'Eve Marsh', address: 'eve@example.com' };

const smtp = new FakeSmtp();
let dovecot: Dovecot;
let t: TestHub;
const stops: (() => Promise<void>)[] = [];

const env = () => ({ SMTP_URL: smtp.url, EMAIL_FROM: 'Switchboard <approvals@example.com>', EMAIL_REPLY_TO: 'approvals@example.com', IMAP_URL: dovecot.url });

beforeAll(async () => {
  await smtp.start();
  dovecot = await startDovecot();
  const first = await startTestHub({ env: env() });
  t = first;
  stops.push(() => first.stop());
}, 30_000);

afterAll(async () => {
  for (const stop of stops.reverse()) await stop();
  await dovecot?.stop();
  await smtp.stop();
});

const to = (m: ParsedMail) => (Array.isArray(m.to) ? m.to : m.to ? [m.to] : []).flatMap((a) => a.value.map((v) => v.address));
const autoSubmitted = (m: ParsedMail) => m.headers.get('auto-submitted');

async function create(extra: Record<string, unknown> = {}) {
  const res = await t.api('POST', '/v1/requests', {
    title: `Deploy v2.3 to production? ${Math.random().toString(36).slice(2, 8)}`,
    body: 'Adds **retries** to payments.',
    context: { service: 'payments-api' },
    recipients: [ANA, BEN].map((p) => ({ channel: 'email', to: p.address })),
    ...extra,
  });
  expect(res.status, JSON.stringify(res.body)).toBe(201);
  return res.body as { id: string; title: string };
}
const get = async (id: string) => (await t.api('GET', `/v1/requests/${id}`)).body;
/** The request mail `person` got for the request titled `title`. */
const requestMail = (title: string, person: Person) =>
  waitFor(() => smtp.messages.find((m) => m.mail.subject === title && to(m.mail).includes(person.address) && !m.mail.inReplyTo)?.mail, 15_000, `the mail to ${person.address}`);
const followUps = (original: ParsedMail, person: Person) => smtp.messages.filter((m) => m.mail.inReplyTo === original.messageId && to(m.mail).includes(person.address)).map((m) => m.mail);
const eventsOf = async (id: string) => await t.sql<{ type: string; data: Record<string, unknown> }[]>`select type, data from events where request_id = ${id} order by id`;

describe('email through the real hub', () => {
  it('refuses a recipient that is not an address at create, naming the field', async () => {
    const res = await t.api('POST', '/v1/requests', { title: 'x', recipients: [{ channel: 'email', to: 'ana at example' }] });
    expect(res.status).toBe(422);
    expect(JSON.stringify(res.body)).toContain('recipients');
  });

  it('mails each recipient its own links; GET and HEAD decide nothing, the confirm POST decides as email:<to>', async () => {
    const { id, title } = await create();
    const mail = await requestMail(title, ANA);
    expect(mail.text).toContain('payments-api');
    expect(mail.html).toContain('payments-api');
    expect(mail.messageId).toMatch(/^<[0-9a-z-]+\.request@example\.com>$/);
    const approve = /href="([^"]+\?value=approve)"/.exec(String(mail.html))![1]!.replace(/&amp;/g, '&');
    expect(approve.startsWith(t.baseUrl)).toBe(true);
    const page = await fetch(approve);
    expect(page.status).toBe(200);
    const html = await page.text();
    expect(html).not.toContain('<script');
    expect((await fetch(approve, { method: 'HEAD' })).status).toBe(200);
    expect((await get(id)).state).toBe('pending');

    const formToken = /name="form_token" value="([^"]+)"/.exec(html)![1]!;
    const post = await fetch(approve.split('?')[0]!, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', origin: new URL(t.baseUrl).origin, 'sec-fetch-site': 'same-origin' },
      body: new URLSearchParams({ form_token: formToken, value: 'approve' }).toString(),
    });
    expect(post.status).toBe(200);
    await waitFor(async () => (await get(id)).state === 'resolved', 10_000, 'resolved');
    expect((await get(id)).response).toMatchObject({ value: 'approve', responder: { channel: 'email', id: ANA.address } });
    // Ana decided: a confirmation; Ben: the outcome, no action needed.
    await waitFor(() => followUps(mail, ANA).length === 1, 10_000, 'the confirmation to Ana');
    const benMail = await requestMail(title, BEN);
    const benFollowUp = await waitFor(() => followUps(benMail, BEN)[0], 10_000, 'the follow-up to Ben');
    expect(benFollowUp.text).toMatch(/Approved by .*email/);
    expect(benFollowUp.text).toMatch(/no action needed/i);
    expect(benFollowUp.references).toContain(benMail.messageId);
  });

  it('"Approved, ship it" by reply resolves with the comment; a stranger is refused and the refusal is in the events', async () => {
    const { id, title } = await create({ approvers: [`email:${BEN.address}`] });
    const benMail = await requestMail(title, BEN);
    await dovecot.append(composeReply(benMail, { from: EVE, text: 'approve' }));
    await waitFor(async () => (await eventsOf(id)).find((e) => e.type === 'answer.refused'), 15_000, 'the refusal in the events');
    expect((await get(id)).state).toBe('pending');
    await waitFor(() => smtp.messages.find((m) => to(m.mail).includes(EVE.address) && autoSubmitted(m.mail) === 'auto-replied'), 10_000, 'one short reply to Eve');

    await dovecot.append(composeReply(benMail, { from: BEN, text: 'Approved, ship it' }));
    await waitFor(async () => (await get(id)).state === 'resolved', 15_000, 'resolved');
    expect((await get(id)).response).toMatchObject({ value: 'approve', comment: 'ship it', responder: { channel: 'email', id: BEN.address, name: BEN.name } });
    await waitFor(async () => (await dovecot.messages('Switchboard')).length >= 2, 10_000, 'both replies moved to the done folder');
    expect((await dovecot.messages('INBOX')).length).toBe(0);
  });

  it('dovecot restarted mid-IDLE: the next reply is still handled, once', async () => {
    const { id, title } = await create();
    const mail = await requestMail(title, ANA);
    await dovecot.restart();
    await dovecot.append(composeReply(mail, { from: ANA, text: 'no, not on a Friday' }));
    await waitFor(async () => (await get(id)).state === 'resolved', 30_000, 'resolved after the restart');
    expect((await get(id)).response).toMatchObject({ value: 'reject', comment: 'not on a Friday' });
    expect((await eventsOf(id)).filter((e) => e.type === 'request.resolved')).toHaveLength(1);
  }, 45_000);

  it('a hub restart catches up on a reply that arrived while it was down, once', async () => {
    const { id, title } = await create();
    const mail = await requestMail(title, BEN);
    await t.app.stop();
    const old = t;
    old.app.stop = async () => {};
    await dovecot.append(composeReply(mail, { from: BEN, text: 'lgtm' }));
    t = await startTestHub({ env: env(), shareWith: old });
    stops.push(() => t.app.stop());
    await waitFor(async () => (await get(id)).state === 'resolved', 30_000, 'resolved by the new process');
    expect((await get(id)).response).toMatchObject({ value: 'approve', responder: { id: BEN.address } });
    expect((await eventsOf(id)).filter((e) => e.type === 'request.resolved')).toHaveLength(1);
  }, 45_000);

  it('/readyz checks SMTP and IMAP', async () => {
    const res = await fetch(`${t.baseUrl}/readyz`);
    const body = (await res.json()) as Record<string, unknown>;
    expect(JSON.stringify(body)).toMatch(/SMTP/);
    expect(JSON.stringify(body)).toMatch(/IMAP/);
    expect(JSON.stringify(body)).not.toContain(dovecot.pass);
  });
});
