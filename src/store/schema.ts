import { sql } from 'drizzle-orm';
import {
  bigserial,
  boolean,
  index,
  integer,
  jsonb,
  pgTable,
  primaryKey,
  text,
  timestamp,
  uniqueIndex,
} from 'drizzle-orm/pg-core';
import type {
  Field,
  FieldValues,
  MessageRef,
  Option,
  Recipient,
  ReminderStep,
  Response,
} from '../domain/types.js';

const ts = (name: string) => timestamp(name, { withTimezone: true, mode: 'date' });

export const requests = pgTable(
  'requests',
  {
    id: text('id').primaryKey(),
    state: text('state').notNull().default('pending'),
    type: text('type').notNull(),
    title: text('title').notNull(),
    body: text('body'),
    context: jsonb('context').$type<Record<string, unknown>>().notNull().default({}),
    options: jsonb('options').$type<Option[]>().notNull().default([]),
    fields: jsonb('fields').$type<Field[]>().notNull().default([]),
    recipients: jsonb('recipients').$type<Recipient[]>().notNull(),
    approvers: jsonb('approvers').$type<string[]>().notNull().default([]),
    quorum: integer('quorum').notNull().default(1),
    timeoutSeconds: integer('timeout_seconds'),
    onTimeout: jsonb('on_timeout').$type<{ value: string; comment?: string } | null>(),
    callbackUrl: text('callback_url'),
    callbackStatus: text('callback_status'),
    callbackAttempts: integer('callback_attempts').notNull().default(0),
    workflowId: text('workflow_id'),
    checkpointId: text('checkpoint_id'),
    metadata: jsonb('metadata').$type<Record<string, unknown>>().notNull().default({}),
    response: jsonb('response').$type<Response | null>(),
    /** Reminder steps with `sent_at` (null until fired); due_at is computed from created_at. */
    reminders: jsonb('reminders').$type<Omit<ReminderStep, 'due_at'>[]>().notNull().default([]),
    apiKeyId: text('api_key_id'),
    idempotencyKey: text('idempotency_key'),
    idempotencyHash: text('idempotency_hash'),
    createdAt: ts('created_at').notNull().defaultNow(),
    expiresAt: ts('expires_at'),
    closedAt: ts('closed_at'),
  },
  (t) => [
    index('requests_state_idx').on(t.state, t.expiresAt),
    index('requests_workflow_idx').on(t.workflowId, t.id),
    uniqueIndex('requests_idempotency_idx')
      .on(t.apiKeyId, t.idempotencyKey)
      .where(sql`${t.idempotencyKey} is not null`),
  ],
);

export const deliveries = pgTable(
  'deliveries',
  {
    id: text('id').primaryKey(),
    requestId: text('request_id')
      .notNull()
      .references(() => requests.id, { onDelete: 'cascade' }),
    recipientIndex: integer('recipient_index').notNull(),
    channel: text('channel').notNull(),
    to: text('to'),
    status: text('status').notNull().default('queued'),
    error: text('error'),
    ref: jsonb('ref').$type<MessageRef | null>(),
    attempts: integer('attempts').notNull().default(0),
    /** Nothing to post or edit (the web page reads the request live): delivered at create, settled by the claim, no jobs. */
    inline: boolean('inline').notNull().default(false),
    createdAt: ts('created_at').notNull().defaultNow(),
    updatedAt: ts('updated_at').notNull().defaultNow(),
  },
  (t) => [
    index('deliveries_request_idx').on(t.requestId),
    // The live backlog (metrics, sweeps) without reading every delivery ever made.
    index('deliveries_queued_idx').on(t.channel).where(sql`${t.status} = 'queued'`),
  ],
);

