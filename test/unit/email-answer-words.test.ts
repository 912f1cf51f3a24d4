import { describe, expect, it } from 'vitest';
import { howToAnswer, readAnswer } from '../../channels/email/answer-words.js';
import type { Field } from '../../src/domain/types.js';
import { makeRequest } from '../helpers/fixtures.js';

const approval = makeRequest();

describe('readAnswer: approvals by the first word', () => {
  it.each([
    ['Approved, ship it', { value: 'approve', comment: 'ship it' }],
    ['approve', { value: 'approve' }],
    ['YES!', { value: 'approve' }],
    ['LGTM.', { value: 'approve' }],
    ['ok - go ahead', { value: 'approve', comment: 'go ahead' }],
    ['Appróve', { value: 'approve' }],
    ['👍', { value: 'approve' }],
    ['👍🏽 nice', { value: 'approve', comment: 'nice' }],
    ['No', { value: 'reject' }],
    ['Rejected: the tests fail\non staging', { value: 'reject', comment: 'the tests fail\non staging' }],
    ['deny', { value: 'reject' }],
    ['👎', { value: 'reject' }],
  ])('%j', (text, expected) => {
    expect(readAnswer(approval, text)).toEqual(expected);
  });

  it.each(['Maybe later', 'I approve', 'okay', 'yesterday was fine', ''])('%j decides nothing', (text) => {
    expect(readAnswer(approval, text)).toEqual({ ambiguous: expect.any(String) });
  });

  it('says why in one sentence', () => {
    expect(readAnswer(approval, 'Maybe')).toEqual({ ambiguous: 'The reply did not start with approve or reject.' });
  });

  it("maps the words to the request's own approve and reject options", () => {
    const custom = makeRequest({
      options: [
        { value: 'ship', label: 'Ship it', style: 'primary' },
        { value: 'hold', label: 'Hold', style: 'danger' },
      ],
    });
    expect(readAnswer(custom, 'Yes please')).toEqual({ value: 'ship', comment: 'please' });
    expect(readAnswer(custom, 'no')).toEqual({ value: 'hold' });
    expect(readAnswer(custom, 'Hold, wait for QA')).toEqual({ value: 'hold', comment: 'wait for QA' });
    expect(howToAnswer(custom)).toBe('Reply with ship or hold as the first word; anything after it is your comment.');
  });
});

describe('readAnswer: choices by an option on the first line', () => {
  const choice = makeRequest({
    type: 'choice',
    options: [
      { value: 'a', label: 'Plan' },
      { value: 'b', label: 'Plan B' },
      { value: 'eu', label: 'Europe (Frankfurt)' },
      { value: 'x', label: 'Same' },
      { value: 'same', label: 'Other' },
    ],
  });
  it.each([
    ['Plan B', { value: 'b' }],
    ['plan', { value: 'a' }],
    ['europe (frankfurt)', { value: 'eu' }],
    ['EU - closer to users\nthanks', { value: 'eu', comment: 'closer to users\nthanks' }],
    ['Plan B, cheaper', { value: 'b', comment: 'cheaper' }],
  ])('%j', (text, expected) => {
    expect(readAnswer(choice, text)).toEqual(expected);
  });

  it('decides nothing when no option, or two options, match', () => {
    expect(readAnswer(choice, 'Planet')).toEqual({ ambiguous: 'The first line of the reply names none of the options.' });
    expect(readAnswer(choice, 'same')).toEqual({ ambiguous: 'The first line of the reply could be any of: Same, Other.' });
  });

  it('accents and case do not matter', () => {
    const accented = makeRequest({ type: 'choice', options: [{ value: 'cafe', label: 'Café' }] });
    expect(readAnswer(accented, 'CAFÉ — now')).toEqual({ value: 'cafe', comment: 'now' });
  });

  it('how to answer lists labels and values', () => {
    expect(howToAnswer(choice)).toContain('  Plan B (or b)');
  });
});

describe('readAnswer: text and forms', () => {
  it('a text request takes the whole new text; an empty one decides nothing', () => {
    const text = makeRequest({ type: 'text', options: [] });
    expect(readAnswer(text, 'Use the blue one.\nIt is cheaper.')).toEqual({ value: 'Use the blue one.\nIt is cheaper.' });
    expect(readAnswer(text, '  ')).toEqual({ ambiguous: expect.stringContaining('no text') });
    expect(howToAnswer(text)).toBe('Reply with your answer.');
  });

  const fields: Field[] = [
    { name: 'reason', label: 'Why?', type: 'textarea', required: true },
    { name: 'count', label: 'How many', type: 'number' },
    { name: 'region', label: 'Region', type: 'select', options: [{ value: 'eu', label: 'Europe' }] },
  ];
  const form = makeRequest({ type: 'form', options: [], fields });

  it('a form takes name: value lines, by name or label', () => {
    expect(readAnswer(form, 'reason: it is safe\nand tested\nHow many: 3\nregion: Europe')).toEqual({ fields: { reason: 'it is safe\nand tested', count: '3', region: 'eu' } });
  });

  it('an unknown name or a missing required field decides nothing, naming it', () => {
    expect(readAnswer(form, 'colour: red\nreason: x')).toEqual({ ambiguous: expect.stringContaining('Not a field of this form: colour: red') });
    expect(readAnswer(form, 'count: 2')).toEqual({ ambiguous: expect.stringContaining('Missing: Why? (reason)') });
  });

  it('how to answer lists the fields', () => {
    expect(howToAnswer(form)).toBe(
      ['Reply with one field a line, name: value, for these fields:', '  reason: Why? (required)', '  count: How many', '  region: Region — one of eu'].join('\n'),
    );
  });
});
