import type { RespondResult } from '../domain/types.js';

export interface Refusal {
  status: 403 | 409 | 422;
  detail: string;
  /** For 422: which part of the answer is wrong. */
  errors?: { path: string; message: string }[];
}

/** How an API refuses an answer the hub did not take; undefined when it was taken (won or counted). */
export function answerRefusal(result: RespondResult): Refusal | undefined {
  switch (result.status) {
    case 'won':
    case 'counted':
      return undefined;
    case 'closed':
      return { status: 409, detail: result.reason ?? 'The request is closed.' };
    case 'forbidden':
      return { status: 403, detail: result.reason ?? 'Not an approver.' };
    default:
      return { status: 422, detail: 'The answer is not valid for this request.', errors: result.errors ?? [] };
  }
}