/** Accepted answers: the deciding response, and with quorum > 1 each vote (one per responder). */
export const responses = pgTable(
  'responses',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    requestId: text('request_id')
      .notNull()
      .references(() => requests.id, { onDelete: 'cascade' }),
    value: text('value'),
    comment: text('comment'),
    fields: jsonb('fields').$type<FieldValues>().notNull().default({}),
    responderChannel: text('responder_channel').notNull(),
    responderId: text('responder_id').notNull(),
    responderName: text('responder_name'),
    respondedAt: ts('responded_at').notNull().defaultNow(),
  },
  (t) => [uniqueIndex('responses_one_per_responder').on(t.requestId, t.responderChannel, t.responderId)],
);

export const apiKeys = pgTable('api_keys', {
  id: text('id').primaryKey(),
  name: text('name').notNull(),
  hash: text('hash').notNull().unique(),
  prefix: text('prefix').notNull(),
  createdAt: ts('created_at').notNull().defaultNow(),
  lastUsedAt: ts('last_used_at'),
  revokedAt: ts('revoked_at'),
  /** What the key may do (see src/domain/scopes.ts); keys made before scopes existed keep what they could do. */
  scopes: text('scopes').array().notNull().default(sql`'{requests:read,requests:write,responses:write}'::text[]`),
});

/** Follow-up jobs written in the same transaction as the state change they follow. */
export const outbox = pgTable(
  'outbox',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    job: text('job').notNull(),
    jobId: text('job_id').notNull(),
    payload: jsonb('payload').$type<Record<string, unknown>>().notNull(),
    delayUntil: ts('delay_until'),
    createdAt: ts('created_at').notNull().defaultNow(),
    /** When the job was last put into (or found waiting in) BullMQ; the row stays until the job is done (see jobs/relay.ts). */
    enqueuedAt: ts('enqueued_at'),
  },
  (t) => [
    // Expire rows are not the relay's: the expiry sweep reads requests' deadlines (src/jobs/expiry.ts).
    index('outbox_due_idx').on(t.delayUntil).where(sql`${t.enqueuedAt} is null and ${t.job} <> 'expire'`),
    index('outbox_enqueued_idx').on(t.enqueuedAt).where(sql`${t.enqueuedAt} is not null`),
    index('outbox_job_idx').on(t.jobId),
    // A webhook attempt replaces its request's callback row (store/callbacks.ts).
    index('outbox_callback_request_idx').on(sql`(${t.payload}->>'requestId')`).where(sql`${t.job} = 'callback'`),
  ],
);

export const webhookAttempts = pgTable(
  'webhook_attempts',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    requestId: text('request_id')
      .notNull()
      .references(() => requests.id, { onDelete: 'cascade' }),
    eventId: text('event_id').notNull(),
    attempt: integer('attempt').notNull(),
    status: integer('status'),
    latencyMs: integer('latency_ms').notNull(),
    error: text('error'),
    createdAt: ts('created_at').notNull().defaultNow(),
  },
  (t) => [index('webhook_attempts_request_idx').on(t.requestId)],
);

/** Append-only log of everything that happened to a request. */
export const events = pgTable(
  'events',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    requestId: text('request_id').notNull(),
    type: text('type').notNull(),
    data: jsonb('data').$type<Record<string, unknown>>().notNull().default({}),
    // When the row was written, not when its transaction began (now()): overlapping transactions
    // would otherwise give a later event (a higher id) an earlier time.
    createdAt: ts('created_at').notNull().default(sql`clock_timestamp()`),
  },
  (t) => [index('events_request_idx').on(t.requestId, t.id)],
);

/** Generated secrets that must survive restarts and be shared by every process. */
export const settings = pgTable('settings', {
  key: text('key').primaryKey(),
  value: text('value').notNull(),
});

/** What a channel keeps across restarts (ChannelState), e.g. the email channel's last IMAP UID. */
export const channelState = pgTable(
  'channel_state',
  {
    channel: text('channel').notNull(),
    key: text('key').notNull(),
    value: jsonb('value').notNull(),
    updatedAt: ts('updated_at').notNull().defaultNow(),
  },
  (t) => [primaryKey({ columns: [t.channel, t.key] })],
);
