// The reply handler over real raw messages (parsed by mailparser), a MemoryHub that issues real tokens
// and decides with the real rules, and a duplicate guard over a real Redis.
import { randomBytes } from 'node:crypto';
import { simpleParser, type ParsedMail } from 'mailparser';
import pino from 'pino';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { HttpRoutes } from '../../channels/channel.js';
import { createReplyHandler, REPLY_NOTICE, type Notice, type ReplyHandlerDeps } from '../../channels/email/replies.js';
import { DuplicateGuard } from '../../channels/kit/duplicate-guard.js';
import type { Request } from '../../src/domain/types.js';
import { channelContext, type TestChannelContext } from '../fakes/channel-context.js';
import { composeReply, type ReplyOptions } from '../fakes/mail-replies.js';
import { MemoryHub } from '../fakes/memory-hub.js';
import { makeRequest } from '../helpers/fixtures.js';

const ANA = { name: 'Ana Lopez', address: 'ana@example.com' };
const BOSS = { name: 'Boss', address: 'boss@example.com' };
const STRANGER = { name: 'Mallory', address: 'mallory@example.net' };
const MX = 'mx.example.com';
const SETTINGS: ReplyHandlerDeps['settings'] = { replyTo: 'approvals@example.com', fromAddress: 'approvals@example.com', requireAuth: false, authservId: undefined };

let ctx: TestChannelContext<object>;
let hub: MemoryHub;
let notices: Notice[];

beforeAll(async () => {
  ctx = await channelContext({ hub: new MemoryHub(), http: {} as HttpRoutes, config: {}, channel: 'email' });
});
afterAll(() => ctx.close());
beforeEach(() => {
  hub = new MemoryHub();
  notices = [];
});

function handler(settings: Partial<ReplyHandlerDeps['settings']> = {}, over: Partial<ReplyHandlerDeps> = {}) {
  return createReplyHandler({
    hub,
    settings: { ...SETTINGS, ...settings },
    duplicates: new DuplicateGuard(ctx),
    notify: (n) => Promise.resolve(void notices.push(n)),
    log: pino({ level: 'silent' }),
    ...over,
  });
}

/** A request delivered by email to Ana, and the mail she got, as the channel sends it (Reply-To plus-address, our Message-ID). */
async function delivered(over: Partial<Request> = {}): Promise<{ request: Request; token: string; original: ParsedMail }> {
  const request = hub.add(makeRequest({ recipients: [{ channel: 'email', to: ANA.address }], ...over }));
  const token = hub.tokens.compact(request.id, 0);
  const raw = [
    'From: Switchboard <approvals@example.com>',
    `To: ${ANA.address}`,
    `Reply-To: approvals+${token}@example.com`,
    `Subject: ${request.title}`,
    `Message-ID: <${token}.request@example.com>`,
    'Auto-Submitted: auto-generated',
    'Content-Type: text/plain; charset=utf-8',
    '',
    `${request.title}`,
    'Reply approve or reject as the first word.',
  ].join('\r\n');
  return { request, token, original: await simpleParser(Buffer.from(raw)) };
}

const reply = (original: ParsedMail, o: Partial<ReplyOptions> & { text: string }) => Buffer.from(composeReply(original, { from: ANA, ...o }));
const stateOf = (id: string) => hub.requests.get(id)!;

