import { z } from 'zod';
import { InvalidError } from '../../domain/errors.js';
import { LIMITS } from '../../domain/limits.js';
import { issuesToErrors } from '../../domain/request-schema.js';
import { text } from '../../domain/text.js';

// The bodies HumanLayer clients send (the `humanlayer` npm package's models.ts; the Python SDK sends
// the same with nulls for unset fields, hence nullish). Objects are not strict: fields a newer client
// adds are dropped, not refused — and so is slack.bot_token, a secret Switchboard never stores.

const id = text(LIMITS.workflowId, { min: 1 });
const jsonObject = z.record(z.string(), z.unknown());

/** A HumanLayer feature Switchboard does not map: refused with a clear 422 rather than ignored. */
const unsupported = (what: string) =>
  z.unknown().refine((v) => v === null || v === undefined || (Array.isArray(v) && v.length === 0), `${what} is not supported by Switchboard`).optional();

const slackChannel = z.object({
  channel_or_user_id: text(LIMITS.recipientTo, { min: 1 }),
  context_about_channel_or_user: text(LIMITS.body).nullish(),
  allowed_responder_ids: z.array(text(LIMITS.approver - 'slack:'.length, { min: 1 })).max(LIMITS.approvers).nullish(),
});

const emailChannel = z.object({
  address: text(LIMITS.recipientTo, { min: 1 }),
  context_about_user: text(LIMITS.body).nullish(),
});

export const contactChannelSchema = z.object({
  slack: slackChannel.nullish(),
  email: emailChannel.nullish(),
  sms: unsupported('the sms channel'),
  whatsapp: unsupported('the whatsapp channel'),
});
export type ContactChannel = z.infer<typeof contactChannelSchema>;

export const functionCallSchema = z.object({
  run_id: id,
  call_id: id,
  spec: z.object({
    fn: text(LIMITS.title - 'Run ?'.length, { min: 1, trim: true }),
    kwargs: jsonObject.nullish(),
    channel: contactChannelSchema.nullish(),
    reject_options: unsupported('reject_options'),
    state: jsonObject.nullish(),
  }),
});
export type FunctionCallInput = z.infer<typeof functionCallSchema>;

export const humanContactSchema = z.object({
  run_id: id,
  call_id: id,
  spec: z.object({
    msg: text(LIMITS.body, { min: 1 }),
    channel: contactChannelSchema.nullish(),
    response_options: unsupported('response_options'),
    state: jsonObject.nullish(),
  }),
});
export type HumanContactInput = z.infer<typeof humanContactSchema>;

/** POST /agent/function_calls/{call_id}/respond: a FunctionCallStatus; only these two fields matter. */
export const functionCallAnswerSchema = z.object({
  approved: z.boolean(),
  comment: text(LIMITS.comment).nullish(),
});

/** POST /agent/human_contacts/{call_id}/respond: a HumanContactStatus. */
export const humanContactAnswerSchema = z.object({
  response: text(LIMITS.answerText, { min: 1 }),
});

/** The body as `schema` reads it, or a 422 naming each field at fault. */
export function parseBody<T extends z.ZodType>(schema: T, body: unknown): z.infer<T> {
  const r = schema.safeParse(body ?? {});
  if (!r.success) throw new InvalidError(issuesToErrors(r.error), 'The body is not valid.');
  return r.data;
}
