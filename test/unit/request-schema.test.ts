import { describe, expect, it } from 'vitest';
import {
  answerBodySchema,
  APPROVAL_OPTIONS,
  createRequestSchema,
  defaultOptions,
  issuesToErrors,
} from '../../src/domain/request-schema.js';
import { LIMITS } from '../../src/domain/limits.js';

const base = { title: 'Deploy v2.3 to production?', recipients: [{ channel: 'web' }] };
const choiceOptions = [
  { value: 'eu', label: 'Europe' },
  { value: 'us', label: 'US' },
];
const formFields = [{ name: 'reason', label: 'Why?', type: 'text', required: true }];

/** The `path: message` pairs of a body that must not parse. */
function errorsOf(body: unknown): { path: string; message: string }[] {
  const r = createRequestSchema.safeParse(body);
  expect(r.success).toBe(false);
  return r.success ? [] : issuesToErrors(r.error);
}
const pathsOf = (body: unknown) => errorsOf(body).map((e) => e.path);
const ok = (body: unknown) => {
  const r = createRequestSchema.safeParse(body);
  if (!r.success) throw new Error(`expected a valid body, got ${JSON.stringify(issuesToErrors(r.error))}`);
  return r.data;
};

describe('createRequestSchema defaults', () => {
  it('defaults type to approval and quorum to 1, and trims the title', () => {
    const r = ok({ ...base, title: '  Ship it?  ' });
    expect(r.type).toBe('approval');
    expect(r.quorum).toBe(1);
    expect(r.title).toBe('Ship it?');
    expect(r.options).toBeUndefined();
    expect(r.fields).toBeUndefined();
  });

  it('gives approvals Approve/Reject by default and other types none', () => {
    expect(defaultOptions('approval')).toEqual(APPROVAL_OPTIONS);
    expect(APPROVAL_OPTIONS.map((o) => o.value)).toEqual(['approve', 'reject']);
    expect(defaultOptions('choice')).toEqual([]);
    expect(defaultOptions('text')).toEqual([]);
    expect(defaultOptions('form')).toEqual([]);
  });

  it('accepts a full body', () => {
    const r = ok({
      ...base,
      body: 'Markdown **here**',
      context: { service: 'payments', risk: 'high' },
      recipients: [{ channel: 'slack', to: 'C0123' }, { channel: 'email', to: 'a@example.com' }, { channel: 'web' }],
      approvers: ['slack:U0123', 'email:alice@example.com', 'telegram:42', 'discord:9876', 'api:ci-bot', 'web:*'],
      quorum: 2,
      timeout_seconds: 86400,
      on_timeout: { value: 'reject', comment: 'nobody answered' },
      callback_url: 'https://agent.example.com/resume',
      workflow_id: 'wf-abc123',
      checkpoint_id: 'cp-xyz789',
      metadata: { any: ['json'] },
    });
    expect(r.quorum).toBe(2);
    expect(r.recipients).toHaveLength(3);
  });
});

describe('createRequestSchema basic fields', () => {
  it('requires a 1..200 character title', () => {
    expect(pathsOf({ recipients: base.recipients })).toContain('title');
    expect(pathsOf({ ...base, title: '   ' })).toContain('title');
    expect(pathsOf({ ...base, title: 'x'.repeat(201) })).toContain('title');
    ok({ ...base, title: 'x'.repeat(200) });
  });

  it('limits the body to 8,000 characters', () => {
    ok({ ...base, body: 'x'.repeat(8000) });
    expect(pathsOf({ ...base, body: 'x'.repeat(8001) })).toContain('body');
  });

  it('rejects unknown properties', () => {
    expect(createRequestSchema.safeParse({ ...base, colour: 'red' }).success).toBe(false);
  });

  it('needs at least one recipient, a known channel, and `to` except for web', () => {
    expect(pathsOf({ ...base, recipients: [] })).toContain('recipients');
    expect(pathsOf({ ...base, recipients: [{ channel: 'pigeon', to: 'x' }] })).toContain('recipients.0.channel');
    expect(pathsOf({ ...base, recipients: [{ channel: 'web' }, { channel: 'slack' }] })).toContain('recipients.1.to');
    ok({ ...base, recipients: [{ channel: 'web' }] });
  });

  it('needs quorum and timeout_seconds to be positive integers', () => {
    expect(pathsOf({ ...base, quorum: 0 })).toContain('quorum');
    expect(pathsOf({ ...base, quorum: 1.5 })).toContain('quorum');
    expect(pathsOf({ ...base, timeout_seconds: 0 })).toContain('timeout_seconds');
    expect(pathsOf({ ...base, timeout_seconds: 365 * 86400 + 1 })).toContain('timeout_seconds');
  });

  it('needs callback_url to be a URL', () => {
    expect(pathsOf({ ...base, callback_url: 'not a url' })).toContain('callback_url');
    ok({ ...base, callback_url: 'http://127.0.0.1:9999/hook' });
  });
});

