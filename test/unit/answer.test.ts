import { describe, expect, it } from 'vitest';
import { acceptAnswer, isApprover, isCountedVote, validateAnswer } from '../../src/domain/answer.js';
import { auditedAnswer } from '../../src/domain/answer-text.js';
import { LIMITS } from '../../src/domain/limits.js';
import { makeRequest } from '../helpers/fixtures.js';
import type { Answer, Responder } from '../../src/domain/types.js';

const request = makeRequest;

const api: Responder = { channel: 'api', id: 'ci' };
const answer = (over: Partial<Answer> = {}): Answer => ({ requestId: 'req_x', responder: api, ...over });

const choice = request({
  type: 'choice',
  options: [
    { value: 'eu', label: 'Europe' },
    { value: 'us', label: 'US' },
  ],
});
const text = request({ type: 'text', options: [] });
const form = request({
  type: 'form',
  options: [],
  fields: [
    { name: 'reason', label: 'Why?', type: 'text', required: true },
    { name: 'notes', label: 'Notes', type: 'textarea' },
    { name: 'count', label: 'How many', type: 'number' },
    { name: 'ok', label: 'OK?', type: 'boolean' },
    { name: 'region', label: 'Region', type: 'select', options: [{ value: 'eu', label: 'Europe' }, { value: 'us', label: 'US' }] },
  ],
});

const paths = (r: ReturnType<typeof validateAnswer>) => (r.ok ? [] : r.errors.map((e) => e.path));

describe('validateAnswer: approval and choice', () => {
  it('accepts one of the options', () => {
    expect(validateAnswer(request(), answer({ value: 'approve' }))).toEqual({ ok: true, value: 'approve', fields: {} });
    expect(validateAnswer(request(), answer({ value: 'reject' }))).toEqual({ ok: true, value: 'reject', fields: {} });
    expect(validateAnswer(choice, answer({ value: 'us' }))).toEqual({ ok: true, value: 'us', fields: {} });
  });

  it('refuses a missing value or one that is not an option', () => {
    const missing = validateAnswer(request(), answer());
    expect(missing).toEqual({ ok: false, errors: [{ path: 'value', message: 'required: one of approve, reject' }] });
    const wrong = validateAnswer(choice, answer({ value: 'asia' }));
    expect(wrong).toEqual({ ok: false, errors: [{ path: 'value', message: 'must be one of: eu, us' }] });
    expect(validateAnswer(request(), answer({ value: 'Approve' })).ok).toBe(false);
  });

  it('refuses fields on a request that is not a form', () => {
    expect(paths(validateAnswer(request(), answer({ value: 'approve', fields: { reason: 'x' } })))).toEqual(['fields']);
    expect(validateAnswer(request(), answer({ value: 'approve', fields: {} })).ok).toBe(true);
  });
});

describe('validateAnswer: text', () => {
  it('takes the value, trimmed', () => {
    expect(validateAnswer(text, answer({ value: '  ship it  ' }))).toEqual({ ok: true, value: 'ship it', fields: {} });
  });

  it('falls back to the comment (e.g. an email reply)', () => {
    expect(validateAnswer(text, answer({ comment: 'from the comment' }))).toEqual({ ok: true, value: 'from the comment', fields: {} });
  });

  it('refuses an empty answer', () => {
    expect(validateAnswer(text, answer({ value: '   ' }))).toEqual({ ok: false, errors: [{ path: 'value', message: 'required: the answer text' }] });
    expect(paths(validateAnswer(text, answer()))).toEqual(['value']);
  });
});

