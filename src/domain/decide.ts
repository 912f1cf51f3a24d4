// The rules an answer meets before it may claim a request, as one pure function: the hub and the
// in-memory hub of the channel tests both decide with it.
import { acceptAnswer, isCountedVote } from './answer.js';
import { isApprover } from './identity.js';
import { closedReason, NOT_APPROVER } from './outcome-text.js';
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
  if (!isApprover(request, answer.responder)) return { kind: 'forbidden', reason: NOT_APPROVER };
  const accepted = acceptAnswer(request, answer, now);
  if (!accepted.ok) return { kind: 'invalid', reason: accepted.reason, errors: accepted.errors };
  return isCountedVote(request, accepted.response.value) ? { kind: 'vote', response: accepted.response } : { kind: 'claim', response: accepted.response };
}

/** What an expiry stores as the response: on_timeout's value, answered by `api:timeout`, or nothing. */
export function timeoutResponse(request: Pick<Request, 'on_timeout'>, now = new Date()): Response | null {
  const fallback = request.on_timeout;
  if (!fallback) return null;
  return { value: fallback.value, comment: fallback.comment ?? null, fields: {}, responder: { channel: 'api', id: 'timeout', name: 'Timeout' }, responded_at: now.toISOString() };
}
