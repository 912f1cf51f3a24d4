import type { FieldError } from './errors.js';
import { FIELD_NAME, LIMITS } from './limits.js';
import { auditText, textProblem } from './text.js';
import type { Answer } from './types.js';

/**
 * The limits every answer is held to before it is compared with the request, whichever channel it
 * came through (API, web page, Slack modal, …): each string within its limit (limits.ts) and
 * storable by Postgres. Messages and paths never echo what was sent.
 */
export function answerTextErrors(answer: Answer): FieldError[] {
  const errors: FieldError[] = [];
  const check = (path: string, value: string | undefined, max: number) => {
    const problem = value === undefined ? undefined : textProblem(value, max);
    if (problem) errors.push({ path, message: problem });
  };
  check('value', answer.value, LIMITS.answerText);
  check('comment', answer.comment, LIMITS.comment);
  for (const [name, value] of Object.entries(answer.fields ?? {})) {
    if (!FIELD_NAME.test(name)) errors.push({ path: 'fields', message: 'names a field this form does not have' });
    else if (typeof value === 'string') check(`fields.${name}`, value, LIMITS.fieldValue);
  }
  if (answer.responder.id === '') errors.push({ path: 'responder.id', message: 'required' });
  check('responder.id', answer.responder.id, LIMITS.responderId);
  check('responder.name', answer.responder.name, LIMITS.responderName);
  return errors;
}

/** Who sent an answer and its value for the audit log of refused answers: as sent when within the limits, else cut short; always storable. */
export function auditedAnswer(answer: Answer): { responder: Answer['responder']; value: string | null } {
  const { channel, id, name } = answer.responder;
  return {
    responder: { channel, id: auditText(id, LIMITS.responderId), ...(name !== undefined ? { name: auditText(name, LIMITS.responderName) } : {}) },
    value: answer.value === undefined ? null : auditText(answer.value, LIMITS.answerText),
  };
}
