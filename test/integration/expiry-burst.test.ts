// A burst of deadlines: requests due in the same moment are expired in batches (one UPDATE per
// chunk), each with its on_timeout stored and exactly one webhook, and nothing is left owed.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { WebhookReceiver } from '../fakes/webhook-receiver.js';
import { startHubWithReceiver, type TestHub } from '../helpers/harness.js';
import { seedPending } from '../helpers/seed-pending.js';
import { waitFor } from '../helpers/services.js';

const BURST = 2000;

let t: TestHub;
let rx: WebhookReceiver;
let stop: () => Promise<void>;
// A generous webhook timeout: a duplicate here would mean a backstop raced a live first attempt,
// not that this shared machine was slow to answer within the harness's usual 2 s.
beforeAll(async () => ({ t, rx, stop } = await startHubWithReceiver({ webhookTimeoutMs: 10_000 })));
afterAll(async () => stop?.());

const count = async (query: Promise<{ n: number }[]>) => (await query)[0]!.n;

describe('an expiry burst', () => {
  it(`expires ${BURST} requests due together, each with on_timeout stored and one webhook`, async () => {
    await seedPending(t.sql, BURST, { expiresInSeconds: 2, callbackUrl: rx.url, onTimeout: { value: 'reject', comment: 'too late' } });
    const due = (await t.sql<{ due: Date }[]>`select max(expires_at) as due from requests`)[0]!.due;

    await waitFor(async () => (await count(t.sql`select count(*)::int as n from requests where state = 'pending'`)) === 0, 60_000, 'all expired');
    await waitFor(() => rx.received.length >= BURST, 60_000, `${BURST} webhooks`);
    const [last] = await t.sql<{ closed: Date }[]>`select max(closed_at) as closed from requests`;
    expect(last!.closed.getTime() - due.getTime()).toBeLessThan(30_000);

    const wrong = await t.sql`
      select id from requests where state <> 'expired' or response->>'value' <> 'reject' or response->>'comment' <> 'too late'
        or response->'responder'->>'id' <> 'timeout' or closed_at < expires_at`;
    expect(wrong).toHaveLength(0);
    expect(await count(t.sql`select count(*)::int as n from events where type = 'request.expired'`)).toBe(BURST);

    // One webhook per request (no first attempt raced by its backstop), all request.expired.
    await waitFor(async () => (await count(t.sql`select count(*)::int as n from requests where callback_status <> 'delivered'`)) === 0, 30_000, 'callbacks recorded');
    const ids = rx.received.map((h) => h.json.data.id);
    expect(new Set(ids).size).toBe(BURST);
    expect(rx.received.length).toBe(BURST);
    expect(rx.received.every((h) => h.verified && h.json.type === 'request.expired' && h.json.data.response.value === 'reject')).toBe(true);
    // Nothing owed is left: expire rows dropped with the claim, callback backstops removed by their attempts.
    await waitFor(async () => (await count(t.sql`select count(*)::int as n from outbox`)) === 0, 30_000, 'an empty outbox');
  }, 120_000);

  it('a late answer during the burst still loses to the deadline, and the request expires once', async () => {
    await seedPending(t.sql, 300, { expiresInSeconds: 0, batch: 1, onTimeout: { value: 'reject' } });
    const id = (await t.sql<{ id: string }[]>`select id from requests where id like 'req_0001%' order by id limit 1`)[0]!.id;
    const late = await t.api('POST', `/v1/requests/${id}/responses`, { value: 'approve' });
    expect(late.status, JSON.stringify(late.body)).toBe(409);
    expect(late.body.request.state).toBe('expired');
    await waitFor(async () => (await count(t.sql`select count(*)::int as n from requests where state = 'pending'`)) === 0, 30_000, 'all expired');
    expect(await count(t.sql`select count(*)::int as n from events where type = 'request.expired' and request_id = ${id}`)).toBe(1);
  }, 60_000);
});
