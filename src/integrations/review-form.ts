// A review of one agent action as a Switchboard request, and its answer read back: shared by the
// agent-inbox HumanInterrupt helpers and the LangChain HITL middleware helpers, which only name their
// decisions. Buttons alone make an approval; one free-text decision alone makes a text request;
// anything else is a form with a `decision` select, the free-text field and one field per argument.
import type { CreateRequestInput } from '../client/index.js';
import { LIMITS } from '../domain/limits.js';
import type { Field, FieldValues, Option } from '../domain/types.js';
import { argFields, readArgFields, truncate, type ArgField } from './arg-fields.js';

/** What the caller sets on the request (recipients at least); the helper chooses type, options and fields. */
export type ReviewRequestOptions = Omit<CreateRequestInput, 'type' | 'options' | 'fields' | 'title'> & { title?: string };

/** What the helpers read of a finished request: the request object of the API, or anything shaped like it. */
export interface FinishedRequest {
  id: string;
  state: string;
  response: { value: string | null; comment: string | null; fields: FieldValues } | null;
}

export interface ReviewDecision extends Option {
  /** `edit` changes the arguments; `text` needs the free-text field (a reply); `plain` needs nothing. */
  needs: 'plain' | 'edit' | 'text';
  /** Its wording in the form's `decision` select, when that differs from the button label. */
  selectLabel?: string;
}

export interface ReviewSpec {
  title: string;
  description?: string;
  args: Record<string, unknown>;
  /** The allowed decisions, in the order shown. */
  decisions: ReviewDecision[];
  /** Added when fewer than two decisions would be buttons (an approval needs two): the safe one. */
  fallback: ReviewDecision;
  /** The free-text field of a form, and the decision it belongs to (its text also comes from a comment). */
  note?: { field: string; label: string; decision: string };
}

/** How the reviewer decided: the decision's value, its free text, and the arguments (edited or as they were). */
export interface ReviewAnswer {
  decision: string;
  note: string | undefined;
  args: Record<string, unknown>;
}

const DECISION_FIELD = 'decision';
const EDIT_HINT = 'Fields left blank keep the current values shown above.';

type Plan =
  | { type: 'approval'; options: Option[] }
  | { type: 'text' }
  | { type: 'form'; fields: Field[]; args: ArgField[]; note: string | undefined };

function planOf(spec: ReviewSpec): Plan {
  const { decisions } = spec;
  if (decisions.length === 0) throw new Error('the review allows no decision: nothing to ask');
  if (decisions.every((d) => d.needs === 'plain')) {
    const options: Option[] = decisions.map(({ value, label, style }) => ({ value, label, ...(style ? { style } : {}) }));
    const { value, label, style } = spec.fallback;
    if (options.length < 2 && !options.some((o) => o.value === value)) options.push({ value, label, ...(style ? { style } : {}) });
    if (options.length < 2) throw new Error(`the review allows only "${value}": nothing to ask`);
    return { type: 'approval', options };
  }
  if (decisions.length === 1 && decisions[0]!.needs === 'text') return { type: 'text' };
  const fields: Field[] = [];
  if (decisions.length > 1) {
    const options = decisions.map((d) => ({ value: d.value, label: d.selectLabel ?? d.label }));
    fields.push({ name: DECISION_FIELD, label: 'Decision', type: 'select', required: true, options });
  }
  const note = spec.note && decisions.some((d) => d.value === spec.note!.decision) ? spec.note : undefined;
  if (note) fields.push({ name: note.field, label: note.label, type: 'textarea' });
  const edits = decisions.some((d) => d.needs === 'edit');
  const args = edits ? argFields(spec.args, fields.map((f) => f.name), LIMITS.fields - fields.length) : [];
  fields.push(...args.map((a) => a.field));
  if (fields.length === 0) throw new Error('the review allows only edits, and the action has no arguments: nothing to ask');
  return { type: 'form', fields, args, note: note?.field };
}

/** The create-request body for a review. */
export function reviewRequest(spec: ReviewSpec, opts: ReviewRequestOptions): CreateRequestInput {
  const plan = planOf(spec);
  const hint = plan.type === 'form' && plan.args.length > 0 ? EDIT_HINT : undefined;
  const description = spec.description?.trim() ? truncate(spec.description.trim(), LIMITS.body - EDIT_HINT.length - 2) : undefined;
  const body = [description, hint].filter(Boolean).join('\n\n') || undefined;
  const { title, context, ...rest } = opts;
  return {
    ...(body ? { body } : {}),
    ...rest,
    title: truncate((title ?? spec.title).trim() || 'Review an agent action', LIMITS.title),
    type: plan.type,
    ...(plan.type === 'approval' ? { options: plan.options } : {}),
    ...(plan.type === 'form' ? { fields: plan.fields } : {}),
    context: { ...spec.args, ...context },
  };
}

/** The reviewer's decision on a finished request; null when nobody answered (expired or cancelled). */
export function readReview(spec: ReviewSpec, request: FinishedRequest): ReviewAnswer | null {
  if (request.state === 'pending') throw new Error(`request ${request.id} is still pending: wait for it to finish first`);
  const response = request.response;
  if (!response) return null;
  const plan = planOf(spec);
  const comment = response.comment?.trim() || undefined;
  if (plan.type === 'text') return { decision: spec.decisions[0]!.value, note: response.value ?? comment, args: spec.args };
  // A form's answer is its fields; a value there is on_timeout's, applied at expiry.
  const decision = plan.type === 'approval' ? response.value : (response.value ?? chosen(spec, response.fields));
  const known = [...spec.decisions, spec.fallback].map((d) => d.value);
  if (!decision || !known.includes(decision)) {
    throw new Error(`request ${request.id} was answered "${decision ?? ''}", which is not one of: ${known.join(', ')}`);
  }
  if (plan.type === 'approval') return { decision, note: comment, args: spec.args };
  const typed = plan.note ? response.fields[plan.note] : undefined;
  const note = (typeof typed === 'string' && typed.trim()) || comment;
  const edits = spec.decisions.find((d) => d.value === decision)?.needs === 'edit';
  return { decision, note, args: edits ? readArgFields(spec.args, plan.args, response.fields) : spec.args };
}

function chosen(spec: ReviewSpec, fields: FieldValues): string | undefined {
  if (spec.decisions.length === 1) return spec.decisions[0]!.value;
  const value = fields[DECISION_FIELD];
  return typeof value === 'string' ? value : undefined;
}
