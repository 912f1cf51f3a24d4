// switchboard/client against a real hub: every call, typed errors and idempotent asks.
import { afterAll, beforeAll, describe, expect, expectTypeOf, it } from 'vitest';
import {
  ClosedError,
  NotFoundError,
  Switchboard,
  SwitchboardError,
  UnauthorizedError,
  ValidationError,
  type CreateRequestInput,
  type ListFilter,
  type SwitchboardRequest,
} from '../../src/client/index.js';
import { startTestHub, type TestHub } from '../helpers/harness.js';
import { suffix, waitFor } from '../helpers/services.js';

let t: TestHub;
let sb: Switchboard;
/** Paths the client fetched, to see how many pages a list took. */
const fetched: string[] = [];

beforeAll(async () => {
  t = await startTestHub();
  const recordingFetch: typeof fetch = (input, init) => {
    const url = new URL(input instanceof Request ? input.url : input);
    fetched.push(url.pathname + url.search);
    return fetch(input, init);
  };
  sb = new Switchboard({ url: t.baseUrl, apiKey: t.apiKey, fetch: recordingFetch });
});
afterAll(async () => t?.stop());

const deploy = (extra: Partial<CreateRequestInput> = {}): CreateRequestInput => ({ title: 'Deploy v2.3?', recipients: [{ channel: 'web' }], ...extra });

/** The ids `list` walks through for a workflow. */
async function listed(workflow: string, filter: Omit<ListFilter, 'workflow_id'> = {}): Promise<string[]> {
  const ids: string[] = [];
  for await (const r of sb.list({ ...filter, workflow_id: workflow })) ids.push(r.id);
  return ids;
}

async function rejection(promise: Promise<unknown>): Promise<unknown> {
  return promise.then(
    () => expect.unreachable('the call should have failed'),
    (err: unknown) => err,
  );
}

describe('the typed client against a hub', () => {
  it('takes the server schema\'s input and returns the API\'s request object', () => {
    expectTypeOf<CreateRequestInput['type']>().toEqualTypeOf<'approval' | 'choice' | 'text' | 'form' | undefined>();
    expectTypeOf<SwitchboardRequest['state']>().toEqualTypeOf<'pending' | 'resolved' | 'expired' | 'cancelled'>();
  });

  it('creates, gets and answers a request; wait returns the answered request at once', async () => {
    const created = await sb.create(deploy({ context: { service: 'payments' } }));
    expect(created).toMatchObject({ state: 'pending', title: 'Deploy v2.3?', context: { service: 'payments' }, response: null });
    expect(created.id).toMatch(/^req_/);
    expect(await sb.get(created.id)).toMatchObject({ id: created.id, state: 'pending' });

    const answered = await sb.respond(created.id, { value: 'approve', comment: 'ship it', responder: { name: 'CI' } });
    expect(answered.state).toBe('resolved');
    expect(answered.response).toMatchObject({ value: 'approve', comment: 'ship it', responder: { channel: 'api', id: 'SWITCHBOARD_API_KEY', name: 'CI' } });
    expect(await sb.wait(created.id, { timeoutMs: 1000 })).toMatchObject({ id: created.id, state: 'resolved' });
  });

  it('cancels a request; answering it then is a ClosedError carrying the closed request', async () => {
    const created = await sb.create(deploy());
    const cancelled = await sb.cancel(created.id, { reason: 'superseded by v2.4' });
    expect(cancelled.state).toBe('cancelled');

    const err = await rejection(sb.respond(created.id, { value: 'approve' }));
    expect(err).toBeInstanceOf(ClosedError);
    const closed = err as ClosedError;
    expect(closed.status).toBe(409);
    expect(closed.requestId).toBe(created.id);
    expect(closed.request).toMatchObject({ id: created.id, state: 'cancelled' });
    expect(await rejection(sb.cancel(created.id))).toBeInstanceOf(ClosedError);
  });

  it('lists every request across cursor pages, newest first', async () => {
    const workflow = `wf-list-${suffix()}`;
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) ids.push((await sb.create(deploy({ title: `Step ${i}`, workflow_id: workflow }))).id);
    fetched.length = 0;

    expect(await listed(workflow, { limit: 2 })).toEqual([...ids].reverse());
    expect(fetched.filter((p) => p.startsWith('/v1/requests?'))).toHaveLength(3);
    expect(await listed(workflow, { state: 'resolved' })).toEqual([]);
  });

  it('types the hub\'s refusals from problem+json', async () => {
    const invalid = await rejection(sb.create(deploy({ title: '', recipients: [{ channel: 'slack' }] })));
    expect(invalid).toBeInstanceOf(ValidationError);
    const v = invalid as ValidationError;
    expect(v.status).toBe(422);
    expect(v.errors.map((e) => e.path)).toEqual(expect.arrayContaining(['title', 'recipients.0.to']));
    expect(v.message).toContain('title');

    const wrongKey = 'sb_wrong_key_0123456789';
    const outsider = new Switchboard({ url: t.baseUrl, apiKey: wrongKey });
    const unauthorized = await rejection(outsider.get('req_whatever'));
    expect(unauthorized).toBeInstanceOf(UnauthorizedError);
    expect((unauthorized as UnauthorizedError).status).toBe(401);
    expect(String(unauthorized)).not.toContain(wrongKey);
    expect(JSON.stringify(unauthorized)).not.toContain(wrongKey);

    const missing = await rejection(sb.get('req_doesnotexist0000000000'));
    expect(missing).toBeInstanceOf(NotFoundError);
    expect(missing).toBeInstanceOf(SwitchboardError);
    expect(missing).toMatchObject({ status: 404, requestId: 'req_doesnotexist0000000000' });
  });

  it('asks once per workflow_id + checkpoint_id: two asks share one request and both get its answer', async () => {
    const workflow = `wf-idem-${suffix()}`;
    const request = deploy({ workflow_id: workflow, checkpoint_id: 'cp-deploy' });
    const first = sb.ask(request, { timeoutMs: 20_000 });
    const second = sb.ask(request, { timeoutMs: 20_000 });

    const [id] = await waitFor(async () => {
      const ids = await listed(workflow);
      return ids.length > 0 && ids;
    }, 10_000, 'the asked request');
    expect((await sb.get(id!)).state).toBe('pending');
    await sb.respond(id!, { value: 'reject', comment: 'not on a Friday' });

    const [a, b] = await Promise.all([first, second]);
    expect(a).toMatchObject({ id: id!, state: 'resolved', response: { value: 'reject' } });
    expect(b.id).toBe(id!);
    expect(await listed(workflow)).toEqual([id!]);
    // Asking again after the answer returns it at once, without a second request.
    expect(await sb.ask(request, { timeoutMs: 1000 })).toMatchObject({ id: id!, state: 'resolved' });
  });

  it('create with an Idempotency-Key replays the original; another body under the key is a conflict', async () => {
    const key = `key-${suffix()}`;
    const one = await sb.create(deploy({ title: 'Rotate keys?' }), { idempotencyKey: key });
    const again = await sb.create(deploy({ title: 'Rotate keys?' }), { idempotencyKey: key });
    expect(again.id).toBe(one.id);
    const other = await rejection(sb.create(deploy({ title: 'Something else?' }), { idempotencyKey: key }));
    expect(other).toMatchObject({ status: 409, name: 'ConflictError' });
  });
});
