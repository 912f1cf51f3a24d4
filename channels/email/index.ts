// The email channel: delivers a request as a mail with a text and an HTML part whose buttons open the
// request's web page with the option preselected (only the page's POST decides, so link scanners decide
// nothing); reads replies from an IMAP inbox (one hub process at a time, under a lease) and decides by
// their first word; settles by a short follow-up in each recipient's thread, as mail cannot be edited.
// Replies are matched by the compact capability token in the plus-address and in our Message-IDs.
import { randomBytes } from 'node:crypto';
import type { Logger } from 'pino';
import { reminderText } from '../../src/domain/reminders.js';
import type { MessageRef, Outcome, Request } from '../../src/domain/types.js';
import { type Channel, type ChannelCheck, type ChannelContext, ChannelError, type ChannelPlugin, type Hub, type Lease } from '../channel.js';
import { DuplicateGuard } from '../kit/duplicate-guard.js';
import { recentDecisions } from '../kit/recent-decisions.js';
import { addressProblem, domainOf, messageId, normalizeAddress, replyAddress } from './address.js';
import { emailSettings, type EmailSettings } from './config.js';
import { Inbox, type InboxTiming } from './inbox.js';
import { Mailer } from './mailer.js';
import { createReplyHandler, type Notice } from './replies.js';
import { mailSubject, renderNotice, renderOutcomeMail, renderRequestMail } from './render.js';

const HISTORY_LIMIT = 3;
/** How long a reply's Message-ID is remembered, to handle a message found again (a crash before it was moved) once. */
const REPLY_SEEN_FOR_MS = 7 * 24 * 60 * 60 * 1000;

export interface EmailChannelOptions {
  inboxTiming?: Partial<InboxTiming>;
}

export class EmailChannel implements Channel {
  readonly name = 'email' as const;
  readonly mailer: Mailer;
  private hub?: Hub;
  private inbox?: Inbox;
  private lease?: Lease;
  private readonly domain: string;

  constructor(
    private readonly settings: EmailSettings,
    private readonly log: Logger,
    private readonly options: EmailChannelOptions = {},
  ) {
    this.mailer = new Mailer(settings, log);
    this.domain = domainOf(settings.fromAddress);
  }

  start(ctx: ChannelContext): Promise<void> {
    this.hub = ctx.hub;
    const { imapUrl } = this.settings;
    if (imapUrl) {
      const handle = createReplyHandler({
        hub: ctx.hub,
        settings: this.settings,
        duplicates: new DuplicateGuard(ctx, REPLY_SEEN_FOR_MS),
        notify: (notice) => this.notify(notice),
        log: this.log,
      });
      const inbox = new Inbox({ url: imapUrl, doneFolder: this.settings.doneFolder, state: ctx.state, log: this.log, handle, timing: this.options.inboxTiming });
      this.inbox = inbox;
      this.lease = ctx.lease('inbox');
      this.lease.run((signal) => inbox.run(signal));
    }
    return Promise.resolve();
  }

  async stop(): Promise<void> {
    await this.lease?.stop();
    this.mailer.close();
  }

  validateRecipient(to: string | undefined): string | undefined {
    return addressProblem(to);
  }

  async deliver(request: Request, to: string | undefined, recipientIndex: number): Promise<MessageRef> {
    const hub = this.started();
    const problem = addressProblem(to);
    if (problem) throw new ChannelError('invalid', problem);
    const token = hub.tokens.compact(request.id, recipientIndex);
    const page = `${hub.publicUrl}/r/${hub.tokens.issue(request.id, recipientIndex)}`;
    const links =
      request.type === 'approval' || request.type === 'choice'
        ? request.options.map((o) => ({ label: o.label, url: `${page}?value=${encodeURIComponent(o.value)}`, style: o.style }))
        : [{ label: request.type === 'form' ? 'Open the form' : 'Answer', url: page, style: 'primary' as const }];
    const history = await recentDecisions(hub, request, HISTORY_LIMIT, this.log);
    const content = renderRequestMail(request, { links, history, replies: !!this.settings.imapUrl, to });
    // One Message-ID per delivery: a delivery retried after a crash mid-send sends the same message again,
    // and mail clients show one.
    const id = messageId(token, 'request', this.domain);
    await this.mailer.send({ to: to!, ...content, messageId: id, ...this.replyTo(token), autoSubmitted: 'auto-generated' });
    return { message_id: id, to: to!, recipient: recipientIndex };
  }

