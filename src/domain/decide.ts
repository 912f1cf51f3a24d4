// The rules an answer meets before it may claim a request, as one pure function: the hub and the
// in-memory hub of the channel tests both decide with it.
import { acceptAnswer, isCountedVote } from './answer.js';
import { isApprover } from './identity.js';
import { closedReason } from './outcome-text.js';
import type { Answer, Request, Response } from './types.js';

export type Decision =
  | { kind: 'closed'; reason: string }
  | { kind: 'forbidden'; reason: string }
  | { kind: 'invalid'; reason: string; errors: { path: string; message: string }[] }
  /** Quorum > 1: an approval to count. */
  | { kind: 'vote'; response: Response }
  /** This answer claims the request (if nobody else is first). */
  | { kind: 'claim'; response: Response };

export function decide(request: Request, answer: Answer, now = new Date()): Decision {
  if (request.state !== 'pending') return { kind: 'closed', reason: closedReason(request) };
  if (!isApprover(request, answer.responder)) return { kind: 'forbidden', reason: 'You are not an approver for this request.' };
  const accepted = acceptAnswer(request, answer, now);
  if (!accepted.ok) return { kind: 'invalid', reason: accepted.reason, errors: accepted.errors };
  return isCountedVote(request, accepted.response.value) ? { kind: 'vote', response: accepted.response } : { kind: 'claim', response: accepted.response };
}
