import { createHash } from 'node:crypto';
import { defaultOptions, type CreateRequestInput } from '../domain/request-schema.js';
import type { ChannelName } from '../domain/types.js';
import { newId } from './ids.js';
import type { NewRequest, OutboxJob } from './requests.js';

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
  // Inline channels (the web page) have nothing to post: delivered as the request is stored, no job;
  // the row remembers it, so the claim settles them without a job either.
  const deliveries = input.recipients.map((r, i) => {
    const isInline = inline(r.channel);
    return {
      id: newId('dlv', now.getTime()),
      recipient_index: i,
      channel: r.channel,
      to: r.to ?? null,
      status: isInline ? ('delivered' as const) : ('queued' as const),
      inline: isInline,
    };
  });
  const jobs: OutboxJob[] = deliveries.filter((d) => d.status === 'queued').map((d) => ({
    job: 'deliver',
    job_id: `deliver-${d.id}`,
    payload: { deliveryId: d.id, requestId: id },
  }));
  if (expiresAt) {
    jobs.push({ job: 'expire', job_id: `expire-${id}`, payload: { requestId: id }, delay_until: expiresAt.toISOString() });
  }
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
