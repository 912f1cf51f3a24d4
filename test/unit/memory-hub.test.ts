// The in-memory hub of the channel tests answers as the real hub does: same decide(), same replies.
import { describe, expect, it } from 'vitest';
import { closedReason, NOT_APPROVER } from '../../src/domain/outcome-text.js';
import type { Request, Responder } from '../../src/domain/types.js';
import { MemoryHub } from '../fakes/memory-hub.js';
import { makeRequest } from '../helpers/fixtures.js';

const ANA: Responder = { channel: 'slack', id: 'U0ANA', name: 'Ana' };
const BEN: Responder = { channel: 'slack', id: 'U0BEN', name: 'Ben' };

function hubWith(over: Partial<Request> = {}) {
  const hub = new MemoryHub();
  const request = hub.add(makeRequest(over));
  return { hub, request };
}

describe('MemoryHub.respond', () => {
  it('the first valid answer wins; a later one is closed with the shared reason', async () => {
    const { hub, request } = hubWith();
    const won = await hub.respond({ requestId: request.id, value: 'reject', responder: ANA });
    expect(won.status).toBe('won');
    expect(won.request).toMatchObject({ state: 'resolved', response: { value: 'reject', responder: ANA } });
    const late = await hub.respond({ requestId: request.id, value: 'approve', responder: BEN });
    expect(late).toMatchObject({ status: 'closed', reason: closedReason(won.request) });
    expect(hub.requests.get(request.id)!.response!.value).toBe('reject');
    expect(hub.answersTo(request.id)).toHaveLength(2);
  });

  it('refuses a non-approver and an invalid value, and changes nothing', async () => {
    const { hub, request } = hubWith({ approvers: ['slack:U0ANA'] });
    expect(await hub.respond({ requestId: request.id, value: 'approve', responder: BEN })).toMatchObject({ status: 'forbidden', reason: NOT_APPROVER });
    const invalid = await hub.respond({ requestId: request.id, value: 'maybe', responder: ANA });
    expect(invalid.status).toBe('invalid');
    expect(invalid.errors).toEqual([{ path: 'value', message: 'must be one of: approve, reject' }]);
    expect(hub.requests.get(request.id)).toMatchObject({ state: 'pending', response: null, votes: [] });
  });

  it('counts one vote per identity until the quorum', async () => {
    const { hub, request } = hubWith({ quorum: 2 });
    expect((await hub.respond({ requestId: request.id, value: 'approve', responder: ANA })).status).toBe('counted');
    const again = await hub.respond({ requestId: request.id, value: 'approve', responder: { ...ANA, name: 'Someone else' } });
    expect(again).toMatchObject({ status: 'counted', reason: 'Your vote was already counted.' });
    expect(hub.requests.get(request.id)!.votes).toHaveLength(1);
    expect((await hub.respond({ requestId: request.id, value: 'approve', responder: BEN })).status).toBe('won');
  });

  it('an answer after the deadline finds the request expired, with its default applied', async () => {
    const { hub, request } = hubWith({ expires_at: new Date(Date.now() - 1000).toISOString(), on_timeout: { value: 'reject' } });
    const late = await hub.respond({ requestId: request.id, value: 'approve', responder: ANA });
    expect(late.status).toBe('closed');
    expect(late.request).toMatchObject({ state: 'expired', response: { value: 'reject', responder: { channel: 'api', id: 'timeout' } } });
  });
});

describe('MemoryHub closing helpers', () => {
  it('resolve, expire and cancel give the request and its Outcome', () => {
    const { hub, request } = hubWith();
    const resolved = hub.resolve(request.id, { responder: { channel: 'telegram', id: '42', name: 'Ana' }, value: 'approve' });
    expect(resolved.outcome).toEqual({ state: 'resolved', response: resolved.request.response });
    expect(resolved.request.closed_at).not.toBeNull();
    const expiring = hubWith({ on_timeout: { value: 'approve', comment: 'no answer' } });
    expect(expiring.hub.expire(expiring.request.id).outcome).toMatchObject({ state: 'expired', response: { value: 'approve', comment: 'no answer' } });
    const bare = hubWith();
    expect(bare.hub.expire(bare.request.id).outcome).toEqual({ state: 'expired', response: null });
    expect(bare.hub.cancel(bare.request.id)).toMatchObject({ request: { state: 'cancelled' }, outcome: { state: 'cancelled', response: null } });
  });

  it('history lists a workflow\'s closed requests, newest first', async () => {
    const hub = new MemoryHub();
    const [a, b, open] = [1, 2, 3].map(() => hub.add(makeRequest({ workflow_id: 'wf' })));
    hub.close(a!.id, 'cancelled', null, new Date('2024-01-01T00:00:00Z'));
    hub.close(b!.id, 'cancelled', null, new Date('2024-01-02T00:00:00Z'));
    expect((await hub.history('wf', 10)).map((r) => r.id)).toEqual([b!.id, a!.id]);
    expect((await hub.history('wf', 10)).some((r) => r.id === open!.id)).toBe(false);
  });
});

describe('MemoryHub.tokens', () => {
  it('issues real capability tokens that only its own secret verifies', () => {
    const { hub, request } = hubWith();
    const token = hub.tokens.issue(request.id, 2);
    expect(hub.tokens.verify(token)).toEqual({ requestId: request.id, recipient: 2 });
    expect(hub.tokens.verify(token.slice(0, -1) + (token.endsWith('A') ? 'B' : 'A'))).toBeUndefined();
    expect(new MemoryHub({ secret: 'another-secret-0123456789abcdef' }).tokens.verify(token)).toBeUndefined();
    expect(hub.tokens.verifyFormToken(token, hub.tokens.formToken(token))).toBe(true);
  });
});
