import { z } from 'zod';
import { APPROVER_PATTERN, identityIssues } from './identity.js';
import { jsonValueProblem, tooDeep } from './json-value.js';
import { allRecipients, MAX_REMINDER_STEPS, reminderIssues } from './reminders.js';
import { FIELD_NAME, LIMITS } from './limits.js';
import { text } from './text.js';
import { CHANNEL_NAMES, type Option } from './types.js';

/** A JSON object (context, metadata): storable text, nesting checked before JSON.stringify sizes it. */
const jsonObject = (what: string) =>
  z.record(z.string(), z.unknown()).superRefine((v, ctx) => {
    const problem = jsonValueProblem(v, LIMITS.jsonDepth);
    if (problem) {
      // Too deep is named at the field itself: the deep path would say nothing more.
      const path = problem.message === tooDeep(LIMITS.jsonDepth) ? [] : problem.path;
      ctx.addIssue({ code: 'custom', path, message: problem.message });
      return;
    }
    if (Buffer.byteLength(JSON.stringify(v)) > LIMITS.jsonBytes) {
      ctx.addIssue({ code: 'custom', message: `${what} must be at most ${LIMITS.jsonBytes / 1024} KiB as JSON` });
    }
  });

const optionSchema = z.strictObject({
  value: text(LIMITS.optionValue, { min: 1 }),
  label: text(LIMITS.optionLabel, { min: 1 }),
  style: z.enum(['primary', 'danger', 'default']).optional(),
});

const fieldSchema = z
  .strictObject({
    name: z.string().regex(FIELD_NAME, 'must be an identifier (letters, digits, _)'),
    label: text(LIMITS.fieldLabel, { min: 1 }),
    type: z.enum(['text', 'textarea', 'number', 'boolean', 'select']),
    required: z.boolean().optional(),
    options: z.array(optionSchema).min(1).max(LIMITS.selectOptions).optional(),
  })
  .refine((f) => f.type !== 'select' || (f.options?.length ?? 0) > 0, {
    message: 'a select field needs options',
    path: ['options'],
  });

const recipientSchema = z
  .strictObject({
    channel: z.enum(CHANNEL_NAMES),
    to: text(LIMITS.recipientTo, { min: 1 }).optional(),
  })
  .refine((r) => r.channel === 'web' || r.to !== undefined, {
    message: 'required for this channel',
    path: ['to'],
  });

const reminderSchema = z.strictObject({
  after_seconds: z.number().int().min(1).max(LIMITS.timeoutSeconds),
  recipients: z.array(recipientSchema).min(1).max(LIMITS.recipients).optional(),
});

const idText = text(LIMITS.workflowId, { min: 1 });

export const createRequestSchema = z
  .strictObject({
    type: z.enum(['approval', 'choice', 'text', 'form']).default('approval'),
    title: text(LIMITS.title, { min: 1, trim: true }),
    body: text(LIMITS.body).optional(),
    context: jsonObject('context').optional(),
    options: z.array(optionSchema).min(2).max(LIMITS.options).optional(),
    fields: z.array(fieldSchema).min(1).max(LIMITS.fields).optional(),
    recipients: z.array(recipientSchema).min(1).max(LIMITS.recipients),
    // Identities are proven by the channel; identity.ts says which and checks web approvers below.
    approvers: z.array(text(LIMITS.approver).regex(APPROVER_PATTERN, 'must be "channel:id"')).max(LIMITS.approvers).optional(),
    quorum: z.number().int().min(1).max(LIMITS.quorum).default(1),
    timeout_seconds: z.number().int().min(1).max(LIMITS.timeoutSeconds).optional(),
    on_timeout: z
      .strictObject({ value: text(LIMITS.optionValue, { min: 1 }), comment: text(LIMITS.comment).optional() })
      .optional(),
    callback_url: text(LIMITS.callbackUrl).url().optional(),
    workflow_id: idText.optional(),
    checkpoint_id: idText.optional(),
    metadata: jsonObject('metadata').optional(),
    reminders: z.array(reminderSchema).max(MAX_REMINDER_STEPS).optional(),
  })
  .superRefine((r, ctx) => {
    const issue = (path: (string | number)[], message: string) => ctx.addIssue({ code: 'custom', path, message });
    // Escalation recipients join the request's recipients when their step fires: checked as if already there.
    const all = allRecipients(r);
    for (const i of identityIssues({ recipients: all.recipients, approvers: r.approvers })) {
      issue(i.path[0] === 'recipients' ? [...all.pathOf(Number(i.path[1])), ...i.path.slice(2)] : i.path, i.message);
    }
    for (const i of reminderIssues(r, LIMITS.recipients)) issue(i.path, i.message);
    if (r.type === 'choice' && !r.options) issue(['options'], 'a choice needs 2..10 options');
    if ((r.type === 'text' || r.type === 'form') && r.options) issue(['options'], `a ${r.type} request takes no options`);
    if (r.type === 'form' && !r.fields) issue(['fields'], 'a form needs fields');
    if (r.type !== 'form' && r.fields) issue(['fields'], 'only a form takes fields');
    if (r.quorum > 1 && r.type !== 'approval') issue(['quorum'], 'quorum applies to approvals only');
    if (r.on_timeout && !r.timeout_seconds) issue(['on_timeout'], 'needs timeout_seconds');
    const values = (r.options ?? []).map((o) => o.value);
    if (new Set(values).size !== values.length) issue(['options'], 'option values must be unique');
    const names = (r.fields ?? []).map((f) => f.name);
    if (new Set(names).size !== names.length) issue(['fields'], 'field names must be unique');
    const options = r.options ?? defaultOptions(r.type);
    if (r.on_timeout && options.length > 0 && !options.some((o) => o.value === r.on_timeout!.value)) {
      issue(['on_timeout', 'value'], `must be one of: ${options.map((o) => o.value).join(', ')}`);
    }
  });

export type CreateRequestInput = z.infer<typeof createRequestSchema>;

export const APPROVAL_OPTIONS: Option[] = [
  { value: 'approve', label: 'Approve', style: 'primary' },
  { value: 'reject', label: 'Reject', style: 'danger' },
];

export function defaultOptions(type: string): Option[] {
  return type === 'approval' ? APPROVAL_OPTIONS : [];
}

/**
 * The body of POST /v1/requests/{id}/responses. The same limits (limits.ts) hold again in
 * acceptAnswer, which every channel's answer goes through; this schema refuses early with a 422.
 */
export const answerBodySchema = z.strictObject({
  // An option's value, or a text request's answer.
  value: text(LIMITS.answerText, { min: 1 }).optional(),
  comment: text(LIMITS.comment).optional(),
  // Names are checked against the form by acceptAnswer (answer-text.ts refuses ones that are not identifiers).
  fields: z.record(z.string(), z.union([text(LIMITS.fieldValue), z.number(), z.boolean()])).optional(),
  responder: z
    // Display data only: an API answer is attributed to its key (identity.ts); `id` is shown as the name.
    .strictObject({ id: text(LIMITS.responderName, { min: 1 }).optional(), name: text(LIMITS.responderName).optional() })
    .optional(),
});

/** Zod issues as API.md's `errors: [{ path, message }]`. */
export function issuesToErrors(error: z.ZodError, prefix = ''): { path: string; message: string }[] {
  return error.issues.map((i) => ({
    path: [prefix, ...i.path.map(String)].filter(Boolean).join('.'),
    message: i.message,
  }));
}
