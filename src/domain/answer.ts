import { answerTextErrors } from './answer-text.js';
import type { Answer, FieldValues, Request, Response } from './types.js';

export interface AnswerError {
  path: string;
  message: string;
}

// Identities and approvers live in identity.ts; re-exported for existing importers.
export { isApprover } from './identity.js';

/** Checks an answer against what the request asked for; returns the normalised fields. */
export function validateAnswer(
  request: Request,
  answer: Answer,
): { ok: true; value: string | null; fields: FieldValues } | { ok: false; errors: AnswerError[] } {
  // Limits and storable text first: the checks below may quote field names, and nothing oversized is compared.
  const textErrors = answerTextErrors(answer);
  if (textErrors.length > 0) return { ok: false, errors: textErrors };
  const errors: AnswerError[] = [];
  let value: string | null = answer.value ?? null;
  if (request.type === 'approval' || request.type === 'choice') {
    const allowed = request.options.map((o) => o.value);
    if (!value) errors.push({ path: 'value', message: `required: one of ${allowed.join(', ')}` });
    else if (!allowed.includes(value)) errors.push({ path: 'value', message: `must be one of: ${allowed.join(', ')}` });
  } else if (request.type === 'text') {
    const text = (answer.value ?? answer.comment ?? '').trim();
    if (!text) errors.push({ path: 'value', message: 'required: the answer text' });
    value = text || null;
  } else if (value !== null) {
    errors.push({ path: 'value', message: 'a form is answered with fields, not a value' });
  }
  const fields = request.type === 'form' ? validateFields(request, answer.fields ?? {}, errors) : {};
  if (request.type !== 'form' && answer.fields && Object.keys(answer.fields).length > 0) {
    errors.push({ path: 'fields', message: 'only a form takes fields' });
  }
  return errors.length > 0 ? { ok: false, errors } : { ok: true, value, fields };
}

function validateFields(request: Request, given: FieldValues, errors: AnswerError[]): FieldValues {
  const out: FieldValues = {};
  const known = new Set(request.fields.map((f) => f.name));
  for (const name of Object.keys(given)) {
    if (!known.has(name)) errors.push({ path: `fields.${name}`, message: 'not a field of this form' });
  }
  for (const field of request.fields) {
    const path = `fields.${field.name}`;
    const raw = given[field.name];
    const empty = raw === undefined || raw === '';
    if (empty) {
      if (field.required) errors.push({ path, message: 'required' });
      continue;
    }
    const coerced = coerceField(field.type, raw, field.options?.map((o) => o.value));
    if (coerced === undefined) errors.push({ path, message: fieldMessage(field.type, field.options?.map((o) => o.value)) });
    else out[field.name] = coerced;
  }
  return out;
}

/** Channels send strings (form posts, modal inputs); the API may send typed JSON. Both end typed. */
function coerceField(type: string, raw: string | number | boolean, choices?: string[]): string | number | boolean | undefined {
  switch (type) {
    case 'number': {
      const n = typeof raw === 'number' ? raw : Number(String(raw).trim());
      return Number.isFinite(n) && String(raw).trim() !== '' ? n : undefined;
    }
    case 'boolean':
      if (typeof raw === 'boolean') return raw;
      if (['true', 'on', 'yes', '1'].includes(String(raw).toLowerCase())) return true;
      if (['false', 'off', 'no', '0'].includes(String(raw).toLowerCase())) return false;
      return undefined;
    case 'select':
      return typeof raw === 'string' && choices?.includes(raw) ? raw : undefined;
    default:
      return typeof raw === 'string' ? raw : String(raw);
  }
}

function fieldMessage(type: string, choices?: string[]): string {
  if (type === 'select') return `must be one of: ${choices?.join(', ')}`;
  return `must be a ${type}`;
}

/** Validates an answer and, if it is valid, turns it into the response to store. */
export function acceptAnswer(
  request: Request,
  answer: Answer,
  now = new Date(),
): { ok: true; response: Response } | { ok: false; errors: AnswerError[]; reason: string } {
  const checked = validateAnswer(request, answer);
  if (!checked.ok) return { ok: false, errors: checked.errors, reason: checked.errors.map((e) => `${e.path}: ${e.message}`).join('; ') };
  return {
    ok: true,
    response: {
      value: checked.value,
      comment: answer.comment?.trim() || null,
      fields: checked.fields,
      responder: answer.responder,
      responded_at: now.toISOString(),
    },
  };
}

/** With quorum > 1 the first option approves; votes for it are counted, any other value decides at once. */
export function isCountedVote(request: Request, value: string | null): boolean {
  return request.type === 'approval' && request.quorum > 1 && value === request.options[0]?.value;
}
