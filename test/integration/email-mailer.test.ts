import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ChannelError } from '../../channels/channel.js';
import { Mailer, type OutgoingMail } from '../../channels/email/mailer.js';
import { FakeSmtp, type FakeSmtpOptions } from '../fakes/smtp.js';
import { freePort } from '../helpers/services.js';

const log = pino({ level: 'silent' });
const from = 'Switchboard <approvals@example.com>';
let n = 0;
const mail = (over: Partial<OutgoingMail> = {}): OutgoingMail => ({
  to: 'ana@example.com',
  subject: 'Deploy v2.3?',
  text: 'Approve: https://hub.example.com/r/t?value=approve\n',
  html: '<!doctype html><html lang="en"><body><p>Approve</p></body></html>',
  messageId: `<tok${++n}.request@example.com>`,
  autoSubmitted: 'auto-generated',
  ...over,
});

async function failure(p: Promise<unknown>): Promise<ChannelError> {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(ChannelError);
  return err as ChannelError;
}

/** A FakeSmtp and a Mailer sending through it, for the tests of one describe block. */
function smtpAndMailer(options?: FakeSmtpOptions): { smtp: FakeSmtp; mailer: () => Mailer } {
  const smtp = new FakeSmtp(options);
  let mailer: Mailer | undefined;
  beforeAll(async () => {
    await smtp.start();
    mailer = new Mailer({ smtpUrl: smtp.url, from }, log);
  });
  afterAll(async () => {
    mailer?.close();
    await smtp.stop();
  });
  return { smtp, mailer: () => mailer! };
}

describe('Mailer against a real SMTP server', () => {
  const { smtp, mailer } = smtpAndMailer();

  it('sends both parts with our Message-ID, thread headers, Reply-To and the auto-submitted headers', async () => {
    const sent = mail({
      inReplyTo: '<tok0.request@example.com>',
      references: ['<tok0.request@example.com>', '<r1@mail.example.net>'],
      replyTo: 'approvals+tok0@example.com',
    });
    await mailer().send(sent);
    const [m] = await smtp.waitForMessages((x) => x.mail.messageId === sent.messageId);
    expect(m!.envelope).toEqual({ from: 'approvals@example.com', to: ['ana@example.com'] });
    expect(m!.mail.subject).toBe('Deploy v2.3?');
    expect(m!.mail.text).toBe(sent.text);
    expect(m!.mail.html).toContain('<p>Approve</p>');
    expect(m!.mail.inReplyTo).toBe('<tok0.request@example.com>');
    expect(m!.mail.references).toEqual(['<tok0.request@example.com>', '<r1@mail.example.net>']);
    expect(m!.mail.replyTo?.value[0]?.address).toBe('approvals+tok0@example.com');
    expect(m!.mail.from?.value[0]).toMatchObject({ address: 'approvals@example.com', name: 'Switchboard' });
    expect(m!.mail.headers.get('auto-submitted')).toBe('auto-generated');
    expect(m!.mail.headers.get('x-auto-response-suppress')).toBe('All');
  });

  it("marks a notice answering a reply as auto-replied, without thread headers it was not given", async () => {
    const sent = mail({ autoSubmitted: 'auto-replied', html: undefined });
    await mailer().send(sent);
    const [m] = await smtp.waitForMessages((x) => x.mail.messageId === sent.messageId);
    expect(m!.mail.headers.get('auto-submitted')).toBe('auto-replied');
    expect(m!.mail.inReplyTo).toBeUndefined();
    expect(m!.mail.html).toBe(false);
  });

  it('turns a refused login (535) into an auth error that never shows the password', async () => {
    smtp.failAuthNext();
    const err = await failure(mailer().send(mail()));
    expect(err.kind).toBe('auth');
    expect(err.retryable).toBe(false);
    expect(err.message).toContain('535');
    expect(err.message).toContain('switchboard@127.0.0.1');
    expect(err.message).not.toContain(smtp.pass);
  });

  it('retries a deferral (451) and a closing server (421)', async () => {
    smtp.failNext(451, '4.3.0 Try again later');
    const deferred = await failure(mailer().send(mail()));
    expect(deferred.kind).toBe('network');
    expect(deferred.retryable).toBe(true);
    expect(deferred.message).toContain('451 4.3.0 Try again later');

    smtp.failNext(421, '4.4.2 Closing', 'MAIL');
    const closing = await failure(mailer().send(mail()));
    expect(closing.retryable).toBe(true);
  });

  it("gives up on a permanent refusal (550), naming the recipient and the server's answer", async () => {
    smtp.failNext(550, '5.1.1 No such user', 'MAIL');
    const err = await failure(mailer().send(mail({ to: 'nobody@example.com' })));
    expect(err.kind).toBe('invalid');
    expect(err.retryable).toBe(false);
    expect(err.message).toContain('nobody@example.com');
    expect(err.message).toContain('550 5.1.1 No such user');
  });

  it('checks the server: ready with the right login, the failed step without the password with a wrong one', async () => {
    expect(await mailer().check()).toEqual({ ok: true, detail: `SMTP smtp://switchboard@${new URL(smtp.url).host} ready (no TLS)` });
    const wrong = new Mailer({ smtpUrl: smtp.url.replace(encodeURIComponent(smtp.pass), 'wrong-secret'), from }, log);
    const checked = await wrong.check();
    wrong.close();
    expect(checked.ok).toBe(false);
    expect(checked.detail).toMatch(/login failed: 535 5\.7\.8/);
    expect(checked.detail).not.toContain('wrong-secret');
  });

  it('reports a server that is not there as a network error and a failed connect', async () => {
    const port = await freePort();
    const nowhere = new Mailer({ smtpUrl: `smtp://u:secret-pass@127.0.0.1:${port}`, from }, log);
    const err = await failure(nowhere.send(mail()));
    expect(err.kind).toBe('network');
    expect(err.message).not.toContain('secret-pass');
    const checked = await nowhere.check();
    nowhere.close();
    expect(checked.ok).toBe(false);
    expect(checked.detail).toContain('connect failed');
  });
});

describe('Mailer with STARTTLS', () => {
  const { smtp, mailer } = smtpAndMailer({ starttls: true });

  it('upgrades when the server offers it, and says so', async () => {
    const sent = mail();
    await mailer().send(sent);
    const [m] = await smtp.waitForMessages((x) => x.mail.messageId === sent.messageId);
    expect(m!.secure).toBe(true);
    const checked = await mailer().check();
    expect(checked).toMatchObject({ ok: true });
    expect(checked.detail).toMatch(/ready \(STARTTLS\)$/);
  });
});
