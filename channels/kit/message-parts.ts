// The parts of a request's message every channel shows the same way, whatever its markup: context values,
// the workflow's recent decisions, the deadline's fallback, the outcome and what was answered, and times
// in UTC. A channel passes its TextStyle (src/domain/outcome-text.ts) and arranges the parts itself. Pure.
import * as words from '../../src/domain/outcome-text.js';
import type { Field, Outcome, Request } from '../../src/domain/types.js';
import { outcomeEmoji } from './outcome-emoji.js';

/** `text` cut to `max` characters, an ellipsis last, never splitting a surrogate pair. */
export function truncate(text: string, max: number): string {
  if (text.length <= max) return text;
  return text.slice(0, Math.max(0, max - 1)).replace(/[\uD800-\uDBFF]$/, '') + '…';
}

const code = (style: words.TextStyle, text: string) => (style.code ? style.code(text) : style.escape(text));
const quote = (style: words.TextStyle, text: string) => (style.quote ? style.quote(text) : style.escape(text));

/** The request as it stands once closed with `outcome` (for the emoji and the wording). */
export const closedAs = (request: Request, outcome: Outcome): Request => ({ ...request, state: outcome.state, response: outcome.response });

/** When the request closed, as best known. */
export const closedAt = (request: Request, outcome: Outcome): string => request.closed_at ?? outcome.response?.responded_at ?? new Date().toISOString();

/** "14:02 UTC" (an unreadable time is shown escaped, as given). */
export function utcTime(iso: string, style: words.TextStyle = words.PLAIN): string {
  const d = new Date(iso);
  return Number.isNaN(d.getTime()) ? style.escape(iso) : `${d.toISOString().slice(11, 16)} UTC`;
}

/** "2024-03-02 09:00 UTC". */
export function utcDateTime(iso: string, style: words.TextStyle = words.PLAIN): string {
  const d = new Date(iso);
  return Number.isNaN(d.getTime()) ? style.escape(iso) : `${d.toISOString().slice(0, 10)} ${d.toISOString().slice(11, 16)} UTC`;
}

/** A context or form value: "—" when empty, text escaped, numbers and booleans as they are, anything else as JSON code. */
export function formatValue(v: unknown, style: words.TextStyle, max = 300): string {
  if (v === null || v === undefined || v === '') return '—';
  if (typeof v === 'string') return style.escape(truncate(v, max));
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  return code(style, truncate(JSON.stringify(v) ?? '—', max));
}

/** How many of the workflow's recent decisions a message shows. */
export const RECENT_SHOWN = 3;

/** The workflow's closed requests other than this one, newest first, at most `limit`. */
export function recentClosed(request: Request, history: readonly Request[], limit = RECENT_SHOWN): Request[] {
  return history.filter((h) => h.id !== request.id && h.state !== 'pending').slice(0, limit);
}

/** "✅ Deploy v2 — approved by Ana via Slack". */
export function recentLine(h: Request, style: words.TextStyle, titleMax = 60): string {
  return `${outcomeEmoji(h)} ${style.escape(truncate(h.title, titleMax))} — ${words.shortOutcome(h, style)}`;
}

/** " · then *Reject*" when a timeout applies an answer, else "". */
export function timeoutFallback(request: Request, style: words.TextStyle): string {
  return request.on_timeout ? ` · then ${style.strong(words.labelOf(request, request.on_timeout.value))}` : '';
}

/** "✅ Approved by Ana via Slack · 14:02 UTC", in the shared wording. */
export function outcomeLine(request: Request, outcome: Outcome, style: words.TextStyle): string {
  return `${outcomeEmoji(closedAs(request, outcome))} ${words.outcomeLine(request, outcome, style, utcTime(closedAt(request, outcome), style))}`;
}

export interface OutcomeLimits {
  /** How much of a text answer is shown. */
  answer: number;
  comment: number;
  /** A form field's label. */
  label: number;
  /** A form field's value (300 by default). */
  value?: number;
}

/** The outcome line, then what was answered (answerLines). */
export function outcomeLines(request: Request, outcome: Outcome, style: words.TextStyle, max: OutcomeLimits): string[] {
  return [outcomeLine(request, outcome, style), ...answerLines(request, outcome, style, max)];
}

/** What was answered: a text answer and a comment quoted, a form's fields by label. */
export function answerLines(request: Request, outcome: Outcome, style: words.TextStyle, max: OutcomeLimits): string[] {
  const lines: string[] = [];
  const r = outcome.state === 'resolved' ? outcome.response : undefined;
  if (r && request.type === 'text' && r.value) lines.push(quote(style, truncate(r.value, max.answer)));
  if (r?.comment) lines.push(quote(style, truncate(r.comment, max.comment)));
  if (r && request.type === 'form') {
    const labels = new Map(request.fields.map((f) => [f.name, f.label]));
    for (const [name, value] of Object.entries(r.fields)) lines.push(`${style.strong(truncate(labels.get(name) ?? name, max.label))} ${formatValue(value, style, max.value)}`);
  }
  return lines;
}

/** What a form field takes, for a reader typing it: "a number", "yes or no", "one of: a, b", "may run over several lines". */
export function fieldTypeHint(field: Field): string | undefined {
  switch (field.type) {
    case 'number':
      return 'a number';
    case 'boolean':
      return 'yes or no';
    case 'select':
      return `one of: ${(field.options ?? []).map((o) => o.value).join(', ')}`;
    case 'textarea':
      return 'may run over several lines';
    default:
      return undefined;
  }
}
