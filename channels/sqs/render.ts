// The messages this channel sends, as plain data: the request (with where and how to answer) and the
// outcome, and reminders. Their JSON Schemas are manifests/sqs/*.schema.json; docs/sqs.md shows them.
import type { MessageAttributeValue } from '@aws-sdk/client-sqs';
import { reminderText } from '../../src/domain/reminders.js';
import type { Outcome, Request } from '../../src/domain/types.js';

export const REQUEST_TYPE = 'switchboard.request.v1';
export const OUTCOME_TYPE = 'switchboard.outcome.v1';
export const REMINDER_TYPE = 'switchboard.reminder.v1';
/** SQS's limit on a message body with its attributes. */
export const MAX_MESSAGE_BYTES = 256 * 1024;

export interface SqsMessage {
  body: string;
  attributes: Record<string, MessageAttributeValue>;
}

/** The request as the API presents it, without capability links (recipients, deliveries and callback are the hub's business). */
export function requestView(request: Request) {
  return {
    id: request.id,
    state: request.state,
    type: request.type,
    title: request.title,
    body: request.body,
    context: request.context,
    options: request.options,
    fields: request.fields,
    workflow_id: request.workflow_id,
    checkpoint_id: request.checkpoint_id,
    metadata: request.metadata,
    created_at: request.created_at,
    expires_at: request.expires_at,
  };
}

export function renderRequest(request: Request, reply: { queueUrl: string; token: string }): SqsMessage {
  const body = { type: REQUEST_TYPE, request: requestView(request), reply: { queue_url: reply.queueUrl, token: reply.token } };
  return { body: JSON.stringify(body), attributes: routing(REQUEST_TYPE, request) };
}

export function renderOutcome(request: Request, outcome: Outcome): SqsMessage {
  const body = { type: OUTCOME_TYPE, request_id: request.id, state: outcome.state, response: outcome.response };
  return { body: JSON.stringify(body), attributes: routing(OUTCOME_TYPE, request) };
}

/** Reminder step `step` is due and the request still pending; answer with the reply token of its request message. */
export function renderReminder(request: Request, step: number): SqsMessage {
  const due = request.reminders[step];
  const body = { type: REMINDER_TYPE, request_id: request.id, step, due_at: due?.due_at ?? null, expires_at: request.expires_at, text: reminderText(request) };
  return { body: JSON.stringify(body), attributes: routing(REMINDER_TYPE, request) };
}

/** Attributes a consumer can route on without parsing the body. */
function routing(messageType: string, request: Request): Record<string, MessageAttributeValue> {
  const attributes: Record<string, MessageAttributeValue> = {
    'switchboard.message_type': text(messageType),
    'switchboard.request_type': text(request.type),
    'switchboard.request_id': text(request.id),
  };
  if (request.workflow_id) attributes['switchboard.workflow_id'] = text(request.workflow_id);
  return attributes;
}

const text = (value: string): MessageAttributeValue => ({ DataType: 'String', StringValue: value });

/** The size SQS counts against its limit: the body and each attribute's name, type and value, in bytes. */
export function messageBytes(message: SqsMessage): number {
  let bytes = Buffer.byteLength(message.body);
  for (const [name, value] of Object.entries(message.attributes)) {
    bytes += Buffer.byteLength(name) + Buffer.byteLength(value.DataType ?? '') + Buffer.byteLength(value.StringValue ?? '');
  }
  return bytes;
}