describe('createRequestSchema refine rules', () => {
  it('admits web approvers only for the request\'s own web links, since a typed name proves nothing', () => {
    ok({ ...base, approvers: ['web:*', 'slack:U1'] });
    expect(errorsOf({ ...base, approvers: ['slack:U1', 'web:Ana'] })).toContainEqual({
      path: 'approvers.1',
      message: 'not a web link of this request: use "web:*", "web:page", "web:operator:<key name>" or "web:<to>" of a web recipient',
    });
  });

  it('a choice needs options, and 2..10 of them', () => {
    const errors = errorsOf({ ...base, type: 'choice' });
    expect(errors).toContainEqual({ path: 'options', message: 'a choice needs 2..10 options' });
    expect(pathsOf({ ...base, type: 'choice', options: [choiceOptions[0]] })).toContain('options');
    const eleven = Array.from({ length: 11 }, (_, i) => ({ value: `v${i}`, label: `L${i}` }));
    expect(pathsOf({ ...base, type: 'choice', options: eleven })).toContain('options');
    expect(ok({ ...base, type: 'choice', options: choiceOptions }).options).toEqual(choiceOptions);
  });

  it('text and form requests take no options', () => {
    expect(errorsOf({ ...base, type: 'text', options: choiceOptions })).toContainEqual({
      path: 'options',
      message: 'a text request takes no options',
    });
    expect(pathsOf({ ...base, type: 'form', fields: formFields, options: choiceOptions })).toContain('options');
    ok({ ...base, type: 'text' });
  });

  it('a form needs fields, and only a form takes fields', () => {
    expect(errorsOf({ ...base, type: 'form' })).toContainEqual({ path: 'fields', message: 'a form needs fields' });
    expect(errorsOf({ ...base, type: 'approval', fields: formFields })).toContainEqual({
      path: 'fields',
      message: 'only a form takes fields',
    });
    expect(ok({ ...base, type: 'form', fields: formFields }).fields).toHaveLength(1);
  });

  it('checks fields: identifier names, known types, options for selects', () => {
    expect(pathsOf({ ...base, type: 'form', fields: [{ name: '1bad', label: 'x', type: 'text' }] })).toContain('fields.0.name');
    expect(pathsOf({ ...base, type: 'form', fields: [{ name: 'a', label: 'x', type: 'date' }] })).toContain('fields.0.type');
    expect(errorsOf({ ...base, type: 'form', fields: [{ name: 'a', label: 'x', type: 'select' }] })).toContainEqual({
      path: 'fields.0.options',
      message: 'a select field needs options',
    });
    ok({ ...base, type: 'form', fields: [{ name: 'a', label: 'x', type: 'select', options: choiceOptions }] });
  });

  it('quorum applies to approvals only', () => {
    expect(errorsOf({ ...base, type: 'choice', options: choiceOptions, quorum: 2 })).toContainEqual({
      path: 'quorum',
      message: 'quorum applies to approvals only',
    });
    expect(pathsOf({ ...base, type: 'text', quorum: 3 })).toContain('quorum');
    expect(ok({ ...base, quorum: 3 }).quorum).toBe(3);
    ok({ ...base, type: 'choice', options: choiceOptions, quorum: 1 });
  });

  it('on_timeout needs timeout_seconds', () => {
    expect(errorsOf({ ...base, on_timeout: { value: 'reject' } })).toContainEqual({
      path: 'on_timeout',
      message: 'needs timeout_seconds',
    });
    ok({ ...base, timeout_seconds: 60, on_timeout: { value: 'reject' } });
  });

  it("on_timeout's value must be one of the options", () => {
    expect(errorsOf({ ...base, timeout_seconds: 60, on_timeout: { value: 'maybe' } })).toContainEqual({
      path: 'on_timeout.value',
      message: 'must be one of: approve, reject',
    });
    expect(pathsOf({ ...base, type: 'choice', options: choiceOptions, timeout_seconds: 60, on_timeout: { value: 'approve' } })).toContain(
      'on_timeout.value',
    );
    ok({ ...base, type: 'choice', options: choiceOptions, timeout_seconds: 60, on_timeout: { value: 'us' } });
    expect(pathsOf({ ...base, timeout_seconds: 60, on_timeout: { value: '' } })).toContain('on_timeout.value');
  });

  it('option values must be unique', () => {
    const dup = [
      { value: 'a', label: 'A' },
      { value: 'a', label: 'Also A' },
    ];
    expect(errorsOf({ ...base, type: 'choice', options: dup })).toContainEqual({
      path: 'options',
      message: 'option values must be unique',
    });
  });

  it('field names must be unique', () => {
    const dup = [
      { name: 'reason', label: 'Why?', type: 'text' },
      { name: 'reason', label: 'Really why?', type: 'textarea' },
    ];
    expect(errorsOf({ ...base, type: 'form', fields: dup })).toContainEqual({
      path: 'fields',
      message: 'field names must be unique',
    });
  });

  it('limits context (and metadata) to 32 KiB of JSON', () => {
    const small = { blob: 'x'.repeat(32 * 1024 - 20) };
    expect(Buffer.byteLength(JSON.stringify(small))).toBeLessThanOrEqual(32 * 1024);
    ok({ ...base, context: small });
    const big = { blob: 'x'.repeat(32 * 1024) };
    expect(errorsOf({ ...base, context: big })).toContainEqual({
      path: 'context',
      message: 'context must be at most 32 KiB as JSON',
    });
    expect(pathsOf({ ...base, metadata: big })).toContain('metadata');
    expect(pathsOf({ ...base, context: ['not', 'an', 'object'] })).toContain('context');
  });

  it('approvers must be "channel:id"', () => {
    ok({ ...base, approvers: ['slack:U1', 'email:a@b.c', 'telegram:*', 'api:ci'] });
    for (const bad of ['U1', 'slack:', 'pigeon:123', ':U1', 'Slack:U1']) {
      expect(errorsOf({ ...base, approvers: [bad] })).toContainEqual({ path: 'approvers.0', message: 'must be "channel:id"' });
    }
  });
});

