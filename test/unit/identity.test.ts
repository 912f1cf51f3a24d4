import { describe, expect, it } from 'vitest';
import { apiResponder, identityIssues, isApprover, linkIdentity } from '../../src/domain/identity.js';
import type { Recipient } from '../../src/domain/types.js';

const recipients: Recipient[] = [
  { channel: 'web', to: 'alice' },
  { channel: 'email', to: 'Ana@Example.com' },
  { channel: 'web' },
  { channel: 'slack', to: '#approvals' },
];

describe('linkIdentity', () => {
  it('makes the page link one voter, web:page', () => {
    expect(linkIdentity({ recipients }, 'web')).toEqual({ channel: 'web', id: 'page' });
  });

  it('answers a recipient link as that recipient', () => {
    expect(linkIdentity({ recipients }, 0)).toEqual({ channel: 'web', id: 'alice' });
    expect(linkIdentity({ recipients }, 1)).toEqual({ channel: 'email', id: 'Ana@Example.com' });
    expect(linkIdentity({ recipients }, 2)).toEqual({ channel: 'web', id: '#2' });
    expect(linkIdentity({ recipients }, 3)).toEqual({ channel: 'slack', id: '#approvals' });
  });

  it('finds nothing for an index the request does not have', () => {
    expect(linkIdentity({ recipients }, 4)).toBeUndefined();
  });
});

describe('apiResponder', () => {
  it('is the key; the body responder only gives the display name', () => {
    expect(apiResponder('ci')).toEqual({ channel: 'api', id: 'ci' });
    expect(apiResponder('ci', { id: 'ana' })).toEqual({ channel: 'api', id: 'ci', name: 'ana' });
    expect(apiResponder('ci', { id: 'ana', name: 'Ana' })).toEqual({ channel: 'api', id: 'ci', name: 'Ana' });
  });
});

describe('isApprover with proven identities', () => {
  it('matches web links by name, and web:* admits them all', () => {
    const r = { approvers: ['web:alice', 'web:#2'] };
    expect(isApprover(r, { channel: 'web', id: 'alice', name: 'Bob' })).toBe(true);
    expect(isApprover(r, { channel: 'web', id: '#2' })).toBe(true);
    expect(isApprover(r, { channel: 'web', id: 'page', name: 'alice' })).toBe(false);
    expect(isApprover({ approvers: ['web:*'] }, { channel: 'web', id: 'page' })).toBe(true);
  });

  it('matches API keys by name, never by display name', () => {
    const r = { approvers: ['api:ana'] };
    expect(isApprover(r, apiResponder('ana'))).toBe(true);
    expect(isApprover(r, apiResponder('mallory', { id: 'ana', name: 'ana' }))).toBe(false);
  });
});

describe('identityIssues', () => {
  const issues = (r: { recipients: Recipient[]; approvers?: string[] }) => identityIssues(r);

  it('admits web approvers naming the links of the request', () => {
    expect(issues({ recipients, approvers: ['web:*', 'web:page', 'web:alice', 'web:#2', 'email:x@y.z', 'api:ci'] })).toEqual([]);
  });

  it('refuses web approvers naming no link of the request', () => {
    const found = issues({ recipients, approvers: ['web:bob', 'web:#0', 'web:#9', 'web:Ana'] });
    expect(found.map((i) => i.path)).toEqual([['approvers', 0], ['approvers', 1], ['approvers', 2], ['approvers', 3]]);
    expect(found[0]!.message).toContain('not a web link of this request');
  });

  it('needs web recipient names to be unique and not reserved', () => {
    expect(issues({ recipients: [{ channel: 'web', to: 'a' }, { channel: 'email', to: 'a' }, { channel: 'web', to: 'a' }] })).toEqual([
      { path: ['recipients', 2, 'to'], message: 'web recipients need different names' },
    ]);
    for (const to of ['page', '*', '#1', '#x']) {
      expect(issues({ recipients: [{ channel: 'web', to }] }).map((i) => i.path)).toEqual([['recipients', 0, 'to']]);
    }
    // Several unnamed web recipients are fine: each has its own #<index>.
    expect(issues({ recipients: [{ channel: 'web' }, { channel: 'web' }] })).toEqual([]);
  });
});
