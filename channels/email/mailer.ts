// Sending Switchboard's mail over SMTP with nodemailer (SMTP_URL: smtp:// upgrades with STARTTLS when the
// server offers it, smtps:// is TLS from the start). Every mail says it is automatic (RFC 3834
// Auto-Submitted, and Exchange's X-Auto-Response-Suppress) so out-of-office replies stay away, and
// carries Switchboard's own Message-ID so replies and follow-ups thread. Failures become ChannelErrors
// the job runner can act on; the password never appears in one.
import { createTransport, type Transporter } from 'nodemailer';
import { parseConnectionUrl } from 'nodemailer/lib/shared';
import SMTPConnection from 'nodemailer/lib/smtp-connection';
import type { Logger } from 'pino';
import { ChannelError } from '../channel.js';
import { describeUrl, type EmailSettings } from './config.js';

export interface OutgoingMail {
  to: string;
  subject: string;
  text: string;
  html?: string;
  /** Switchboard's own, from address.ts messageId(). */
  messageId: string;
  inReplyTo?: string;
  references?: string[];
  replyTo?: string;
  /** RFC 3834: 'auto-generated' for request mails and follow-ups, 'auto-replied' for notices answering a reply. */
  autoSubmitted: 'auto-generated' | 'auto-replied';
}

interface SmtpFailure extends Error {
  code?: string;
  response?: string;
  responseCode?: number;
}

const TIMEOUTS = { connectionTimeout: 15_000, greetingTimeout: 15_000, socketTimeout: 60_000 };
/** Failures of the connection itself: the server may well take the mail on the next attempt. */
const CONNECTION_CODES = new Set(['ECONNECTION', 'ETIMEDOUT', 'ESOCKET', 'EDNS', 'ETLS', 'EPROXY']);
/** Replies that mean the server wants a login we did not give or it refused (RFC 4954). */
const AUTH_REPLIES = new Set([530, 534, 535, 538]);

export class Mailer {
  private readonly transport: Transporter;
  /** The server as it may be shown: scheme, user, host and port. */
  private readonly server: string;
  private readonly secrets: string[];

  constructor(
    private readonly settings: Pick<EmailSettings, 'smtpUrl' | 'from'>,
    private readonly log: Logger,
  ) {
    this.transport = createTransport({ url: settings.smtpUrl, ...TIMEOUTS });
    this.server = describeUrl(settings.smtpUrl);
    this.secrets = secretsOf(settings.smtpUrl);
  }

  async send(mail: OutgoingMail): Promise<void> {
    try {
      await this.transport.sendMail({
        from: this.settings.from,
        to: mail.to,
        subject: mail.subject,
        text: mail.text,
        ...(mail.html ? { html: mail.html } : {}),
        messageId: mail.messageId,
        ...(mail.inReplyTo ? { inReplyTo: mail.inReplyTo } : {}),
        ...(mail.references?.length ? { references: mail.references } : {}),
        ...(mail.replyTo ? { replyTo: mail.replyTo } : {}),
        headers: { 'Auto-Submitted': mail.autoSubmitted, 'X-Auto-Response-Suppress': 'All' },
      });
      // Our Message-IDs carry capability tokens: never logged.
      this.log.debug({ kind: mail.autoSubmitted }, 'mail sent');
    } catch (err) {
      throw this.toChannelError(err as SmtpFailure, mail.to);
    }
  }

  /** Connects, upgrades to TLS when offered, logs in, and says how far it got: "SMTP user@host:587 ready (STARTTLS)". */
  async check(): Promise<{ ok: boolean; detail: string }> {
    const { auth, ...options } = parseConnectionUrl(this.settings.smtpUrl);
    const connection = new SMTPConnection({ ...options, ...TIMEOUTS });
    // The connection reports most failures as events: whatever step is running fails with them.
    let fail: (err: Error) => void = () => {};
    connection.on('error', (err: Error) => fail(err));
    connection.on('end', () => fail(new Error('the server closed the connection')));
    const step = (run: (done: (err?: Error | null) => void) => void) =>
      new Promise<void>((resolve, reject) => {
        fail = reject;
        run((err) => (err ? reject(err) : resolve()));
      });
    let stage = 'connect';
    try {
      await step((done) => connection.connect(done));
      const tls = connection.secureConnection ? 'TLS' : connection.secure ? 'STARTTLS' : 'no TLS';
      if (auth) {
        stage = 'login';
        await step((done) => connection.login(auth, done));
      }
      connection.quit();
      return { ok: true, detail: `SMTP ${this.server} ready (${tls})` };
    } catch (err) {
      connection.close();
      return { ok: false, detail: `SMTP ${this.server} ${stage} failed: ${this.reason(err as SmtpFailure)}` };
    }
  }

  close(): void {
    this.transport.close();
  }

  /** auth (login refused), network (connection or a 4xx: retry), invalid (a 5xx for this mail: permanent). */
  private toChannelError(err: SmtpFailure, to: string): ChannelError {
    const reason = this.reason(err);
    if (err.code === 'EAUTH' || err.code === 'ENOAUTH' || (err.responseCode && AUTH_REPLIES.has(err.responseCode))) {
      return new ChannelError('auth', `SMTP ${this.server} refused the login: ${reason}`);
    }
    if (err.responseCode && err.responseCode >= 400 && err.responseCode < 500) {
      return new ChannelError('network', `SMTP ${this.server} deferred the mail to ${to}: ${reason}`);
    }
    if (err.code && CONNECTION_CODES.has(err.code)) return new ChannelError('network', `SMTP ${this.server} unreachable: ${reason}`);
    return new ChannelError('invalid', `SMTP ${this.server} refused the mail to ${to}: ${reason}`);
  }

  /** The server's own answer when there is one ("550 5.1.1 No such user"), else the error; never a secret. */
  private reason(err: SmtpFailure): string {
    const text = (err.response ?? err.message ?? String(err)).trim();
    return this.secrets.reduce((t, secret) => t.split(secret).join('***'), text);
  }
}

/** The password as it may show up: as written in the URL and decoded. */
function secretsOf(url: string): string[] {
  const raw = new URL(url).password;
  if (!raw) return [];
  return [...new Set([raw, safeDecode(raw)])].filter((s) => s.length >= 3);
}

function safeDecode(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}