describe('email replies', () => {
  it('"Approved, ship it" resolves with comment "ship it"', async () => {
    const { request, original } = await delivered();
    await handler()(reply(original, { text: 'Approved, ship it' }));
    expect(stateOf(request.id)).toMatchObject({ state: 'resolved', response: { value: 'approve', comment: 'ship it', responder: { channel: 'email', id: ANA.address, name: 'Ana Lopez' } } });
    expect(notices).toEqual([]);
  });

  it('a top-posted "no" above a quoted "approve" rejects', async () => {
    const { request, original } = await delivered();
    await handler()(reply(original, { text: 'No' }));
    expect(stateOf(request.id)).toMatchObject({ state: 'resolved', response: { value: 'reject', comment: null } });
  });

  it('an out-of-office reply decides nothing and is not answered', async () => {
    const { request, original } = await delivered();
    await handler()(reply(original, { text: 'Approve\n\nI am out of the office until Monday.', headers: { 'Auto-Submitted': 'auto-replied', 'X-Auto-Response-Suppress': 'All' } }));
    expect([stateOf(request.id).state, hub.answers, hub.refusals, notices]).toEqual(['pending', [], [], []]);
  });

  it('a bounce (a delivery status notification) decides nothing and is not answered', async () => {
    const { request, token } = await delivered();
    const dsn = [
      'Return-Path: <>',
      'From: MAILER-DAEMON@mail.example.com (Mail Delivery System)',
      `To: approvals+${token}@example.com`,
      'Subject: Undelivered Mail Returned to Sender',
      'Message-Id: <20240101100005.4T1@mail.example.com>',
      `In-Reply-To: <${token}.request@example.com>`,
      'MIME-Version: 1.0',
      'Content-Type: multipart/report; report-type=delivery-status; boundary="B"',
      '',
      '--B',
      'Content-Type: text/plain',
      '',
      'approve',
      '--B',
      'Content-Type: message/delivery-status',
      '',
      'Reporting-MTA: dns; mail.example.com',
      'Final-Recipient: rfc822; ana@example.com',
      'Action: failed',
      'Status: 5.1.1',
      '--B--',
      '',
    ].join('\r\n');
    await handler()(Buffer.from(dsn));
    expect([stateOf(request.id).state, hub.answers, hub.refusals, notices]).toEqual(['pending', [], [], []]);
  });

  it("a stranger's reply decides nothing: refused on the record, and told once", async () => {
    const { request, original } = await delivered();
    await handler()(reply(original, { from: STRANGER, text: 'Approve' }));
    expect(stateOf(request.id).state).toBe('pending');
    expect(hub.answers).toEqual([]);
    expect(hub.refusals).toEqual([{ requestId: request.id, why: expect.stringContaining(STRANGER.address), data: expect.objectContaining({ channel: 'email', from: STRANGER.address }) }]);
    expect(notices).toEqual([expect.objectContaining({ to: STRANGER.address, text: REPLY_NOTICE.stranger, requestId: request.id })]);
    expect(notices[0]!.token).toBeUndefined();
  });

  it('a reply with only References (no plus-address) works', async () => {
    const { request, original } = await delivered();
    const raw = composeReply(original, { from: ANA, text: 'lgtm', to: 'approvals@example.com' }).replace(/^In-Reply-To:.*\r\n/m, '');
    expect(raw).not.toMatch(/approvals\+/);
    await handler()(Buffer.from(raw));
    expect(stateOf(request.id)).toMatchObject({ state: 'resolved', response: { value: 'approve' } });
  });

  it('a reply sent on through another address is matched by the plus-address in Delivered-To', async () => {
    const { request, token, original } = await delivered();
    await handler()(reply(original, { text: 'yes', to: 'release-team@example.com', noThreadHeaders: true, headers: { 'Delivered-To': `approvals+${token}@example.com` } }));
    expect(stateOf(request.id)).toMatchObject({ state: 'resolved', response: { value: 'approve' } });
  });

  it('a forged token does nothing and tells nobody', async () => {
    const { request, token, original } = await delivered();
    const forged = token.slice(0, -4) + (token.endsWith('aaaa') ? 'bbbb' : 'aaaa');
    await handler()(reply(original, { text: 'Approve', to: `approvals+${forged}@example.com`, noThreadHeaders: true }));
    // Nor does a token for another channel's recipient of the request.
    const web = hub.tokens.compact(request.id, 'web');
    await handler()(reply(original, { text: 'Approve', to: `approvals+${web}@example.com`, noThreadHeaders: true }));
    expect([stateOf(request.id).state, hub.answers, hub.refusals, notices]).toEqual(['pending', [], [], []]);
  });

  it('the same message twice is handled once', async () => {
    const { request, original } = await delivered();
    const maybe = reply(original, { text: 'Maybe tomorrow' });
    await handler()(maybe);
    await handler()(maybe);
    expect(notices).toHaveLength(1);
    const approve = reply(original, { text: 'Approve' });
    await handler()(approve);
    await handler()(approve);
    expect(hub.answersTo(request.id)).toHaveLength(1);
  });

  it('an answer whose first try failed goes through when the message comes again', async () => {
    const { request, original } = await delivered();
    const message = reply(original, { text: 'Approve' });
    const respond = hub.respond.bind(hub);
    hub.respond = () => Promise.reject(new Error('hub unreachable'));
    await expect(handler()(message)).rejects.toThrow('hub unreachable');
    hub.respond = respond;
    await handler()(message);
    expect(stateOf(request.id)).toMatchObject({ state: 'resolved', response: { value: 'approve' } });
  });

  it('an approver who was not the address the token was issued to may answer', async () => {
    const { request, original } = await delivered({ approvers: [`email:${BOSS.address}`, `email:${ANA.address}`] });
    await handler()(reply(original, { from: BOSS, text: 'Reject, not this week' }));
    expect(stateOf(request.id)).toMatchObject({ state: 'resolved', response: { value: 'reject', comment: 'not this week', responder: { id: BOSS.address } } });
  });

  it('EMAIL_REQUIRE_AUTH: dmarc=fail is refused, dmarc=pass accepted', async () => {
    const requireAuth = { requireAuth: true, authservId: MX };
    const { request, original } = await delivered();
    const fail = `${MX}; spf=fail smtp.mailfrom=example.com; dmarc=fail header.from=example.com`;
    await handler(requireAuth)(reply(original, { text: 'Approve', headers: { 'Authentication-Results': fail } }));
    expect(stateOf(request.id).state).toBe('pending');
    expect(hub.refusals).toEqual([expect.objectContaining({ why: expect.stringContaining('dmarc=fail for example.com') })]);
    expect(notices).toEqual([expect.objectContaining({ to: ANA.address, text: REPLY_NOTICE.unauthenticated('dmarc=fail for example.com') })]);

    const pass = `${MX}; dkim=pass header.d=example.com; dmarc=pass header.from=example.com`;
    await handler(requireAuth)(reply(original, { text: 'Approve', headers: { 'Authentication-Results': pass } }));
    expect(stateOf(request.id)).toMatchObject({ state: 'resolved', response: { value: 'approve' } });
  });

  it('a choice by its label', async () => {
    const options = [
      { value: 'blue', label: 'Blue team' },
      { value: 'red', label: 'Red team' },
    ];
    const { request, original } = await delivered({ type: 'choice', options });
    await handler()(reply(original, { text: 'red team - they are free' }));
    expect(stateOf(request.id)).toMatchObject({ state: 'resolved', response: { value: 'red', comment: 'they are free' } });
  });

  it('a form by name: value lines', async () => {
    const fields = [
      { name: 'reason', label: 'Why?', type: 'textarea' as const, required: true },
      { name: 'count', label: 'How many', type: 'number' as const },
    ];
    const { request, original } = await delivered({ type: 'form', options: [], fields });
    await handler()(reply(original, { text: 'reason: tests pass\ncount: 3\n\n-- \nAna' }));
    expect(stateOf(request.id)).toMatchObject({ state: 'resolved', response: { fields: { reason: 'tests pass', count: 3 } } });
  });

  it('an ambiguous reply gets how to answer, in its thread, and decides nothing', async () => {
    const { request, token, original } = await delivered();
    const messageId = `<${randomBytes(6).toString('hex')}@mail.example.com>`;
    await handler()(reply(original, { text: 'Sounds good to me', messageId }));
    expect(stateOf(request.id).state).toBe('pending');
    expect(hub.answers).toEqual([]);
    expect(notices).toEqual([
      {
        to: ANA.address,
        subject: `Re: ${request.title}`,
        text: 'The reply did not start with approve or reject. Nothing was recorded.\n\nReply with approve or reject as the first word; anything after it is your comment.',
        inReplyTo: messageId,
        references: [`<${token}.request@example.com>`, messageId],
        requestId: request.id,
        token,
      },
    ]);
  });

  it('an HTML-only reply (Outlook) is read without the message it quotes', async () => {
    const { request, original } = await delivered();
    const html = [
      '<html><body><div>Reject &ndash; wrong build</div>',
      '<hr style="display:inline-block;width:98%"><div id="divRplyFwdMsg"><b>From:</b> Switchboard &lt;approvals@example.com&gt;<br>',
      '<b>Sent:</b> Monday, January 1, 2024 10:00<br><b>To:</b> Ana Lopez<br><b>Subject:</b> Deploy?</div>',
      '<div>Reply approve or reject as the first word.</div></body></html>',
    ].join('\n');
    await handler()(reply(original, { text: html, quote: false, headers: { 'Content-Type': 'text/html; charset=utf-8' } }));
    expect(stateOf(request.id)).toMatchObject({ state: 'resolved', response: { value: 'reject', comment: 'wrong build' } });
  });

  it('a display name too long for a responder name is cut, not refused', async () => {
    const { request, original } = await delivered();
    await handler()(reply(original, { from: { ...ANA, name: 'A'.repeat(500) }, text: 'Approve' }));
    expect(stateOf(request.id).response?.responder.name).toBe(`${'A'.repeat(199)}…`);
  });

  it('a vote toward a quorum is acknowledged', async () => {
    const { request, original } = await delivered({ quorum: 2 });
    await handler()(reply(original, { text: 'Approve' }));
    expect(stateOf(request.id).state).toBe('pending');
    expect(notices).toEqual([expect.objectContaining({ to: ANA.address, text: 'Your approval is counted: 1 of 2.' })]);
  });

  it('a reply to a closed request is told so', async () => {
    const { request, original } = await delivered();
    hub.cancel(request.id);
    await handler()(reply(original, { text: 'Approve' }));
    expect(notices).toEqual([expect.objectContaining({ to: ANA.address, text: expect.stringMatching(/cancel/i) })]);
  });
});
