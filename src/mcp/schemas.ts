// The tools' inputs and their one output shape. Request fields reuse the server's own create schema,
// so the limits a model sees in the JSON Schema are the ones the API enforces.
import { z } from 'zod';
import { LIMITS } from '../domain/limits.js';
import { createRequestSchema } from '../domain/request-schema.js';
import { text } from '../domain/text.js';

/** Below the 60 s many MCP clients allow a tool call; the hub's long-poll allows up to 60. */
export const MAX_WAIT_SECONDS = 50;
export const DEFAULT_WAIT_SECONDS = 45;

const request = createRequestSchema.shape;

const waitSeconds = z
  .number()
  .int()
  .min(0)
  .max(MAX_WAIT_SECONDS)
  .default(DEFAULT_WAIT_SECONDS)
  .describe(`How long this call waits for the answer (0..${MAX_WAIT_SECONDS} s). If the human has not answered by then, the call returns state "pending" with the id: call check_request with it to keep waiting.`);

const recipients = request.recipients
  .optional()
  .describe('Who is asked and where, e.g. [{"channel":"slack","to":"#deploys"}, {"channel":"email","to":"ana@example.com"}]. Default: only the request\'s web page, whose link (web_url) you then share with the person.');

export const requestApprovalInput = {
  title: request.title.describe('What needs approving, as one line: "Deploy v2.3 to production?"'),
  body: request.body.describe('Details for the approver (Markdown).'),
  context: request.context.describe('Data shown to the approver (a JSON object), e.g. the command or the diff stats.'),
  recipients,
  approvers: request.approvers.describe('Only these may answer, as "channel:id" (e.g. "slack:U123", "email:ana@example.com"). Default: anyone who receives it.'),
  timeout_seconds: request.timeout_seconds.describe('The request expires after this many seconds. Default: never.'),
  on_timeout: request.on_timeout.describe('The answer applied when it expires, e.g. {"value":"reject"}. Needs timeout_seconds.'),
  wait_seconds: waitSeconds,
};

export const askHumanInput = {
  question: text(LIMITS.body, { min: 1, trim: true }).describe('The question for the human.'),
  choices: z
    .array(text(LIMITS.optionLabel, { min: 1, trim: true }))
    .min(2)
    .max(LIMITS.options)
    .optional()
    .describe(`2..${LIMITS.options} answers to choose from. Without choices the human answers in free text.`),
  recipients,
  timeout_seconds: request.timeout_seconds.describe('The question expires after this many seconds. Default: never.'),
  wait_seconds: waitSeconds,
};

export const checkRequestInput = {
  id: z.string().min(1).max(100).describe('The id a previous call returned, e.g. "req_…".'),
  wait_seconds: waitSeconds,
};

const responderSchema = z.object({ channel: z.string(), id: z.string(), name: z.string().optional() });

/** The structured result of every tool. */
const toolResultShape = {
  id: z.string(),
  state: z.enum(['pending', 'resolved', 'expired', 'cancelled']),
  type: z.enum(['approval', 'choice', 'text', 'form']),
  title: z.string(),
  /** For approvals that have closed: whether the answer approved. */
  approved: z.boolean().optional(),
  outcome: z
    .object({
      verdict: z.enum(['approved', 'rejected', 'chosen', 'answered', 'submitted']),
      value: z.string().nullable(),
      comment: z.string().nullable(),
      fields: z.record(z.string(), z.union([z.string(), z.number(), z.boolean()])),
      responder: responderSchema,
      responded_at: z.string(),
    })
    .optional(),
  /** The page where a person can answer (shown to keys that may create requests). */
  web_url: z.string().optional(),
  /** For a pending request: what to do next. */
  instruction: z.string().optional(),
};

export const toolResultSchema = z.object(toolResultShape);
export type ToolResult = z.infer<typeof toolResultSchema>;
