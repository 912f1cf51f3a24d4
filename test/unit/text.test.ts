import { describe, expect, it } from 'vitest';
import { auditText, text, textProblem, unstorableText } from '../../src/domain/text.js';

describe('unstorableText', () => {
  it('refuses NUL and unpaired surrogates, which Postgres cannot store', () => {
    expect(unstorableText('a\u0000b')).toBe('must not contain the NUL character (\\u0000)');
    expect(unstorableText('a\ud800')).toMatch(/unpaired surrogate/);
    expect(unstorableText('\udc00a')).toMatch(/unpaired surrogate/);
    expect(unstorableText('ok \u{1F680} ü 中')).toBeUndefined();
  });
});

describe('textProblem and text()', () => {
  it('checks the length limit and storability', () => {
    expect(textProblem('abc', 2)).toBe('must be at most 2 characters');
    expect(textProblem('a\u0000', 5)).toMatch(/NUL/);
    expect(textProblem('ab', 2)).toBeUndefined();
    expect(text(3, { min: 1, trim: true }).safeParse('  ab  ').data).toBe('ab');
    expect(text(3).safeParse('a\u0000').error?.issues[0]?.message).toMatch(/NUL/);
    expect(text(3).safeParse('abcd').error?.issues[0]?.message).toBe('must be at most 3 characters');
  });
});

describe('auditText', () => {
  it('keeps short text, cuts long text with an ellipsis, never splitting a character', () => {
    expect(auditText('hello', 5)).toBe('hello');
    expect(auditText('hello!', 5)).toBe('hello…');
    expect(auditText('a\u{1F680}b', 2)).toBe('a…');
    expect(auditText('a\u{1F680}b', 3)).toBe('a\u{1F680}…');
  });

  it('replaces what Postgres refuses instead of refusing', () => {
    expect(auditText('a\u0000b\ud800', 10)).toBe('a\ufffdb\ufffd');
  });
});