describe('issuesToErrors', () => {
  it('joins paths with dots and applies a prefix', () => {
    const r = createRequestSchema.safeParse({ ...base, recipients: [{ channel: 'slack' }] });
    expect(r.success).toBe(false);
    if (r.success) return;
    expect(issuesToErrors(r.error)).toContainEqual({ path: 'recipients.0.to', message: 'required for this channel' });
    expect(issuesToErrors(r.error, 'body').map((e) => e.path)).toContain('body.recipients.0.to');
  });
});

describe('answerBodySchema', () => {
  it('accepts value, comment, typed fields and a responder, and nothing else', () => {
    expect(answerBodySchema.safeParse({ value: 'approve', comment: 'ok', fields: { n: 3, b: true, s: 'x' }, responder: { id: 'ci', name: 'CI' } }).success).toBe(true);
    expect(answerBodySchema.safeParse({}).success).toBe(true);
    expect(answerBodySchema.safeParse({ value: '' }).success).toBe(false);
    expect(answerBodySchema.safeParse({ fields: { o: { nested: true } } }).success).toBe(false);
    expect(answerBodySchema.safeParse({ responder: { id: 'x', channel: 'slack' } }).success).toBe(false);
    expect(answerBodySchema.safeParse({ value: 'approve', extra: 1 }).success).toBe(false);
  });
});

/** A value nested `depth` levels deep: depth 1 is `{ a: 1 }`. */
function nested(depth: number): Record<string, unknown> {
  let v: Record<string, unknown> = { a: 1 };
  for (let i = 1; i < depth; i++) v = { a: v };
  return v;
}

