// How a request's end is worded, for every channel: the words and the one table of channel names live
// here; a channel only says how to mark them up (a TextStyle: plain text, Slack mrkdwn, HTML) and
// where a time goes. Pure.
import { OPERATOR_PREFIX } from './identity.js';
import type { Outcome, Request, Responder, ResponderChannel, Response, RespondResult } from './types.js';

/** How each channel is named in "… via Slack". */
export const CHANNEL_TITLES: Record<ResponderChannel, string> = {
  slack: 'Slack',
  discord: 'Discord',
  telegram: 'Telegram',
  email: 'email',
  sqs: 'SQS',
  web: 'the web page',
  api: 'the API',
};

export function channelTitle(channel: string): string {
  return CHANNEL_TITLES[channel as ResponderChannel] ?? channel;
}

/** Where a responder answered: their channel, or the console for an operator (web:operator:<key name>). */
const answeredThrough = (r: Responder) => (r.channel === 'web' && r.id.startsWith(OPERATOR_PREFIX) ? 'the console' : channelTitle(r.channel));

export const NOT_APPROVER = 'You are not an approver for this request.';
export const VOTE_ALREADY_COUNTED = 'Your vote was already counted.';

/** How a channel marks up the words. Both functions get raw text and return text safe for the medium. */
export interface TextStyle {
  escape(text: string): string;
  /** An option label or a value, set off from the sentence around it. */
  strong(text: string): string;
  /** A person as this channel shows them, when it has its own way (Slack mentions its own users). */
  person?(responder: Responder): string | undefined;
  /** Raw data (a JSON value) set in code; plain escaped text when the medium has no such markup. */
  code?(text: string): string;
  /** Words quoted from a person (an answer, a comment), a block of its own; plain escaped text by default. */
  quote?(text: string): string;
}

export const PLAIN: TextStyle = { escape: (t) => t, strong: (t) => `"${t}"` };

/** "Ana via Telegram", or the channel's own way of naming its users. */
export function who(responder: Responder, style: TextStyle = PLAIN): string {
  return style.person?.(responder) ?? `${style.escape(responder.name || responder.id)} via ${answeredThrough(responder)}`;
}

/** For a quorum still open: "Approvals so far: Ana (Slack), Ben (email) — 2 of 3" ("none yet" before the first). */
export function approvalsSoFar(request: Request, style: TextStyle = PLAIN): string {
  const voters = request.votes.map((v) => `${style.escape(v.responder.name || v.responder.id)} (${answeredThrough(v.responder)})`);
  return `Approvals so far: ${voters.join(', ') || 'none yet'} — ${request.votes.length} of ${request.quorum}`;
}

/** An option's label, or the value itself when it is not an option. */
export function labelOf(request: Request, value: string | null): string {
  return request.options.find((o) => o.value === value)?.label ?? value ?? '';
}

export type Verdict = 'approved' | 'rejected' | 'chosen' | 'answered' | 'submitted';

/** What an answer did: an approval's first option (or one labelled Approve) approves; a danger option, `reject` or one labelled Reject rejects. */
export function verdictOf(request: Request, value: string | null): Verdict {
  if (request.type === 'text') return 'answered';
  if (request.type === 'form') return 'submitted';
  const index = request.options.findIndex((o) => o.value === value);
  const option = request.options[index];
  const label = labelOf(request, value).toLowerCase();
  if (request.type === 'approval') {
    if (index === 0 || label === 'approve') return 'approved';
    if (option?.style === 'danger' || value === 'reject' || label === 'reject') return 'rejected';
  }
  return 'chosen';
}

/** Everyone whose approvals decided a quorum, else whoever answered. */
function deciders(request: Request, response: Response): Responder[] {
  const quorum = request.quorum > 1 && verdictOf(request, response.value) === 'approved' && request.votes.length > 1;
  return quorum ? request.votes.map((v) => v.responder) : [response.responder];
}

