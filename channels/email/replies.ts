// One message from the inbox → at most one answer for the hub. Automatic mail (out-of-office, bounces,
// lists) is dropped unanswered; a reply that carries no token the hub issued is dropped without a word
// (a stranger learns nothing); a reply from someone other than the delivery's address or an approver,
// or one our mail server could not authenticate (EMAIL_REQUIRE_AUTH), is refused on the record and told
// so; words that decide nothing get a short how-to. Only the new text is read (new-text.ts). Never logs
// the recipient addresses or the body: both carry the token, the capability to answer.
import { createHash } from 'node:crypto';
import { simpleParser, type ParsedMail } from 'mailparser';
import type { Logger } from 'pino';
import { isApprover, linkIdentity } from '../../src/domain/identity.js';
import { LIMITS } from '../../src/domain/limits.js';
import { auditText } from '../../src/domain/text.js';
import type { Answer, Request, Responder } from '../../src/domain/types.js';
import type { Hub } from '../channel.js';
import type { DuplicateGuard } from '../kit/duplicate-guard.js';
import { answerReply } from '../kit/reply.js';
import { normalizeAddress } from './address.js';
import { howToAnswer, readAnswer } from './answer-words.js';
import { authProblem } from './auth-results.js';
import { autoReplyReason } from './auto-reply.js';
import type { EmailSettings } from './config.js';
import { newText } from './new-text.js';
import { referencesOf, repliedDelivery, tokenCandidates, type RepliedDelivery } from './reply-match.js';

/** A short mail back to the person who replied, in their thread. */
export interface Notice {
  to: string;
  subject: string;
  text: string;
  inReplyTo?: string;
  references: string[];
  requestId?: string;
  /** The delivery's token, so a reply to the notice answers the request too; only for a trusted sender. */
  token?: string;
}

export interface ReplyHandlerDeps {
  hub: Hub;
  settings: Pick<EmailSettings, 'replyTo' | 'fromAddress' | 'requireAuth' | 'authservId'>;
  /** Keyed by the reply's Message-ID: a message handled once is never handled again. */
  duplicates: DuplicateGuard;
  /** The channel sends it (Auto-Submitted: auto-replied). */
  notify(notice: Notice): Promise<void>;
  log: Logger;
}

/** What to do with a reply from a known delivery, decided before anything is done. */
type Plan = { kind: 'refuse'; why: string; tell: string } | { kind: 'explain'; tell: string } | { kind: 'answer'; answer: Answer };

interface Sender {
  address: string;
  name?: string;
}

export const REPLY_NOTICE = {
  stranger: 'Your reply was not recorded: only the person this request was sent to, or one of its approvers, can answer it by email.',
  unauthenticated: (problem: string) => `Your reply was not recorded: your mail server could not prove it came from your address (${problem}).`,
} as const;

