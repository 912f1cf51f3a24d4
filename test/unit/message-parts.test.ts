import { describe, expect, it } from 'vitest';
import {
  fieldTypeHint,
  formatValue,
  outcomeLine,
  outcomeLines,
  recentClosed,
  recentLine,
  timeoutFallback,
  truncate,
  utcDateTime,
  utcTime,
} from '../../channels/kit/message-parts.js';
import { followUpText, PLAIN, type TextStyle } from '../../src/domain/outcome-text.js';
import type { Outcome, Response } from '../../src/domain/types.js';
import { makeRequest } from '../helpers/fixtures.js';

/** A style whose every mark is visible, so each test sees which one was used. */
const marked: TextStyle = {
  escape: (t) => t.replace(/</g, '&lt;'),
  strong: (t) => `[b:${t}]`,
  code: (t) => `[code:${t}]`,
  quote: (t) => `[quote:${t}]`,
};
const noExtras: TextStyle = { escape: (t) => t.toUpperCase(), strong: (t) => `*${t}*` };

const at = '2024-03-01T14:02:00.000Z';
const response = (over: Partial<Response> = {}): Response => ({
  value: 'approve',
  comment: null,
  fields: {},
  responder: { channel: 'slack', id: 'U1', name: 'Ana' },
  responded_at: at,
  ...over,
});
const resolved = (over: Partial<Response> = {}): Outcome => ({ state: 'resolved', response: response(over) });

describe('message parts', () => {
  it('formats context values by kind, with the style marking text and code', () => {
    expect(formatValue(null, marked)).toBe('—');
    expect(formatValue('', marked)).toBe('—');
    expect(formatValue('<b>', marked)).toBe('&lt;b>');
    expect(formatValue(42, marked)).toBe('42');
    expect(formatValue(false, marked)).toBe('false');
    expect(formatValue({ a: [1] }, marked)).toBe('[code:{"a":[1]}]');
    expect(formatValue('x'.repeat(500), marked, 10)).toBe(`${'x'.repeat(9)}…`);
  });

  it('falls back to escaped text where a style has no code or quote markup', () => {
    expect(formatValue({ a: 'b' }, noExtras)).toBe('{"A":"B"}');
    const lines = outcomeLines(makeRequest({ type: 'text', options: [] }), resolved({ value: 'ship it', comment: 'ok' }), noExtras, { answer: 100, comment: 100, label: 100 });
    expect(lines.slice(1)).toEqual(['SHIP IT', 'OK']);
  });

  it('never cuts a surrogate pair when truncating', () => {
    expect(truncate('ab😀cd', 4)).toBe('ab…');
    expect(truncate('short', 10)).toBe('short');
  });

  it('shows times in UTC, and an unreadable time escaped as given', () => {
    expect(utcTime(at)).toBe('14:02 UTC');
    expect(utcDateTime(at)).toBe('2024-03-01 14:02 UTC');
    expect(utcTime('<soon>', marked)).toBe('&lt;soon>');
  });

  it('keeps only closed requests of the workflow other than this one, three at most', () => {
    const me = makeRequest();
    const closed = (n: number) => makeRequest({ title: `t${n}`, state: 'resolved', response: response() });
    const history = [me, makeRequest(), closed(1), closed(2), closed(3), closed(4)];
    expect(recentClosed(me, history).map((h) => h.title)).toEqual(['t1', 't2', 't3']);
    expect(recentLine(history[2]!, marked)).toBe('✅ t1 — approved by Ana via Slack');
  });

  it('says what a timeout applies', () => {
    expect(timeoutFallback(makeRequest(), marked)).toBe('');
    expect(timeoutFallback(makeRequest({ on_timeout: { value: 'reject' } }), marked)).toBe(' · then [b:Reject]');
  });

  it('words the outcome with emoji and time, then the answer, the comment (raw, for the quote to mark up) and form fields by label', () => {
    expect(outcomeLine(makeRequest(), resolved(), marked)).toBe('✅ Approved by Ana via Slack · 14:02 UTC');
    const form = makeRequest({ type: 'form', options: [], fields: [{ name: 'env', label: 'Environment', type: 'text' }] });
    const lines = outcomeLines(form, resolved({ value: null, comment: 'c<', fields: { env: 'prod', other: 7 } }), marked, { answer: 5, comment: 100, label: 5 });
    expect(lines).toEqual(['✅ Submitted by Ana via Slack · 14:02 UTC', '[quote:c<]', '[b:Envi…] prod', '[b:other] 7']);
    const text = makeRequest({ type: 'text', options: [] });
    expect(outcomeLines(text, resolved({ value: 'a long answer' }), marked, { answer: 5, comment: 5, label: 5 })[1]).toBe('[quote:a lo…]');
  });

  it('gives a field type hint a reader can follow', () => {
    expect(fieldTypeHint({ name: 'n', label: 'N', type: 'number' })).toBe('a number');
    expect(fieldTypeHint({ name: 's', label: 'S', type: 'select', options: [{ value: 'a', label: 'A' }, { value: 'b', label: 'B' }] })).toBe('one of: a, b');
    expect(fieldTypeHint({ name: 't', label: 'T', type: 'text' })).toBeUndefined();
  });
});

describe('followUpText', () => {
  it('confirms to the person who decided, and tells everyone else nothing is needed', () => {
    const request = makeRequest();
    expect(followUpText(request, resolved(), true)).toBe('Your answer was recorded: Approved by Ana via Slack.');
    expect(followUpText(request, resolved(), false, PLAIN, '14:02 UTC')).toBe('Approved by Ana via Slack · 14:02 UTC — no action needed.');
    expect(followUpText(request, { state: 'cancelled', response: null }, true)).toBe('Cancelled — no action needed.');
  });
});