describe('validateAnswer: form', () => {
  it('coerces strings from channels into typed values', () => {
    const r = validateAnswer(form, answer({ fields: { reason: 'because', notes: 'n', count: ' 3 ', ok: 'true', region: 'eu' } }));
    expect(r).toEqual({ ok: true, value: null, fields: { reason: 'because', notes: 'n', count: 3, ok: true, region: 'eu' } });
  });

  it('keeps typed JSON values from the API', () => {
    const r = validateAnswer(form, answer({ fields: { reason: 'x', count: 2.5, ok: false } }));
    expect(r).toEqual({ ok: true, value: null, fields: { reason: 'x', count: 2.5, ok: false } });
  });

  it.each([
    ['on', true],
    ['yes', true],
    ['1', true],
    ['TRUE', true],
    ['off', false],
    ['no', false],
    ['0', false],
    ['false', false],
  ])('reads boolean %s as %s', (raw, expected) => {
    const r = validateAnswer(form, answer({ fields: { reason: 'x', ok: raw } }));
    expect(r.ok && r.fields.ok).toBe(expected);
  });

  it('refuses values that do not fit the field type', () => {
    const r = validateAnswer(form, answer({ fields: { reason: 'x', count: 'three', ok: 'maybe', region: 'asia' } }));
    expect(r).toEqual({
      ok: false,
      errors: [
        { path: 'fields.count', message: 'must be a number' },
        { path: 'fields.ok', message: 'must be a boolean' },
        { path: 'fields.region', message: 'must be one of: eu, us' },
      ],
    });
    expect(paths(validateAnswer(form, answer({ fields: { reason: 'x', count: 'Infinity' } })))).toEqual(['fields.count']);
    expect(paths(validateAnswer(form, answer({ fields: { reason: 'x', count: '   ' } })))).toEqual(['fields.count']);
    expect(paths(validateAnswer(form, answer({ fields: { reason: 'x', region: 1 } })))).toEqual(['fields.region']);
  });

  it('stringifies non-string values for text fields', () => {
    const r = validateAnswer(form, answer({ fields: { reason: 42 } }));
    expect(r).toEqual({ ok: true, value: null, fields: { reason: '42' } });
  });

  it('requires required fields; an empty string counts as missing', () => {
    expect(validateAnswer(form, answer({ fields: {} }))).toEqual({ ok: false, errors: [{ path: 'fields.reason', message: 'required' }] });
    expect(paths(validateAnswer(form, answer({ fields: { reason: '' } })))).toEqual(['fields.reason']);
    expect(paths(validateAnswer(form, answer()))).toEqual(['fields.reason']);
  });

  it('leaves out empty optional fields', () => {
    const r = validateAnswer(form, answer({ fields: { reason: 'x', count: '', region: '' } }));
    expect(r).toEqual({ ok: true, value: null, fields: { reason: 'x' } });
  });

  it('refuses unknown fields', () => {
    const r = validateAnswer(form, answer({ fields: { reason: 'x', colour: 'red' } }));
    expect(r).toEqual({ ok: false, errors: [{ path: 'fields.colour', message: 'not a field of this form' }] });
  });

  it('refuses a value on a form', () => {
    expect(paths(validateAnswer(form, answer({ value: 'approve', fields: { reason: 'x' } })))).toEqual(['value']);
  });
});

describe('isApprover', () => {
  it('admits anyone when there are no approvers', () => {
    expect(isApprover({ approvers: [] }, { channel: 'web', id: 'anonymous' })).toBe(true);
  });

  it('matches channel and id exactly', () => {
    const r = { approvers: ['slack:U1', 'telegram:42'] };
    expect(isApprover(r, { channel: 'slack', id: 'U1' })).toBe(true);
    expect(isApprover(r, { channel: 'telegram', id: '42' })).toBe(true);
    expect(isApprover(r, { channel: 'slack', id: 'U2' })).toBe(false);
    expect(isApprover(r, { channel: 'slack', id: 'u1' })).toBe(false);
    expect(isApprover(r, { channel: 'discord', id: 'U1' })).toBe(false);
    expect(isApprover(r, { channel: 'web', id: 'U1' })).toBe(false);
    expect(isApprover(r, { channel: 'telegram', id: '4' })).toBe(false);
  });

  it('admits anyone on a channel with channel:*', () => {
    const r = { approvers: ['web:*', 'slack:U1'] };
    expect(isApprover(r, { channel: 'web', id: 'Ana' })).toBe(true);
    expect(isApprover(r, { channel: 'web', id: 'anonymous' })).toBe(true);
    expect(isApprover(r, { channel: 'slack', id: 'U9' })).toBe(false);
    expect(isApprover(r, { channel: 'api', id: 'ci' })).toBe(false);
  });

  it('compares email addresses case-insensitively', () => {
    const r = { approvers: ['email:Alice@Example.com'] };
    expect(isApprover(r, { channel: 'email', id: 'alice@example.com' })).toBe(true);
    expect(isApprover(r, { channel: 'email', id: 'ALICE@EXAMPLE.COM' })).toBe(true);
    expect(isApprover(r, { channel: 'email', id: 'bob@example.com' })).toBe(false);
  });

  it('keeps colons in ids', () => {
    const r = { approvers: ['api:team:ci'] };
    expect(isApprover(r, { channel: 'api', id: 'team:ci' })).toBe(true);
    expect(isApprover(r, { channel: 'api', id: 'team' })).toBe(false);
  });
});

describe('isCountedVote', () => {
  it('counts approvals of a quorum approval', () => {
    expect(isCountedVote(request({ quorum: 2 }), 'approve')).toBe(true);
  });

  it('does not count a reject (it decides at once)', () => {
    expect(isCountedVote(request({ quorum: 2 }), 'reject')).toBe(false);
  });

  it('does not count with quorum 1 or for other request types', () => {
    expect(isCountedVote(request({ quorum: 1 }), 'approve')).toBe(false);
    expect(isCountedVote(request({ ...choice, quorum: 2 }), 'eu')).toBe(false);
    expect(isCountedVote(request({ quorum: 2 }), null)).toBe(false);
  });

  it('uses the first option as the approving one', () => {
    const custom = request({ quorum: 3, options: [{ value: 'yes', label: 'Yes' }, { value: 'no', label: 'No' }] });
    expect(isCountedVote(custom, 'yes')).toBe(true);
    expect(isCountedVote(custom, 'approve')).toBe(false);
  });
});