  /** A follow-up in the recipient's thread: the outcome, or a confirmation for the person who decided. */
  async settle(request: Request, ref: MessageRef, outcome: Outcome): Promise<void> {
    const hub = this.started();
    const { to, original, index } = threadOf(request, ref);
    const responder = outcome.response?.responder;
    const decidedHere = responder?.channel === 'email' && normalizeAddress(responder.id) === normalizeAddress(to);
    const content = renderOutcomeMail(request, outcome, { decidedHere, pageUrl: `${hub.publicUrl}/r/${hub.tokens.issue(request.id, index)}` });
    await this.mailer.send({
      to,
      ...content,
      messageId: messageId(hub.tokens.compact(request.id, index), 'outcome', this.domain),
      inReplyTo: original,
      references: [original],
      autoSubmitted: 'auto-generated',
    });
  }

  /** A reminder in the recipient's thread; its Reply-To is the delivery's plus-address, so a reply still decides. */
  async remind(request: Request, ref: MessageRef, step: number): Promise<void> {
    const hub = this.started();
    const { to, original, index } = threadOf(request, ref);
    const token = hub.tokens.compact(request.id, index);
    const page = `${hub.publicUrl}/r/${hub.tokens.issue(request.id, index)}`;
    await this.mailer.send({
      to,
      subject: `Re: ${mailSubject(request.title)}`,
      ...renderNotice(`${reminderText(request)}.\n\nThe request: ${page}`),
      messageId: messageId(token, 'notice', this.domain, `reminder-${step}`),
      inReplyTo: original,
      references: [original],
      ...this.replyTo(token),
      autoSubmitted: 'auto-generated',
    });
  }

  async check(): Promise<ChannelCheck> {
    const checks = [this.mailer.check(), ...(this.inbox ? [this.inbox.check()] : [])];
    const results = await Promise.all(checks);
    const detail = results.map((r) => r.detail).join('; ') + (this.inbox ? '' : '; replies off (IMAP_URL not set)');
    return { ok: results.every((r) => r.ok), detail };
  }

  /** A short answer to a reply (how to answer, why it was refused), in its thread. */
  private async notify(notice: Notice): Promise<void> {
    const token = notice.token;
    await this.mailer.send({
      to: notice.to,
      subject: notice.subject,
      ...renderNotice(notice.text),
      messageId: token ? messageId(token, 'notice', this.domain, randomBytes(6).toString('hex')) : `<notice.${randomBytes(12).toString('hex')}@${this.domain}>`,
      inReplyTo: notice.inReplyTo,
      references: notice.references,
      ...(token ? this.replyTo(token) : {}),
      autoSubmitted: 'auto-replied',
    });
  }

  private replyTo(token: string): { replyTo?: string } {
    return this.settings.imapUrl && this.settings.replyTo ? { replyTo: replyAddress(this.settings.replyTo, token) } : {};
  }

  private started(): Hub {
    if (!this.hub) throw new ChannelError('network', 'the email channel is not started');
    return this.hub;
  }
}

/** The recipient, first Message-ID and recipient index of a delivered mail, to follow up in its thread. */
function threadOf(request: Request, ref: MessageRef): { to: string; original: string; index: number } {
  const to = typeof ref.to === 'string' ? ref.to : undefined;
  const original = typeof ref.message_id === 'string' ? ref.message_id : undefined;
  const index = typeof ref.recipient === 'number' ? ref.recipient : request.recipients.findIndex((r) => r.channel === 'email' && r.to === to);
  if (!to || !original || index < 0) throw new ChannelError('invalid', 'the delivery has no address or Message-ID to follow up on');
  return { to, original, index };
}

/** The registry's entry: settings from SMTP_URL, EMAIL_FROM, IMAP_URL and the EMAIL_* variables (config.ts). */
export const email: ChannelPlugin<EmailSettings> = {
  name: 'email',
  settings: emailSettings,
  create: (settings, log) => new EmailChannel(settings, log),
};
