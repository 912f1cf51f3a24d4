// A real SMTP server for tests (the smtp-server package) that records what the hub sends.
//
//   const smtp = new FakeSmtp();  await smtp.start();   // or new FakeSmtp({ starttls: true })
//   SMTP_URL = smtp.url   // smtp://<user>:<pass>@127.0.0.1:<port> (AUTH PLAIN/LOGIN required)
//   await smtp.waitForMessages((m) => m.envelope.to.includes('ana@example.com'));
//   smtp.messages: { envelope: { from, to }, raw, mail (mailparser's ParsedMail), secure }
//   Knobs: failAuthNext() → the next AUTH gets 535 5.7.8; failNext(451, 'try later') → the next message's
//   DATA gets that reply (failNext(code, text, 'MAIL') answers MAIL FROM instead); a 421 closes the connection.
//
// With { starttls: true } it offers STARTTLS with a self-signed certificate (made by the openssl CLI)
// and refuses AUTH before it; the url then carries tls.rejectUnauthorized=false, which nodemailer reads.
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type ParsedMail, simpleParser } from 'mailparser';
import { SMTPServer, type SMTPServerDataStream, type SMTPServerSession } from 'smtp-server';
import { waitFor } from '../helpers/services.js';

export interface SmtpMessage {
  envelope: { from: string; to: string[] };
  raw: Buffer;
  mail: ParsedMail;
  /** True when the message came over TLS (after STARTTLS). */
  secure: boolean;
}

export type SmtpStage = 'MAIL' | 'DATA';

export interface FakeSmtpOptions {
  starttls?: boolean;
}

export class FakeSmtp {
  readonly user = 'switchboard';
  readonly pass = randomBytes(9).toString('base64url');
  readonly messages: SmtpMessage[] = [];
  private server?: SMTPServer;
  private port = 0;
  private certDir?: string;
  private authFailures = 0;
  private failures: { stage: SmtpStage; code: number; text: string }[] = [];

  constructor(private readonly options: FakeSmtpOptions = {}) {}

  get url(): string {
    const tls = this.options.starttls ? '?tls.rejectUnauthorized=false' : '';
    return `smtp://${this.user}:${encodeURIComponent(this.pass)}@127.0.0.1:${this.port}${tls}`;
  }

  async start(): Promise<void> {
    const server = new SMTPServer({
      authMethods: ['PLAIN', 'LOGIN'],
      allowInsecureAuth: !this.options.starttls,
      disabledCommands: this.options.starttls ? [] : ['STARTTLS'],
      ...(this.options.starttls ? this.certificate() : {}),
      logger: false,
      closeTimeout: 500,
      onAuth: (auth, _session, cb) => {
        if (this.authFailures > 0) {
          this.authFailures--;
          return cb(replyError(535, '5.7.8 Authentication credentials invalid'));
        }
        if (auth.username === this.user && auth.password === this.pass) return cb(null, { user: auth.username });
        cb(replyError(535, '5.7.8 Authentication credentials invalid'));
      },
      onMailFrom: (_address, _session, cb) => cb(this.takeFailure('MAIL')),
      onData: (stream, session, cb) => void this.receive(stream, session).then((err) => cb(err), cb),
    });
    server.on('error', () => {}); // a client's abrupt disconnect is not a test failure
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(0, '127.0.0.1', () => resolve());
    });
    this.server = server;
    this.port = (server.server.address() as AddressInfo).port;
  }

  async stop(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    if (server) await new Promise<void>((resolve) => server.close(() => resolve()));
    if (this.certDir) rmSync(this.certDir, { recursive: true, force: true });
  }

  /** The next AUTH is refused with 535 5.7.8, whatever the credentials. */
  failAuthNext(): void {
    this.authFailures++;
  }

  /** The next message is refused at `stage` with `code text` (e.g. 451, 421, 550). */
  failNext(code: number, text: string, stage: SmtpStage = 'DATA'): void {
    this.failures.push({ stage, code, text });
  }

  /** Waits until `count` recorded messages match `pred`; returns them. */
  waitForMessages(pred: (m: SmtpMessage) => boolean, count = 1, timeoutMs = 10_000): Promise<SmtpMessage[]> {
    return waitFor(
      () => {
        const found = this.messages.filter(pred);
        return found.length >= count ? found : undefined;
      },
      timeoutMs,
      `${count} matching SMTP message(s) (${this.messages.length} received)`,
    );
  }

  private async receive(stream: SMTPServerDataStream, session: SMTPServerSession): Promise<Error | null> {
    const chunks: Buffer[] = [];
    for await (const chunk of stream) chunks.push(chunk as Buffer);
    const failure = this.takeFailure('DATA');
    if (failure) return failure;
    const raw = Buffer.concat(chunks);
    const { mailFrom, rcptTo } = session.envelope;
    this.messages.push({
      envelope: { from: mailFrom ? mailFrom.address : '', to: rcptTo.map((r) => r.address) },
      raw,
      mail: await simpleParser(raw),
      secure: session.secure,
    });
    return null;
  }

  private takeFailure(stage: SmtpStage): Error | null {
    const i = this.failures.findIndex((f) => f.stage === stage);
    if (i < 0) return null;
    const [f] = this.failures.splice(i, 1);
    return replyError(f!.code, f!.text);
  }

  private certificate(): { key: Buffer; cert: Buffer } {
    this.certDir = mkdtempSync(join(tmpdir(), 'sb-smtp-cert-'));
    const key = join(this.certDir, 'key.pem');
    const cert = join(this.certDir, 'cert.pem');
    execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-keyout', key, '-out', cert, '-days', '1', '-subj', '/CN=localhost'], { stdio: 'ignore' });
    return { key: readFileSync(key), cert: readFileSync(cert) };
  }
}

function replyError(code: number, text: string): Error {
  return Object.assign(new Error(text), { responseCode: code });
}
