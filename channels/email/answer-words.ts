// The answer in the words of an email reply (its new text, see new-text.ts). An approval is decided by
// the first word ("Approved, ship it": approve, comment "ship it"); a choice by the first line naming an
// option; a text request takes the whole text; a form, `name: value` lines. Anything else decides
// nothing and says why in one sentence, for the reply that explains how to answer. Pure.
import { verdictOf } from '../../src/domain/outcome-text.js';
import type { FieldValues, Option, Request } from '../../src/domain/types.js';
import { parseFormLines } from '../kit/form-lines.js';

export type ReadAnswer = { value?: string; comment?: string; fields?: FieldValues } | { ambiguous: string };

const APPROVE_WORDS = ['approve', 'approved', 'yes', 'lgtm', 'ok', '👍'];
const REJECT_WORDS = ['reject', 'rejected', 'no', 'deny', '👎'];

const NO_TEXT = 'The reply had no text of its own above the quoted message.';

/** Case and accents folded, so "Appróve" and "APPROVE" read alike. */
const fold = (s: string) =>
  s
    .normalize('NFD')
    .replace(/\p{M}/gu, '')
    .toLowerCase()
    .trim();

/** What separates an answer's first word or option from the comment after it. */
const SEPARATORS = /^[\s,;:.!?\-–—]+/u;

export function readAnswer(request: Request, text: string): ReadAnswer {
  const t = text.trim();
  if (request.type === 'form') {
    const form = parseFormLines(request, t);
    return form.ok ? { fields: form.fields } : { ambiguous: form.problem };
  }
  if (!t) return { ambiguous: NO_TEXT };
  if (request.type === 'text') return { value: t };
  if (request.type === 'approval') return readApproval(request, t);
  return readChoice(request, t);
}

function readApproval(request: Request, text: string): ReadAnswer {
  // A thumb (with or without a skin tone) needs no space after it; a word runs to the first non-letter.
  const m = /^(?:(👍|👎)[\u{1F3FB}-\u{1F3FF}]?|([\p{L}\p{N}\p{M}']+))/u.exec(text);
  const word = fold(m?.[1] ?? m?.[2] ?? '');
  const option = word ? approvalOption(request, word) : undefined;
  if (!option) return { ambiguous: `The reply did not start with ${wordsFor(request)}.` };
  return withComment(option.value, text.slice(m![0].length));
}

/** The option a first word picks: the approve or reject words, or an option's own value or label. */
function approvalOption(request: Request, word: string): Option | undefined {
  const own = request.options.find((o) => fold(o.value) === word || fold(o.label) === word);
  if (own) return own;
  const verdict = APPROVE_WORDS.includes(word) ? 'approved' : REJECT_WORDS.includes(word) ? 'rejected' : undefined;
  return verdict && request.options.find((o) => verdictOf(request, o.value) === verdict);
}

function readChoice(request: Request, text: string): ReadAnswer {
  const [first = '', ...more] = text.split('\n');
  const line = fold(first);
  // Each option's longest name that starts the line at a word boundary ("Plan B" over "Plan").
  const matches = request.options
    .map((o) => ({ option: o, length: Math.max(...[o.value, o.label].map((name) => startsWithName(line, fold(name)))) }))
    .filter((m) => m.length > 0);
  const longest = Math.max(0, ...matches.map((m) => m.length));
  const best = matches.filter((m) => m.length === longest);
  if (best.length === 0) return { ambiguous: 'The first line of the reply names none of the options.' };
  if (best.length > 1) return { ambiguous: `The first line of the reply could be any of: ${best.map((m) => m.option.label).join(', ')}.` };
  return withComment(best[0]!.option.value, [cutFolded(first, longest), ...more].join('\n'));
}

/** The length of `name` when `line` starts with it as whole words, else 0. */
function startsWithName(line: string, name: string): number {
  if (!name || !line.startsWith(name)) return 0;
  const after = line.slice(name.length);
  return after === '' || SEPARATORS.test(after) ? name.length : 0;
}

/** `first` without its first `length` characters as folded (folding can change a string's length). */
function cutFolded(first: string, length: number): string {
  const trimmed = first.trimStart();
  for (let i = 0; i <= trimmed.length; i++) if (fold(trimmed.slice(0, i)).length >= length) return trimmed.slice(i);
  return '';
}

function withComment(value: string, rest: string): ReadAnswer {
  const comment = rest.replace(SEPARATORS, '').trim();
  return comment ? { value, comment } : { value };
}

function wordsFor(request: Request): string {
  const [approve, reject] = ['approved', 'rejected'].map((v) => request.options.find((o) => verdictOf(request, o.value) === v));
  return approve && reject ? `${approve.value} or ${reject.value}` : request.options.map((o) => o.value).join(' or ');
}

/** A few lines on how to answer this request by replying. */
export function howToAnswer(request: Request): string {
  switch (request.type) {
    case 'approval':
      return `Reply with ${wordsFor(request)} as the first word; anything after it is your comment.`;
    case 'choice':
      return [
        'Reply with one of these options on the first line; anything after it is your comment:',
        ...request.options.map((o) => (fold(o.label) === fold(o.value) ? `  ${o.label}` : `  ${o.label} (or ${o.value})`)),
      ].join('\n');
    case 'text':
      return 'Reply with your answer.';
    case 'form':
      return [
        'Reply with one field a line, name: value, for these fields:',
        ...request.fields.map((f) => `  ${f.name}: ${f.label}${f.required ? ' (required)' : ''}${f.options?.length ? ` — one of ${f.options.map((o) => o.value).join(', ')}` : ''}`),
      ].join('\n');
  }
}
