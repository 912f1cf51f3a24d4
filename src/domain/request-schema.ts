import { z } from 'zod';
import { CHANNEL_NAMES, type Option } from './types.js';

const jsonObject = (maxBytes: number, what: string) =>
  z
    .record(z.string(), z.unknown())
    .refine((v) => Buffer.byteLength(JSON.stringify(v)) <= maxBytes, {
      message: `${what} must be at most ${maxBytes / 1024} KiB as JSON`,
    });

const optionSchema = z.strictObject({
  value: z.string().min(1).max(100),
  label: z.string().min(1).max(75),
  style: z.enum(['primary', 'danger', 'default']).optional(),
});

const fieldSchema = z
  .strictObject({
    name: z.string().regex(/^[A-Za-z_][A-Za-z0-9_]{0,63}$/, 'must be an identifier (letters, digits, _)'),
    label: z.string().min(1).max(100),
    type: z.enum(['text', 'textarea', 'number', 'boolean', 'select']),
    required: z.boolean().optional(),
    options: z.array(optionSchema).min(1).max(100).optional(),
  })
  .refine((f) => f.type !== 'select' || (f.options?.length ?? 0) > 0, {
    message: 'a select field needs options',
    path: ['options'],
  });

const recipientSchema = z
  .strictObject({
    channel: z.enum(CHANNEL_NAMES),
    to: z.string().min(1).max(500).optional(),
  })
  .refine((r) => r.channel === 'web' || r.to !== undefined, {
    message: 'required for this channel',
    path: ['to'],
  });

const idText = z.string().min(1).max(200);

export const createRequestSchema = z
  .strictObject({
    type: z.enum(['approval', 'choice', 'text', 'form']).default('approval'),
    title: z.string().trim().min(1).max(200),
    body: z.string().max(8000).optional(),
    context: jsonObject(32 * 1024, 'context').optional(),
    options: z.array(optionSchema).min(2).max(10).optional(),
    fields: z.array(fieldSchema).min(1).max(20).optional(),
    recipients: z.array(recipientSchema).min(1).max(50),
    approvers: z
      .array(
        z
          .string()
          .regex(/^(slack|discord|telegram|email|sqs|web|api):.+$/, 'must be "channel:id"')
          // A name typed on the web page proves nothing, so the web page can only be admitted as a whole.
          .refine((a) => !a.startsWith('web:') || a === 'web:*', 'the web page has no identities: use "web:*" to admit it'),
      )
      .max(100)
      .optional(),
    quorum: z.number().int().min(1).max(50).default(1),
    timeout_seconds: z.number().int().min(1).max(365 * 86400).optional(),
    on_timeout: z.strictObject({ value: z.string().min(1), comment: z.string().max(2000).optional() }).optional(),
    callback_url: z.string().url().max(2000).optional(),
    workflow_id: idText.optional(),
    checkpoint_id: idText.optional(),
    metadata: jsonObject(32 * 1024, 'metadata').optional(),
  })
  .superRefine((r, ctx) => {
    const issue = (path: (string | number)[], message: string) => ctx.addIssue({ code: 'custom', path, message });
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

export const answerBodySchema = z.strictObject({
  value: z.string().min(1).max(100).optional(),
  comment: z.string().max(4000).optional(),
  fields: z.record(z.string(), z.union([z.string().max(4000), z.number(), z.boolean()])).optional(),
  responder: z
    .strictObject({ id: z.string().min(1).max(200), name: z.string().max(200).optional() })
    .optional(),
});

/** Zod issues as API.md's `errors: [{ path, message }]`. */
export function issuesToErrors(error: z.ZodError, prefix = ''): { path: string; message: string }[] {
  return error.issues.map((i) => ({
    path: [prefix, ...i.path.map(String)].filter(Boolean).join('.'),
    message: i.message,
  }));
}
