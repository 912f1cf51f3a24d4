// The email channel under the contract, against real mail servers: the real channel sends through
// nodemailer to a recording SMTP server (test/fakes/smtp.ts), and people answer by replying — their
// replies APPENDed, as a mail server would deliver them, to a throw-away Dovecot (test/helpers/dovecot.ts)
// whose INBOX the channel IDLEs on. What a person sees of a delivery is their thread: the request mail
// (its HTML part, tags removed) and any follow-up in it; what they were told is the notices answering
// their replies.
import type { ParsedMail } from 'mailparser';
import pino from 'pino';
import { describe, expect, it } from 'vitest';
import { email } from '../../channels/email/index.js';
import { outcomeOf, type MessageRef, type Request, type Responder } from '../../src/domain/types.js';
import { MemoryHub, MEMORY_HUB_SECRET } from '../fakes/memory-hub.js';
import { composeReply, type Person } from '../fakes/mail-replies.js';
import { FakeSmtp } from '../fakes/smtp.js';
import { startDovecot, type Dovecot } from '../helpers/dovecot.js';
import { makeRequest } from '../helpers/fixtures.js';
import { waitFor } from '../helpers/services.js';
import { type ChannelUnderTest, describeChannelContract, type Persona, type Reply, type Shown } from './contract.js';
import { startPlugin } from './start.js';

const PEOPLE: Record<Persona, Person> = {
  ana: { name: 'Ana Lima', address: 'ana@example.com' },
  ben: { name: 'Ben Okafor', address: 'ben@example.com' },
  eve: { name: 'Eve Marsh', address: 'eve@example.com' },
};
const FROM = 'approvals@example.com';

const header = (m: ParsedMail, name: string) => {
  const v = m.headers.get(name);
  return typeof v === 'string' ? v : undefined;
};
const addressesOf = (m: ParsedMail) => (Array.isArray(m.to) ? m.to : m.to ? [m.to] : []).flatMap((t) => t.value.map((v) => v.address?.toLowerCase()));

