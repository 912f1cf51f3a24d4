import { z } from 'zod';
import { InvalidError } from '../../domain/errors.js';
import { LIMITS } from '../../domain/limits.js';
import { outcomeSentence, verdictOf } from '../../domain/outcome-text.js';
import type { Recipient, Request, Response } from '../../domain/types.js';
import { contactChannelSchema, type ContactChannel, type FunctionCallInput, type HumanContactInput } from './spec.js';

// HumanLayer calls ⇄ Switchboard requests. A function call is an approval, a human contact a text
// request; what HumanLayer's GET must show again (ids, fn, channel, state) rides in metadata.humanlayer.

export type CallKind = 'function_call' | 'human_contact';

const callRecordSchema = z.object({
  kind: z.enum(['function_call', 'human_contact']),
  run_id: z.string(),
  call_id: z.string(),
  fn: z.string().optional(),
  channel: contactChannelSchema.nullish(),
  state: z.record(z.string(), z.unknown()).nullish(),
});
type CallRecord = z.infer<typeof callRecordSchema>;

/**
 * The request's Idempotency-Key: the hub's (api_key_id, idempotency_key) index finds a call by its
 * call_id, and a client retrying a POST gets the same request back.
 */
export const callKey = (kind: CallKind, callId: string) => `humanlayer:${kind}:${callId}`;

/** The HumanLayer call a request was made for, if it was made for one of this kind. */
export function callRecordOf(request: Request, kind: CallKind): CallRecord | undefined {
  const r = callRecordSchema.safeParse(request.metadata.humanlayer);
  return r.success && r.data.kind === kind ? r.data : undefined;
}

/** A POST /v1/requests body, and where each of its fields came from in the HumanLayer body (for 422s). */
export interface PlannedRequest {
  body: Record<string, unknown>;
  origins: Record<string, string>;
}

/** slack → a Slack recipient, email → an email recipient, neither → the request's web page. */
function recipientsOf(channel: ContactChannel | null | undefined): PlannedRequest {
  const recipients: Recipient[] = [];
  const origins: Record<string, string> = {};
  const add = (recipient: Recipient, from: string, toField?: string) => {
    origins[`recipients.${recipients.length}.channel`] = from;
    if (toField) origins[`recipients.${recipients.length}.to`] = `${from}.${toField}`;
    recipients.push(recipient);
  };
  if (channel?.slack) add({ channel: 'slack', to: channel.slack.channel_or_user_id }, 'spec.channel.slack', 'channel_or_user_id');
  if (channel?.email) add({ channel: 'email', to: channel.email.address }, 'spec.channel.email', 'address');
  if (recipients.length === 0) add({ channel: 'web' }, 'spec.channel');
  // Slack's allowed responders become approvers; the email recipient, if any, stays one too.
  const allowed = channel?.slack?.allowed_responder_ids ?? [];
  const approvers = allowed.length === 0 ? [] : [...allowed.map((id) => `slack:${id}`), ...(channel?.email ? [`email:${channel.email.address}`] : [])];
  origins.approvers = 'spec.channel.slack.allowed_responder_ids';
  return { body: { recipients, ...(approvers.length ? { approvers } : {}) }, origins };
}

function plan(kind: CallKind, input: FunctionCallInput | HumanContactInput, fields: Record<string, unknown>, origins: Record<string, string>): PlannedRequest {
  const to = recipientsOf(input.spec.channel);
  const { channel, state } = input.spec;
  // Only what is given: metadata is JSON, which has no undefined.
  const record: CallRecord = {
    kind, run_id: input.run_id, call_id: input.call_id,
    ...('fn' in input.spec ? { fn: input.spec.fn } : {}), ...(channel ? { channel } : {}), ...(state ? { state } : {}),
  };
  return {
    body: { ...fields, ...to.body, workflow_id: input.run_id, metadata: { humanlayer: record } },
    origins: { ...origins, ...to.origins, workflow_id: 'run_id', 'metadata.humanlayer': 'spec' },
  };
}

export function functionCallRequest(call: FunctionCallInput): PlannedRequest {
  const { fn, kwargs } = call.spec;
  const args = kwargs && Object.keys(kwargs).length > 0 ? 'with the arguments below' : 'with no arguments';
  return plan('function_call', call, {
    type: 'approval',
    title: `Run ${fn}?`,
    body: `Agent run \`${call.run_id}\` wants to call \`${fn}\` ${args}.`,
    context: kwargs ?? {},
  }, { title: 'spec.fn', body: 'spec.fn', context: 'spec.kwargs' });
}

export function humanContactRequest(contact: HumanContactInput): PlannedRequest {
  const { msg } = contact.spec;
  const firstLine = msg.trim().split('\n', 1)[0]!.trim() || 'The agent asks';
  const title = firstLine.length > LIMITS.title ? `${firstLine.slice(0, LIMITS.title - 1)}…` : firstLine;
  return plan('human_contact', contact, { type: 'text', title, ...(msg.trim() === title ? {} : { body: msg }) }, { title: 'spec.msg', body: 'spec.msg' });
}

/** The hub's 422 with its paths named as the HumanLayer body names them. */
export function inHumanLayerTerms(err: InvalidError, origins: Record<string, string>): InvalidError {
  const rename = (path: string) => {
    const key = Object.keys(origins)
      .filter((k) => path === k || path.startsWith(`${k}.`))
      .sort((a, b) => b.length - a.length)[0];
    return key === undefined ? path : `${origins[key]}${path.slice(key.length)}`;
  };
  return new InvalidError(err.errors.map((e) => ({ ...e, path: rename(e.path) })), err.detail);
}

/** HumanLayer's status: pending has only requested_at; `resolved` and `closed` (expired, cancelled) add their fields. */
function statusOf<T extends object>(request: Request, resolved: (r: Response) => T, closed: (sentence: string) => T) {
  const requested_at = request.created_at;
  if (request.state === 'pending') return { requested_at };
  const r = request.response;
  if (request.state === 'resolved' && r) return { requested_at, responded_at: r.responded_at, ...resolved(r) };
  return { requested_at, responded_at: request.closed_at, ...closed(outcomeSentence(request)) };
}

/** HumanLayer's FunctionCall: pending has no `approved`; expired or cancelled reads as a refusal saying so. */
export function toFunctionCall(request: Request, call: CallRecord) {
  return {
    run_id: call.run_id,
    call_id: call.call_id,
    spec: { fn: call.fn ?? '', kwargs: request.context, channel: call.channel ?? null, state: call.state ?? null },
    status: statusOf(
      request,
      (r) => ({ approved: verdictOf(request, r.value) === 'approved', comment: r.comment }),
      (sentence) => ({ approved: false, comment: sentence }),
    ),
  };
}

/** HumanLayer's HumanContact: the text answer is `status.response`; expired or cancelled says so there. */
export function toHumanContact(request: Request, call: CallRecord) {
  return {
    run_id: call.run_id,
    call_id: call.call_id,
    spec: { msg: request.body ?? request.title, channel: call.channel ?? null, state: call.state ?? null },
    status: statusOf(request, (r) => ({ response: r.value ?? '' }), (sentence) => ({ response: sentence })),
  };
}