/** "Approved by Ana via Slack", "*Plan B* — chosen by Ana via Slack", "Submitted by …"; `at` follows the verb phrase. */
function decidedLine(request: Request, response: Response, style: TextStyle, at: string): string {
  const by = deciders(request, response).map((r) => who(r, style)).join(', ') + at;
  switch (verdictOf(request, response.value)) {
    case 'approved':
      return `Approved by ${by}`;
    case 'rejected':
      return `Rejected by ${by}`;
    case 'chosen':
      return `${style.strong(labelOf(request, response.value))} — chosen by ${by}`;
    case 'answered':
      return `Answered by ${by}`;
    case 'submitted':
      return `Submitted by ${by}`;
  }
}

/**
 * The status line of a closed request's message: "Approved by Ana via Slack · 14:02",
 * "Expired · 14:02 — *Reject* applied", "Cancelled · 14:02". `at` is the time as the channel shows it.
 */
export function outcomeLine(request: Request, outcome: Outcome, style: TextStyle = PLAIN, at?: string): string {
  const when = at ? ` · ${at}` : '';
  if (outcome.state === 'cancelled') return `Cancelled${when}`;
  if (outcome.state === 'expired') {
    return `Expired${when}${outcome.response ? ` — ${style.strong(labelOf(request, outcome.response.value))} applied` : ''}`;
  }
  return decidedLine(request, outcome.response, style, when);
}

/** For lists of recent decisions: "approved by Ana via Slack", "expired", "cancelled". */
export function shortOutcome(request: Request, style: TextStyle = PLAIN): string {
  if (request.state === 'resolved' && request.response) {
    const line = decidedLine(request, request.response, style, '');
    return verdictOf(request, request.response.value) === 'chosen' ? line : line.charAt(0).toLowerCase() + line.slice(1);
  }
  return request.state;
}

/** A closed request as a sentence: "Approved by Ana via Slack.", "This request has expired. "Reject" was applied." */
export function outcomeSentence(request: Request, style: TextStyle = PLAIN): string {
  if (request.state === 'cancelled') return 'This request was cancelled.';
  if (request.state === 'expired') {
    return `This request has expired.${request.response ? ` ${style.strong(labelOf(request, request.response.value))} was applied.` : ''}`;
  }
  if (!request.response) return `This request is ${request.state}.`;
  return `${decidedLine(request, request.response, style, '')}.`;
}

/** The reply to an answer that came after the request closed: "Already approved by Ana via Slack." */
export function closedReason(request: Request, style: TextStyle = PLAIN): string {
  const r = request.state === 'resolved' ? request.response : null;
  if (!r) return request.state === 'resolved' ? 'This request is already resolved.' : outcomeSentence(request, style);
  const by = who(r.responder, style);
  switch (verdictOf(request, r.value)) {
    case 'approved':
      return `Already approved by ${by}.`;
    case 'rejected':
      return `Already rejected by ${by}.`;
    case 'chosen':
      return `Already answered ${style.strong(labelOf(request, r.value))} by ${by}.`;
    default:
      return `Already answered by ${by}.`;
  }
}

/** What the person who answered is told, whichever channel they answered through. */
export function answerReplyText(result: RespondResult, style: TextStyle = PLAIN): string {
  const { request } = result;
  switch (result.status) {
    case 'won':
      return 'Thank you — your answer decided this request.';
    case 'counted':
      return result.reason ?? `Your approval is counted: ${request.votes.length} of ${request.quorum}.`;
    case 'closed':
      return closedReason(request, style);
    case 'forbidden':
      return result.reason ?? NOT_APPROVER;
    case 'invalid': {
      const detail = result.reason ?? result.errors?.map((e) => `${e.path}: ${e.message}`).join('; ') ?? 'invalid answer';
      return `Your answer was not accepted: ${detail}`;
    }
  }
}

/**
 * The follow-up a recipient gets once a request closed, where a message cannot be edited (email): to
 * the person who decided, "Your answer was recorded: Approved by Ana via email."; to everyone else,
 * "Approved by Ana via Slack — no action needed."
 */
export function followUpText(request: Request, outcome: Outcome, decidedHere: boolean, style: TextStyle = PLAIN, at?: string): string {
  const line = outcomeLine(request, outcome, style, at);
  return decidedHere && outcome.state === 'resolved' ? `Your answer was recorded: ${line}.` : `${line} — no action needed.`;
}
