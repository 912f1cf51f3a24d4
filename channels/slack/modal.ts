// The answer modal (views.open) and the reading of its submission (view_submission). Pure.
// Block ids name what they hold, so a submission can be read without looking the request up first:
// that keeps the view_submission ack fast. The hub validates the answer again, as it does for all channels.
import type { types } from '@slack/bolt';
import type { Field, FieldValues, Request } from '../../src/domain/types.js';
import { encodeOrigin, VIEW, type ViewKind, type ViewOrigin } from './codec.js';
import { chunkText, escapeMrkdwn, markdownToMrkdwn, truncate } from './mrkdwn.js';

export const BLOCK = { value: 'sb:value', comment: 'sb:comment', text: 'sb:text', fieldPrefix: 'f:' } as const;
const ELEMENT = 'v';
const MAX_INPUT = 3000;

const plain = (text: string, max: number): types.PlainTextElement => ({ type: 'plain_text', text: truncate(text, max), emoji: true });

export function viewKindFor(request: Request): ViewKind {
  return request.type === 'form' ? 'form' : request.type === 'text' ? 'text' : 'approval';
}

export function renderModal(request: Request, origin: ViewOrigin): types.ModalView {
  const kind = viewKindFor(request);
  const intro = request.body?.trim() ? chunkText(markdownToMrkdwn(request.body), 3000)[0] : undefined;
  const blocks: types.KnownBlock[] = [{ type: 'section', text: { type: 'mrkdwn', text: `*${escapeMrkdwn(request.title)}*` } }];
  if (intro) blocks.push({ type: 'context', elements: [{ type: 'mrkdwn', text: truncate(intro, 3000) }] });
  if (kind === 'approval') blocks.push(...approvalInputs(request));
  else if (kind === 'text') blocks.push(textInput(BLOCK.text, 'Your answer', true, true));
  else blocks.push(...request.fields.slice(0, 90).map(fieldInput));
  return {
    type: 'modal',
    callback_id: VIEW[kind],
    private_metadata: encodeOrigin(origin),
    title: plain(kind === 'approval' ? 'Decide' : 'Answer', 24),
    submit: plain('Submit', 24),
    close: plain('Cancel', 24),
    blocks,
  };
}

function approvalInputs(request: Request): types.KnownBlock[] {
  const options = request.options.slice(0, 10).map((o) => ({ text: plain(o.label, 75), value: o.value }));
  return [
    { type: 'input', block_id: BLOCK.value, label: plain('Decision', 2000), element: { type: 'radio_buttons', action_id: ELEMENT, options } },
    textInput(BLOCK.comment, 'Comment', false, true),
  ];
}

function textInput(blockId: string, label: string, required: boolean, multiline: boolean): types.InputBlock {
  return {
    type: 'input',
    block_id: blockId,
    optional: !required,
    label: plain(label, 2000),
    element: { type: 'plain_text_input', action_id: ELEMENT, multiline, max_length: MAX_INPUT },
  };
}

function fieldInput(field: Field): types.InputBlock {
  const blockId = `${BLOCK.fieldPrefix}${field.name}`;
  const base = { type: 'input' as const, block_id: blockId, optional: !field.required, label: plain(field.label, 2000) };
  switch (field.type) {
    case 'textarea':
      return textInput(blockId, field.label, !!field.required, true);
    case 'number':
      return { ...base, element: { type: 'number_input', action_id: ELEMENT, is_decimal_allowed: true } };
    case 'boolean':
      // A checkbox cannot say "no" when required, so a boolean is always optional: unticked is false.
      return { ...base, optional: true, element: { type: 'checkboxes', action_id: ELEMENT, options: [{ text: plain(field.label, 75), value: 'true' }] } };
    case 'select':
      return {
        ...base,
        element: {
          type: 'static_select',
          action_id: ELEMENT,
          placeholder: plain('Choose…', 150),
          options: (field.options ?? []).slice(0, 100).map((o) => ({ text: plain(o.label, 75), value: o.value })),
        },
      };
    default:
      return textInput(blockId, field.label, !!field.required, false);
  }
}

export interface Submission {
  value?: string;
  comment?: string;
  fields?: FieldValues;
}

export type ParsedSubmission = { ok: true; answer: Submission } | { ok: false; errors: Record<string, string> };

type StateValue = {
  type?: unknown;
  value?: unknown;
  selected_option?: { value?: unknown } | null;
  selected_options?: { value?: unknown }[] | null;
};

/** Reads `view.state.values` of one of our modals into an answer; errors are keyed by block id for `response_action: errors`. */
export function parseSubmission(kind: ViewKind, values: unknown): ParsedSubmission {
  if (!values || typeof values !== 'object') return { ok: false, errors: {} };
  const state = values as Record<string, Record<string, StateValue> | undefined>;
  const read = (blockId: string): StateValue | undefined => {
    const block = state[blockId];
    return block && typeof block === 'object' ? block[ELEMENT] : undefined;
  };
  const text = (blockId: string): string | undefined => {
    const v = read(blockId)?.value;
    return typeof v === 'string' && v.trim() ? v.slice(0, MAX_INPUT) : undefined;
  };
  if (kind === 'approval') {
    const value = read(BLOCK.value)?.selected_option?.value;
    if (typeof value !== 'string' || !value) return { ok: false, errors: { [BLOCK.value]: 'Choose one.' } };
    const comment = text(BLOCK.comment);
    return { ok: true, answer: { value, ...(comment ? { comment } : {}) } };
  }
  if (kind === 'text') {
    const value = text(BLOCK.text);
    return value ? { ok: true, answer: { value } } : { ok: false, errors: { [BLOCK.text]: 'Please write an answer.' } };
  }
  const fields: FieldValues = {};
  const errors: Record<string, string> = {};
  for (const blockId of Object.keys(state)) {
    if (!blockId.startsWith(BLOCK.fieldPrefix)) continue;
    const name = blockId.slice(BLOCK.fieldPrefix.length);
    const v = read(blockId);
    if (!v || !/^[A-Za-z_][A-Za-z0-9_]{0,63}$/.test(name)) continue;
    if (v.type === 'checkboxes') fields[name] = Array.isArray(v.selected_options) && v.selected_options.length > 0;
    else if (v.type === 'static_select') {
      if (typeof v.selected_option?.value === 'string') fields[name] = v.selected_option.value;
    } else if (v.type === 'number_input') {
      if (typeof v.value === 'string' && v.value.trim()) {
        const n = Number(v.value);
        if (Number.isFinite(n)) fields[name] = n;
        else errors[blockId] = 'Enter a number.';
      }
    } else if (typeof v.value === 'string' && v.value.trim()) fields[name] = v.value.slice(0, MAX_INPUT);
  }
  return Object.keys(errors).length ? { ok: false, errors } : { ok: true, answer: { fields } };
}
