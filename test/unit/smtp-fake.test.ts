// The fake SMTP server the email tests send to (test/fakes/smtp.ts), driven by nodemailer as the channel will.
import nodemailer from 'nodemailer';
import { afterEach, describe, expect, it } from 'vitest';
import { FakeSmtp } from '../fakes/smtp.js';

const mail = { from: 'approvals@example.com', to: 'ana@example.com, bo@example.com', subject: 'Deploy?', text: 'Reply yes or no.' };

describe('FakeSmtp', () => {
  let smtp: FakeSmtp | undefined;
  afterEach(async () => {
    await smtp?.stop();
    smtp = undefined;
  });

  async function started(options?: { starttls?: boolean }) {
    smtp = new FakeSmtp(options);
    await smtp.start();
    return { smtp, transport: nodemailer.createTransport(smtp.url) };
  }

  it('records a message sent with its credentials: envelope, raw and parsed', async () => {
    const { smtp, transport } = await started();
    expect(smtp.url).toMatch(/^smtp:\/\/switchboard:[^@]+@127\.0\.0\.1:\d+$/);
    await transport.sendMail(mail);
    const [m] = await smtp.waitForMessages((x) => x.mail.subject === 'Deploy?');
    expect(m!.envelope).toEqual({ from: 'approvals@example.com', to: ['ana@example.com', 'bo@example.com'] });
    expect(m!.raw.toString()).toContain('Subject: Deploy?');
    expect(m!.mail.text?.trim()).toBe('Reply yes or no.');
    expect(m!.secure).toBe(false);
  });

  it('refuses a wrong password, and the next AUTH after failAuthNext, with 535', async () => {
    const { smtp, transport } = await started();
    const wrong = nodemailer.createTransport(smtp.url.replace(/:[^:@]+@/, ':wrong@'));
    await expect(wrong.sendMail(mail)).rejects.toMatchObject({ code: 'EAUTH', responseCode: 535 });

    smtp.failAuthNext();
    const refused = transport.sendMail(mail);
    await expect(refused).rejects.toMatchObject({ code: 'EAUTH', responseCode: 535 });
    await expect(refused).rejects.toThrow(/5\.7\.8 Authentication credentials invalid/);
    await transport.sendMail(mail);
    expect(smtp.messages).toHaveLength(1);
  });

  it('answers the next DATA or MAIL FROM with the code failNext gave, once', async () => {
    const { smtp, transport } = await started();
    smtp.failNext(451, '4.3.0 try again later');
    await expect(transport.sendMail(mail)).rejects.toMatchObject({ responseCode: 451, command: 'DATA' });
    smtp.failNext(550, '5.7.1 sender refused', 'MAIL');
    await expect(transport.sendMail(mail)).rejects.toMatchObject({ responseCode: 550, command: 'MAIL FROM' });
    smtp.failNext(421, '4.3.2 shutting down');
    await expect(transport.sendMail(mail)).rejects.toMatchObject({ responseCode: 421 });
    expect(smtp.messages).toHaveLength(0);
    await transport.sendMail(mail);
    expect(smtp.messages).toHaveLength(1);
  });

  it('with starttls, upgrades the connection before AUTH', async () => {
    const { smtp, transport } = await started({ starttls: true });
    expect(smtp.url).toContain('?tls.rejectUnauthorized=false');
    await transport.sendMail(mail);
    const [m] = await smtp.waitForMessages(() => true);
    expect(m!.secure).toBe(true);

    const plain = nodemailer.createTransport({ host: '127.0.0.1', port: Number(new URL(smtp.url).port), ignoreTLS: true, auth: { user: smtp.user, pass: smtp.pass } });
    await expect(plain.sendMail(mail)).rejects.toThrow(/TLS|encrypt/i);
  });
});