/** What a person reads of an HTML mail: its text, tags removed and entities decoded. */
export function visibleText(html: string): string {
  return html
    .replace(/<(style|head|script)[\s\S]*?<\/\1>/gi, ' ')
    .replace(/<[^>]+>/g, ' ')
    .replace(/&(lt|gt|quot|amp|#39|#x27|nbsp);/g, (_, e: string) => ({ lt: '<', gt: '>', quot: '"', amp: '&', '#39': "'", '#x27': "'", nbsp: ' ' })[e] ?? ' ')
    .replace(/\s+/g, ' ')
    .trim();
}

/** The option buttons of a request mail: links to the web page with a preselected value. */
function optionLinks(html: string): string[] {
  return [...html.matchAll(/<a\b[^>]*href="([^"]*\?value=[^"]*)"[^>]*>([\s\S]*?)<\/a>/gi)].map((m) => visibleText(m[2]!));
}

interface Started extends ChannelUnderTest {
  smtp: FakeSmtp;
  dovecot: Dovecot;
}

async function start(): Promise<Started> {
  const smtp = new FakeSmtp();
  await smtp.start();
  const dovecot = await startDovecot();
  const hub = new MemoryHub();
  const logLines: string[] = [];
  const log = pino({ level: 'debug' }, { write: (line: string) => void logLines.push(line) });
  const env = { SMTP_URL: smtp.url, EMAIL_FROM: `Switchboard <${FROM}>`, EMAIL_REPLY_TO: FROM, IMAP_URL: dovecot.url };
  const started = await startPlugin(email, { env, hub, log });
  // MemoryHub runs no jobs: the settle follow-ups the hub's settle job would send are sent here.
  const respond = hub.respond.bind(hub);
  hub.respond = async (answer) => {
    const result = await respond(answer);
    const outcome = outcomeOf(result.request);
    if (result.status === 'won' && outcome) for (const d of result.request.deliveries) if (d.channel === 'email' && d.ref) await started.channel.settle(result.request, d.ref, outcome);
    return result;
  };

  const sentTo = (address: string) => smtp.messages.filter((m) => addressesOf(m.mail).includes(address.toLowerCase())).map((m) => m.mail);
  const original = (ref: MessageRef) => {
    const m = smtp.messages.find((x) => x.mail.messageId === ref.message_id);
    if (!m) throw new Error(`no mail ${String(ref.message_id)}`);
    return m.mail;
  };
  /** The request mail a persona got for this request (each recipient has their own). */
  const mailFor = (request: Request, persona: Persona) => {
    // Switchboard's Message-IDs carry the delivery's token, which starts with the request id.
    const mail = sentTo(PEOPLE[persona].address).find((m) => !m.inReplyTo && m.messageId?.startsWith(`<${request.id.slice('req_'.length)}-`));
    if (!mail) throw new Error(`no request mail to ${persona} for ${request.id}`);
    return mail;
  };
  const reply = (request: Request, r: Reply) =>
    'option' in r ? (request.type === 'approval' ? request.options[r.option]!.value : request.options[r.option]!.label) : r.text;
  const deliverTo = async (request: Request, index: number) => {
    const to = request.recipients[index]!.to!;
    const ref = await started.channel.deliver(request, to, index);
    hub.delivered(request.id, to, ref, 'email');
    return ref;
  };

  return {
    smtp,
    dovecot,
    hub,
    channel: started.channel,
    logLines,
    identity: (persona): Responder => ({ channel: 'email', id: PEOPLE[persona].address, name: PEOPLE[persona].name }),
    request: (over) => makeRequest({ recipients: (['ana', 'ben', 'eve'] as const).map((p) => ({ channel: 'email', to: PEOPLE[p].address })), created_at: new Date().toISOString(), ...over }),
    /** Sends the request to all three people; the ref returned is Ana's. */
    async deliver(request) {
      const refs = [];
      for (let i = 0; i < request.recipients.length; i++) refs.push(await deliverTo(request, i));
      return refs[0]!;
    },
    show(ref): Promise<Shown> {
      const mail = original(ref);
      const html = mail.html || '';
      const followUps = sentTo(String(ref.to)).filter((m) => m.inReplyTo === ref.message_id && header(m, 'auto-submitted') === 'auto-generated');
      const text = [visibleText(html), ...followUps.map((m) => visibleText(m.html || ''))].join('\n');
      return Promise.resolve({ text, actions: /\/r\//.test(html) && followUps.length === 0, options: optionLinks(html), sizes: {} });
    },
    async answer(_ref, request, persona, r) {
      await dovecot.append(composeReply(mailFor(request, persona), { from: PEOPLE[persona], text: reply(request, r) }));
    },
    async answerForged(_ref, request, persona, r, how) {
      const mail = mailFor(request, persona);
      const token = /\+([^@]+)@/.exec(String((mail.replyTo?.value[0]?.address) ?? ''))![1]!;
      const forged =
        how === 'tampered'
          ? token.slice(0, -2) + (token.endsWith('aa') ? 'bb' : 'aa')
          : new MemoryHub({ secret: `not ${MEMORY_HUB_SECRET}` }).tokens.compact(request.id, 0);
      const before = logLines.length;
      await dovecot.append(composeReply(mail, { from: PEOPLE[persona], text: reply(request, r), to: `approvals+${forged}@example.com`, noThreadHeaders: true }));
      await waitFor(async () => (await dovecot.messages('INBOX')).length === 0, 10_000, 'the forged reply handled');
      const recorded = hub.answersTo(request.id).length > 0;
      return { status: recorded ? 200 : 403, text: logLines.slice(before).join('\n') };
    },
    async answerTwice(_ref, request, persona, r) {
      const raw = composeReply(mailFor(request, persona), { from: PEOPLE[persona], text: reply(request, r) });
      await dovecot.append(raw);
      await dovecot.append(raw);
      await waitFor(async () => (await dovecot.messages('INBOX')).length === 0, 10_000, 'both copies handled');
    },
    told: (persona) =>
      sentTo(PEOPLE[persona].address)
        .filter((m) => header(m, 'auto-submitted') === 'auto-replied')
        .flatMap((m) => (m.text ?? '').split(/\n\s*\n/).map((p) => p.replace(/\s+/g, ' ').trim())),
    failAuthNext: () => smtp.failAuthNext(),
    authError: /535/,
    secrets: () => {
      const issued = smtp.messages.flatMap((m) => [
        ...[...(m.mail.html || '').matchAll(/\/r\/([^"?]+)/g)].map((x) => x[1]!),
        ...[...String(m.mail.replyTo?.value[0]?.address ?? '').matchAll(/\+([^@]+)@/g)].map((x) => x[1]!),
      ]);
      return [smtp.pass, dovecot.pass, MEMORY_HUB_SECRET, ...new Set(issued)];
    },
    async stop() {
      if (process.env.DUMP_LOG) console.log(logLines.join(''));
      await started.stop();
      await dovecot.stop();
      await smtp.stop();
    },
  };
}

describeChannelContract('email', {
  platform: 'SMTP',
  limits: { lacks: 'a mail has no size limit near the API limits: the request goes whole' },
  signature: { lacks: 'mail is not signed by a platform; the capability token in the reply address or Message-ID proves an answer' },
  redelivery: true,
  rateLimits: { lacks: 'SMTP has no retry-after; a 4xx answer is a retryable network error' },
  credentials: true,
  start,
});

describe('email: beyond the contract', () => {
  it('a reply matched by References alone (no plus-address) decides', async () => {
    const c = await start();
    try {
      const request = c.hub.add(c.request());
      await c.deliver(request);
      const mail = c.smtp.messages.find((m) => addressesOf(m.mail).includes('ben@example.com'))!.mail;
      await c.dovecot.append(composeReply(mail, { from: PEOPLE.ben, text: 'Approved, ship it', to: FROM }));
      await waitFor(() => c.hub.requests.get(request.id)!.state === 'resolved', 10_000, 'resolved');
      expect(c.hub.requests.get(request.id)!.response).toMatchObject({ value: 'approve', comment: 'ship it', responder: { channel: 'email', id: 'ben@example.com' } });
    } finally {
      await c.stop();
    }
  });
});