export function createReplyHandler(deps: ReplyHandlerDeps): (raw: Buffer) => Promise<void> {
  const { hub, log } = deps;
  return async (raw) => {
    const mail = await simpleParser(raw);
    const messageId = mail.messageId ?? `<sha256.${createHash('sha256').update(raw).digest('hex')}>`;
    const where = { message_id: messageId };
    const automatic = autoReplyReason(mail.headers);
    if (automatic) return log.info({ ...where, reason: automatic }, 'email: an automatic message answers nothing');
    const sender = senderOf(mail);
    const delivery = sender && (await repliedDelivery(hub, tokenCandidates(mail, deps.settings.replyTo ?? deps.settings.fromAddress)));
    if (!sender || !delivery) return log.info(where, 'email: a message matches no request; ignored');
    const requestId = delivery.request.id;
    const plan = planFor(deps.settings, mail, delivery, sender);

    // Checked only now, with nothing done yet: the guard records the message as it answers. An answer
    // whose first try failed (the hub unreachable) goes through again unless the hub has it on record.
    if ((await deps.duplicates.isRepeat(`reply:${messageId}`)) && (plan.kind !== 'answer' || answered(delivery.request, plan.answer.responder))) {
      return log.info({ ...where, request_id: requestId }, 'email: a reply already handled; ignored');
    }
    const tell = (text: string, trusted: boolean) =>
      deps.notify({
        to: sender.address,
        subject: replySubject(mail.subject),
        text,
        inReplyTo: mail.messageId,
        references: [...referencesOf(mail), ...(mail.messageId ? [mail.messageId] : [])],
        requestId,
        ...(trusted ? { token: delivery.token } : {}),
      });

    switch (plan.kind) {
      case 'refuse':
        log.info({ ...where, request_id: requestId, reason: plan.why }, 'email: reply refused');
        await hub.refuse(requestId, plan.why, { channel: 'email', from: sender.address, message_id: messageId, actor: `email:${sender.address}` });
        return tell(plan.tell, false);
      case 'explain':
        log.info({ ...where, request_id: requestId }, 'email: a reply that decides nothing; told how to answer');
        return tell(plan.tell, true);
      case 'answer': {
        const result = await hub.respond(plan.answer);
        log.info({ ...where, request_id: requestId, status: result.status }, 'email: reply');
        // A win is confirmed by the settle follow-up that every recipient gets.
        if (result.status !== 'won') await tell(answerReply(result).text, true);
      }
    }
  };
}

function planFor(settings: ReplyHandlerDeps['settings'], mail: ParsedMail, delivery: RepliedDelivery, sender: Sender): Plan {
  const { request } = delivery;
  const from = normalizeAddress(sender.address);
  const isRecipient = from === normalizeAddress(delivery.issuedTo);
  // isApprover admits anyone when there is no approvers list; a reply is not open to strangers.
  if (!isRecipient && !(request.approvers.length > 0 && isApprover(request, { channel: 'email', id: from }))) {
    return { kind: 'refuse', why: `the reply came from ${from}, neither the address this request was sent to nor an approver`, tell: REPLY_NOTICE.stranger };
  }
  if (settings.requireAuth) {
    const problem = authProblem(authResultsOf(mail), settings.authservId ?? '', from);
    if (problem) return { kind: 'refuse', why: `the reply from ${from} did not pass sender authentication: ${problem}`, tell: REPLY_NOTICE.unauthenticated(problem) };
  }
  const read = readAnswer(request, newText({ text: mail.text, html: mail.html }));
  if ('ambiguous' in read) return { kind: 'explain', tell: `${read.ambiguous} Nothing was recorded.\n\n${howToAnswer(request)}` };
  // The delivery's own address answers as its link does (email:<to>), so a click and a reply are one voter.
  const id = isRecipient ? (linkIdentity(request, delivery.recipient)?.id ?? from) : from;
  const responder: Responder = { channel: 'email', id, ...(sender.name ? { name: sender.name } : {}) };
  return { kind: 'answer', answer: { requestId: request.id, responder, ...read } };
}

/** The hub already has this person's answer: the request closed, or their vote is counted. */
function answered(request: Request, responder: Responder): boolean {
  return request.state !== 'pending' || request.votes.some((v) => v.responder.channel === 'email' && v.responder.id === responder.id);
}

/** The From address, and its display name as a responder name may be (cut, never refused). */
function senderOf(mail: ParsedMail): Sender | undefined {
  const from = mail.from?.value.find((a) => a.address);
  const name = from?.name.trim();
  // auditText marks a cut with "…", one character more.
  return from?.address ? { address: from.address, ...(name ? { name: auditText(name, LIMITS.responderName - 1) } : {}) } : undefined;
}

function replySubject(subject = ''): string {
  return /^re:/i.test(subject.trim()) ? subject.trim() : `Re: ${subject}`.trim();
}

function authResultsOf(mail: ParsedMail): string[] {
  const value = mail.headers.get('authentication-results');
  return (Array.isArray(value) ? value : [value]).filter((v): v is string => typeof v === 'string');
}
