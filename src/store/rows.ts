import { reminderDueAt } from '../domain/reminders.js';
import type { Delivery, ReminderStep, Request, Response } from '../domain/types.js';

/** A requests row as postgres.js returns it, with deliveries and votes aggregated alongside. */
export interface RequestRow {
  id: string;
  state: Request['state'];
  type: Request['type'];
  title: string;
  body: string | null;
  context: Request['context'];
  options: Request['options'];
  fields: Request['fields'];
  recipients: Request['recipients'];
  approvers: string[];
  quorum: number;
  timeout_seconds: number | null;
  on_timeout: Request['on_timeout'];
  callback_url: string | null;
  callback_status: 'pending' | 'delivered' | 'failed' | null;
  callback_attempts: number;
  workflow_id: string | null;
  checkpoint_id: string | null;
  metadata: Request['metadata'];
  response: Response | null;
  reminders?: Omit<ReminderStep, 'due_at'>[] | null;
  idempotency_hash: string | null;
  created_at: Date;
  expires_at: Date | null;
  closed_at: Date | null;
  deliveries?: DeliveryRow[] | null;
  votes?: ResponseRow[] | null;
}

export interface DeliveryRow {
  id: string;
  channel: Delivery['channel'];
  to: string | null;
  status: Delivery['status'];
  error: string | null;
  ref: Delivery['ref'];
  recipient_index: number;
}

export interface ResponseRow {
  value: string | null;
  comment: string | null;
  fields: Response['fields'];
  responder_channel: Response['responder']['channel'];
  responder_id: string;
  responder_name: string | null;
  responded_at: string | Date;
}

const iso = (d: Date | string | null) => (d === null ? null : new Date(d).toISOString());

export function toResponse(r: ResponseRow): Response {
  const responder: Response['responder'] = { channel: r.responder_channel, id: r.responder_id };
  if (r.responder_name) responder.name = r.responder_name;
  return { value: r.value, comment: r.comment, fields: r.fields ?? {}, responder, responded_at: iso(r.responded_at)! };
}

export function toRequest(row: RequestRow): Request {
  return {
    id: row.id,
    state: row.state,
    type: row.type,
    title: row.title,
    body: row.body,
    context: row.context,
    options: row.options,
    fields: row.fields,
    recipients: row.recipients,
    approvers: row.approvers,
    quorum: row.quorum,
    timeout_seconds: row.timeout_seconds,
    on_timeout: row.on_timeout,
    callback_url: row.callback_url,
    workflow_id: row.workflow_id,
    checkpoint_id: row.checkpoint_id,
    metadata: row.metadata,
    created_at: iso(row.created_at)!,
    expires_at: iso(row.expires_at),
    closed_at: iso(row.closed_at),
    response: row.response,
    votes: row.quorum > 1 ? (row.votes ?? []).map(toResponse) : [],
    deliveries: (row.deliveries ?? []).map((d) => ({
      id: d.id,
      channel: d.channel,
      to: d.to,
      status: d.status,
      error: d.error,
      ref: d.ref,
    })),
    callback: row.callback_url
      ? { url: row.callback_url, status: row.callback_status ?? 'pending', attempts: row.callback_attempts }
      : null,
    reminders: (row.reminders ?? []).map((s) => ({ ...s, due_at: reminderDueAt(row.created_at, s.after_seconds), sent_at: s.sent_at ?? null })),
  };
}
