import { createHash } from 'node:crypto';
import { defaultOptions, type CreateRequestInput } from '../domain/request-schema.js';
import { reminderDueAt } from '../domain/reminders.js';
import type { ChannelName } from '../domain/types.js';
import { newId } from './ids.js';
import { newDeliveries } from './new-deliveries.js';
import { reminderJobId } from './reminders.js';
import type { NewRequest } from './requests.js';

/** Stable JSON (sorted keys) so the same body always hashes the same for Idempotency-Key checks. */
export function canonicalHash(value: unknown): string {
  const canon = (v: unknown): unknown =>
    Array.isArray(v)
      ? v.map(canon)
      : v && typeof v === 'object'
        ? Object.fromEntries(Object.keys(v).sort().map((k) => [k, canon((v as Record<string, unknown>)[k])]))
        : v;
  return createHash('sha256').update(JSON.stringify(canon(value))).digest('hex');
}

/**
 * Turns a validated create body into the rows and jobs one insert writes (see insertRequest). Pure
 * apart from the ids; `inline` says which channels have nothing to post (Channel.inline).
 */
export function buildRequest(
  input: CreateRequestInput,
  apiKeyId: string,
  idempotencyKey: string | undefined,
  inline: (channel: ChannelName) => boolean = () => false,
  now = new Date(),
): NewRequest {
  const id = newId('req', now.getTime());
  const expiresAt = input.timeout_seconds ? new Date(now.getTime() + input.timeout_seconds * 1000) : null;
  const { deliveries, jobs } = newDeliveries(input.recipients, id, 0, inline, now);
  if (expiresAt) {
    jobs.push({ job: 'expire', job_id: `expire-${id}`, payload: { requestId: id }, delay_until: expiresAt.toISOString() });
  }
  (input.reminders ?? []).forEach((step, i) => {
    jobs.push({ job: 'remind', job_id: reminderJobId(id, i), payload: { requestId: id, step: i }, delay_until: reminderDueAt(now, step.after_seconds) });
  });
  return {
    row: {
      id,
      state: 'pending',
      type: input.type,
      title: input.title,
      body: input.body ?? null,
      context: input.context ?? {},
      options: input.options ?? defaultOptions(input.type),
      fields: input.fields ?? [],
      recipients: input.recipients,
      approvers: input.approvers ?? [],
      quorum: input.quorum,
      timeout_seconds: input.timeout_seconds ?? null,
      on_timeout: input.on_timeout ?? null,
      callback_url: input.callback_url ?? null,
      workflow_id: input.workflow_id ?? null,
      checkpoint_id: input.checkpoint_id ?? null,
      metadata: input.metadata ?? {},
      reminders: (input.reminders ?? []).map((step) => ({ ...step, sent_at: null })),
      api_key_id: apiKeyId,
      idempotency_key: idempotencyKey ?? null,
      idempotency_hash: idempotencyKey ? canonicalHash(input) : null,
      created_at: now,
      expires_at: expiresAt,
    },
    deliveries,
    jobs,
  };
}
