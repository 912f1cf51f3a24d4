// One message from the response queue → one answer for the hub, and whether the message may be deleted.
// Deleted once the hub has recorded the answer (won, counted, closed or refused: all final); kept when it
// is not an answer at all, so the queue's redrive policy takes it to the dead-letter queue. Never logs
// the body or the token: both carry the capability to answer.
import type { Message } from '@aws-sdk/client-sqs';
import type { Logger } from 'pino';
import type { Request } from '../../src/domain/types.js';
import type { Hub } from '../channel.js';
import type { DuplicateGuard } from '../kit/duplicate-guard.js';
import { parseAnswer, type SqsAnswer } from './answer.js';
import type { Disposition } from './consumer.js';

export interface AnswerHandlerOptions {
  hub: Hub;
  log: Logger;
  duplicates: DuplicateGuard;
}

export function answerHandler(o: AnswerHandlerOptions): (message: Message) => Promise<Disposition> {
  return async (message) => {
    const where = { message_id: message.MessageId, receive_count: message.Attributes?.ApproximateReceiveCount };
    const answer = parseAnswer(message.Body);
    if (!answer) {
      o.log.warn(where, 'sqs: a message on the response queue is not a switchboard.response.v1 answer; left for the dead-letter queue');
      return 'keep';
    }
    const request = await answeredRequest(o.hub, answer);
    if (!request) {
      o.log.warn({ ...where, request_id: answer.request_id }, 'sqs: answer refused: its reply token was not issued for an sqs delivery of that request');
      await o.hub.refuse(answer.request_id, 'bad_token', { channel: 'sqs', message_id: message.MessageId ?? null });
      return 'delete';
    }
    const responderId = answer.responder.id;
    // A message seen before was let through by another receipt; if its answer is on record, this copy is done.
    if (message.MessageId && (await o.duplicates.isRepeat(message.MessageId)) && alreadyRecorded(request, responderId)) {
      o.log.info({ ...where, request_id: request.id }, 'sqs: a repeat of an answer already recorded; deleted');
      return 'delete';
    }
    const result = await o.hub.respond({
      requestId: request.id,
      value: answer.value ?? undefined,
      comment: answer.comment,
      fields: answer.fields,
      responder: { channel: 'sqs', id: responderId, name: answer.responder.name },
    });
    o.log.info({ ...where, request_id: request.id, status: result.status }, 'sqs: answer recorded');
    return 'delete';
  };
}

/** The request the answer's token was issued for, when that is the request it names and an sqs recipient's token. */
async function answeredRequest(hub: Hub, answer: SqsAnswer): Promise<Request | undefined> {
  const link = hub.tokens.verify(answer.token);
  if (!link || link.requestId !== answer.request_id || link.recipient === 'web') return undefined;
  const request = await hub.get(link.requestId);
  return request?.recipients[link.recipient]?.channel === 'sqs' ? request : undefined;
}

function alreadyRecorded(request: Request, responderId: string): boolean {
  if (request.state !== 'pending') return true;
  return request.votes.some((v) => v.responder.channel === 'sqs' && v.responder.id === responderId);
}