describe('validateAnswer: the same limits for every channel', () => {
  const NUL = 'a\u0000b';
  const LONE = 'a\ud800b';

  it.each([
    ['value of a text request', text, { value: 'x'.repeat(LIMITS.answerText + 1) }, 'value'],
    ['value of an approval', request(), { value: 'x'.repeat(200_000) }, 'value'],
    ['comment', request(), { value: 'approve', comment: 'x'.repeat(LIMITS.comment + 1) }, 'comment'],
    ['comment of a text request (its fallback answer)', text, { comment: 'x'.repeat(200_000) }, 'comment'],
    ['field value', form, { fields: { reason: 'x'.repeat(LIMITS.fieldValue + 1) } }, 'fields.reason'],
    ['responder id', request(), { value: 'approve', responder: { channel: 'web', id: 'x'.repeat(LIMITS.responderId + 1) } }, 'responder.id'],
    ['responder name', request(), { value: 'approve', responder: { channel: 'web', id: 'page', name: 'x'.repeat(LIMITS.responderName + 1) } }, 'responder.name'],
  ] as const)('refuses an over-long %s', (_what, req, over, path) => {
    const r = validateAnswer(req, answer(over));
    expect(r.ok).toBe(false);
    expect(r.ok ? [] : r.errors).toContainEqual({ path, message: expect.stringMatching(/^must be at most \d+ characters$/) });
  });

  it('accepts each string at exactly its limit (and refuses one character more)', () => {
    expect(validateAnswer(text, answer({ value: 'x'.repeat(LIMITS.answerText + 1) })).ok).toBe(false);
    expect(validateAnswer(text, answer({ value: 'x'.repeat(LIMITS.answerText) })).ok).toBe(true);
    expect(validateAnswer(request(), answer({ value: 'approve', comment: 'x'.repeat(LIMITS.comment) })).ok).toBe(true);
    expect(validateAnswer(form, answer({ fields: { reason: 'x'.repeat(LIMITS.fieldValue) } })).ok).toBe(true);
    const responder: Responder = { channel: 'web', id: 'x'.repeat(LIMITS.responderId), name: 'y'.repeat(LIMITS.responderName) };
    expect(validateAnswer(request(), answer({ value: 'approve', responder })).ok).toBe(true);
  });

  it.each([
    ['value', text, { value: NUL }, 'value'],
    ['comment', request(), { value: 'approve', comment: NUL }, 'comment'],
    ['field value', form, { fields: { reason: NUL } }, 'fields.reason'],
    ['responder id', request(), { value: 'approve', responder: { channel: 'web', id: NUL } }, 'responder.id'],
    ['responder name', request(), { value: 'approve', responder: { channel: 'web', id: 'page', name: NUL } }, 'responder.name'],
  ] as const)('refuses a NUL character in the %s', (_what, req, over, path) => {
    expect(validateAnswer(req, answer(over as Partial<Answer>))).toEqual({
      ok: false,
      errors: [{ path, message: 'must not contain the NUL character (\\u0000)' }],
    });
  });

  it('refuses an unpaired surrogate (jsonb cannot store it) and accepts a paired one', () => {
    expect(paths(validateAnswer(text, answer({ value: LONE })))).toEqual(['value']);
    expect(validateAnswer(text, answer({ value: 'ok \ud83d\ude80' })).ok).toBe(true);
  });

  it('refuses field names that are not identifiers without quoting them', () => {
    const r = validateAnswer(form, answer({ fields: { reason: 'x', ['bad\u0000name']: 'y' } }));
    expect(r).toEqual({ ok: false, errors: [{ path: 'fields', message: 'names a field this form does not have' }] });
    expect(paths(validateAnswer(form, answer({ fields: { reason: 'x', ['f'.repeat(65)]: 'y' } })))).toEqual(['fields']);
  });

  it('acceptAnswer refuses the same way, with a reason naming the field', () => {
    const r = acceptAnswer(request(), answer({ value: 'approve', comment: 'x'.repeat(200_000) }));
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.errors).toEqual([{ path: 'comment', message: `must be at most ${LIMITS.comment} characters` }]);
    expect(r.reason).toBe(`comment: must be at most ${LIMITS.comment} characters`);
  });
});

describe('auditedAnswer', () => {
  it('keeps an answer within the limits as it was sent', () => {
    const a = answer({ value: 'approve', responder: { channel: 'slack', id: 'U1', name: 'Ana' } });
    expect(auditedAnswer(a)).toEqual({ responder: { channel: 'slack', id: 'U1', name: 'Ana' }, value: 'approve' });
    expect(auditedAnswer(answer())).toEqual({ responder: api, value: null });
  });

  it('cuts what is too long and makes what Postgres refuses storable', () => {
    const a = answer({ value: 'v'.repeat(200_000), responder: { channel: 'web', id: 'a\u0000b', name: 'x\udc00y' } });
    const audited = auditedAnswer(a);
    expect(audited.value).toBe(`${'v'.repeat(LIMITS.answerText)}…`);
    expect(audited.responder).toEqual({ channel: 'web', id: 'a\ufffdb', name: 'x\ufffdy' });
  });
});