describe('createRequestSchema: text Postgres can store', () => {
  const NUL = 'x\u0000y';
  const NUL_MESSAGE = 'must not contain the NUL character (\\u0000)';
  const choice = { ...base, type: 'choice', options: choiceOptions };
  const form = { ...base, type: 'form', fields: formFields };

  it.each([
    ['title', { ...base, title: NUL }, 'title'],
    ['body', { ...base, body: NUL }, 'body'],
    ['an option value', { ...choice, options: [{ value: NUL, label: 'A' }, choiceOptions[1]] }, 'options.0.value'],
    ['an option label', { ...choice, options: [choiceOptions[0], { value: 'b', label: NUL }] }, 'options.1.label'],
    ['a field label', { ...form, fields: [{ name: 'a', label: NUL, type: 'text' }] }, 'fields.0.label'],
    ['a select option', { ...form, fields: [{ name: 'a', label: 'A', type: 'select', options: [{ value: NUL, label: 'x' }] }] }, 'fields.0.options.0.value'],
    ['recipients.to', { ...base, recipients: [{ channel: 'slack', to: NUL }] }, 'recipients.0.to'],
    ['an approver', { ...base, approvers: [`slack:${NUL}`] }, 'approvers.0'],
    ['workflow_id', { ...base, workflow_id: NUL }, 'workflow_id'],
    ['checkpoint_id', { ...base, checkpoint_id: NUL }, 'checkpoint_id'],
    ['on_timeout.value', { ...base, timeout_seconds: 60, on_timeout: { value: NUL } }, 'on_timeout.value'],
    ['on_timeout.comment', { ...base, timeout_seconds: 60, on_timeout: { value: 'reject', comment: NUL } }, 'on_timeout.comment'],
    ['callback_url', { ...base, callback_url: `https://example.com/${NUL}` }, 'callback_url'],
    ['a context value', { ...base, context: { service: NUL } }, 'context.service'],
    ['a nested context value', { ...base, context: { a: { b: [1, NUL] } } }, 'context.a.b.1'],
    ['a metadata value', { ...base, metadata: { deep: { er: NUL } } }, 'metadata.deep.er'],
  ])('refuses a NUL character in %s, naming it', (_what, body, path) => {
    expect(errorsOf(body)).toContainEqual({ path, message: NUL_MESSAGE });
  });

  it('refuses a NUL character in a context or metadata key, naming the object that holds it', () => {
    expect(errorsOf({ ...base, context: { [`k${NUL}`]: 1 } })).toContainEqual({ path: 'context', message: `a key ${NUL_MESSAGE}` });
    expect(errorsOf({ ...base, metadata: { a: { [NUL]: 1 } } })).toContainEqual({ path: 'metadata.a', message: `a key ${NUL_MESSAGE}` });
  });

  it('refuses unpaired surrogates (jsonb refuses them) and accepts paired ones', () => {
    expect(pathsOf({ ...base, context: { a: 'x\ud800' } })).toContain('context.a');
    expect(pathsOf({ ...base, title: 'x\udc00' })).toContain('title');
    ok({ ...base, title: 'Ship it \ud83d\ude80', context: { rocket: '\ud83d\ude80' } });
  });
});

describe('createRequestSchema: JSON nesting', () => {
  it(`accepts context and metadata ${LIMITS.jsonDepth} levels deep and refuses one level more, naming the field`, () => {
    ok({ ...base, context: nested(LIMITS.jsonDepth), metadata: nested(LIMITS.jsonDepth) });
    const message = `must not nest more than ${LIMITS.jsonDepth} levels deep`;
    expect(errorsOf({ ...base, context: nested(LIMITS.jsonDepth + 1) })).toContainEqual({ path: 'context', message });
    expect(errorsOf({ ...base, metadata: nested(LIMITS.jsonDepth + 1) })).toContainEqual({ path: 'metadata', message });
  });

  it('refuses a 60,000-deep context with a 422-style error instead of overflowing the stack', () => {
    let deepArray: unknown = 1;
    for (let i = 0; i < 60_000; i++) deepArray = [deepArray];
    expect(() => JSON.stringify(nested(60_000))).toThrow(RangeError);
    expect(pathsOf({ ...base, context: nested(60_000) })).toEqual(['context']);
    expect(pathsOf({ ...base, context: { list: deepArray } })).toEqual(['context']);
  });
});

