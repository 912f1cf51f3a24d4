// An answer as it comes off the response queue (manifests/sqs/response.v1.schema.json).
import { z } from 'zod';

export const RESPONSE_TYPE = 'switchboard.response.v1';

export const sqsAnswer = z.object({
  type: z.literal(RESPONSE_TYPE),
  request_id: z.string().min(1),
  token: z.string().min(1),
  /** A form is answered with fields alone: value absent or null. */
  value: z.string().nullable().optional(),
  comment: z.string().optional(),
  fields: z.record(z.string(), z.union([z.string(), z.number(), z.boolean()])).optional(),
  responder: z.object({ id: z.string().min(1).max(200), name: z.string().max(200).optional() }),
});

export type SqsAnswer = z.output<typeof sqsAnswer>;

/** The answer in a message body, or undefined when the body is not one (not JSON, or not this shape). */
export function parseAnswer(body: string | undefined): SqsAnswer | undefined {
  if (body === undefined) return undefined;
  try {
    const parsed = sqsAnswer.safeParse(JSON.parse(body));
    return parsed.success ? parsed.data : undefined;
  } catch {
    return undefined;
  }
}