describe('createRequestSchema: length limits (limits.ts)', () => {
  it('limits on_timeout.value to an option value and on_timeout.comment to a comment', () => {
    expect(errorsOf({ ...base, timeout_seconds: 60, on_timeout: { value: 'x'.repeat(200_000) } })).toContainEqual({
      path: 'on_timeout.value',
      message: `must be at most ${LIMITS.optionValue} characters`,
    });
    expect(pathsOf({ ...base, timeout_seconds: 60, on_timeout: { value: 'reject', comment: 'x'.repeat(LIMITS.comment + 1) } })).toContain(
      'on_timeout.comment',
    );
    ok({ ...base, timeout_seconds: 60, on_timeout: { value: 'reject', comment: 'x'.repeat(LIMITS.comment) } });
  });

  it('limits each approver', () => {
    expect(errorsOf({ ...base, approvers: [`slack:${'U'.repeat(200_000)}`] })).toContainEqual({
      path: 'approvers.0',
      message: `must be at most ${LIMITS.approver} characters`,
    });
    ok({ ...base, approvers: [`slack:${'U'.repeat(LIMITS.approver - 'slack:'.length)}`] });
  });

  it('limits recipients.to, option values and labels, field labels, workflow ids and the callback URL', () => {
    expect(pathsOf({ ...base, recipients: [{ channel: 'slack', to: 'C'.repeat(LIMITS.recipientTo + 1) }] })).toContain('recipients.0.to');
    ok({ ...base, recipients: [{ channel: 'slack', to: 'C'.repeat(LIMITS.recipientTo) }] });
    const long = (n: number) => 'x'.repeat(n + 1);
    expect(pathsOf({ ...base, type: 'choice', options: [{ value: long(LIMITS.optionValue), label: 'A' }, choiceOptions[1]] })).toContain('options.0.value');
    expect(pathsOf({ ...base, type: 'choice', options: [{ value: 'a', label: long(LIMITS.optionLabel) }, choiceOptions[1]] })).toContain('options.0.label');
    expect(pathsOf({ ...base, type: 'form', fields: [{ name: 'a', label: long(LIMITS.fieldLabel), type: 'text' }] })).toContain('fields.0.label');
    expect(pathsOf({ ...base, workflow_id: long(LIMITS.workflowId) })).toContain('workflow_id');
    expect(pathsOf({ ...base, checkpoint_id: long(LIMITS.workflowId) })).toContain('checkpoint_id');
    expect(pathsOf({ ...base, callback_url: `https://example.com/${long(LIMITS.callbackUrl)}` })).toContain('callback_url');
  });
});

describe('answerBodySchema: limits (limits.ts) and storable text', () => {
  const pathsOfAnswer = (body: unknown) => {
    const r = answerBodySchema.safeParse(body);
    return r.success ? [] : issuesToErrors(r.error).map((e) => e.path);
  };

  it('takes a text answer up to the answer-text limit as value, and a comment up to the comment limit', () => {
    expect(answerBodySchema.safeParse({ value: 'x'.repeat(LIMITS.answerText), comment: 'y'.repeat(LIMITS.comment) }).success).toBe(true);
    expect(pathsOfAnswer({ value: 'x'.repeat(LIMITS.answerText + 1) })).toEqual(['value']);
    expect(pathsOfAnswer({ comment: 'x'.repeat(LIMITS.comment + 1) })).toEqual(['comment']);
    expect(pathsOfAnswer({ fields: { reason: 'x'.repeat(LIMITS.fieldValue + 1) } })).toEqual(['fields.reason']);
    expect(pathsOfAnswer({ responder: { name: 'x'.repeat(LIMITS.responderName + 1) } })).toEqual(['responder.name']);
  });

  it('refuses NUL characters in every string', () => {
    const NUL = 'a\u0000';
    expect(pathsOfAnswer({ value: NUL })).toEqual(['value']);
    expect(pathsOfAnswer({ comment: NUL })).toEqual(['comment']);
    expect(pathsOfAnswer({ fields: { reason: NUL } })).toEqual(['fields.reason']);
    expect(pathsOfAnswer({ responder: { id: NUL } })).toEqual(['responder.id']);
    expect(pathsOfAnswer({ responder: { name: NUL } })).toEqual(['responder.name']);
  });
});
