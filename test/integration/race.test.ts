import { afterAll, beforeAll, expect, it } from 'vitest';
import type { WebhookReceiver } from '../fakes/webhook-receiver.js';
import { startHubWithReceiver, type TestHub } from '../helpers/harness.js';
import { waitFor } from '../helpers/services.js';
import { markDelivered, type StoredDelivery } from '../../src/store/deliveries.js';

let t: TestHub;
let rx: WebhookReceiver;
let stop: () => Promise<void>;
beforeAll(async () => ({ t, rx, stop } = await startHubWithReceiver()));
afterAll(async () => stop?.());

it('50 concurrent answers give exactly one winner, one webhook, one resolved event', async () => {
  const r = (await t.api('POST', '/v1/requests', { title: 'Race', recipients: [{ channel: 'web' }], callback_url: rx.url })).body;
  const answers = await Promise.all(
    Array.from({ length: 50 }, (_, i) =>
      t.api('POST', `/v1/requests/${r.id}/responses`, { value: i % 2 ? 'approve' : 'reject', responder: { id: `agent-${i}` } }),
    ),
  );
  const winners = answers.filter((a) => a.status === 200);
  expect(winners).toHaveLength(1);
  expect(answers.filter((a) => a.status === 409)).toHaveLength(49);
  const winner = winners[0]!.body.response;
  for (const loser of answers.filter((a) => a.status === 409)) expect(loser.body.request.response).toEqual(winner);

  await waitFor(() => rx.received.length >= 1, 5000, 'webhook');
  await new Promise((res) => setTimeout(res, 1000));
  expect(rx.received).toHaveLength(1);
  expect(rx.received[0]!.json.data.response).toEqual(winner);
  const [resolved] = await t.sql`select count(*)::int as n from events where request_id = ${r.id} and type = 'request.resolved'`;
  expect(resolved!.n).toBe(1);
  const [stored] = await t.sql`select count(*)::int as n from responses where request_id = ${r.id}`;
  expect(stored!.n).toBe(1);
});

it('an answer racing a cancel and an expiry: one claimant wins', async () => {
  const r = (await t.api('POST', '/v1/requests', { title: 'Race 2', recipients: [{ channel: 'web' }], timeout_seconds: 3600 })).body;
  const [a, c, e] = await Promise.all([
    t.api('POST', `/v1/requests/${r.id}/responses`, { value: 'approve' }),
    t.api('POST', `/v1/requests/${r.id}/cancel`),
    t.hub.expire(r.id),
  ]);
  const final = (await t.api('GET', `/v1/requests/${r.id}`)).body;
  expect(['resolved', 'cancelled', 'expired']).toContain(final.state);
  expect([a.status, c.status].filter((s) => s === 200).length).toBe(final.state === 'expired' ? 0 : 1);
  expect(e?.state).toBe(final.state);
  const [closing] = await t.sql`select count(*)::int as n from events where request_id = ${r.id} and type in ('request.resolved','request.cancelled','request.expired')`;
  expect(closing!.n).toBe(1);
});

it('a post recorded while a claim commits sees the claim, so the message posted meanwhile is still settled', async () => {
  const r = (await t.api('POST', '/v1/requests', { title: 'Race 3', recipients: [{ channel: 'web' }] })).body;
  const [row] = await t.sql`select id, channel, "to" from deliveries where request_id = ${r.id}`;
  // As if the delivery were still being posted when the request closes.
  await t.sql`update deliveries set status = 'queued', inline = false where id = ${row!.id}`;
  const delivery = { ...row, request_id: r.id, recipient_index: 0, status: 'queued', error: null, ref: null, attempts: 1 } as StoredDelivery;
  const claim = await t.sql.reserve();
  try {
    await claim`begin`;
    await claim`update requests set state = 'cancelled', closed_at = now() where id = ${r.id}`;
    // The post is recorded while the claim has not committed yet: it waits for the claim rather than reading "pending".
    let recorded: string | undefined;
    const marking = markDelivered(t.app.db, delivery, { page: 'x' }).then((state) => (recorded = state));
    await waitFor(async () => (await t.sql`select 1 from pg_stat_activity where wait_event_type = 'Lock'`).length > 0, 5000, 'the post to wait for the claim');
    expect(recorded).toBeUndefined();
    await claim`commit`;
    await marking;
    // So the deliver job settles the message itself (a settle job that read the delivery as queued skipped it).
    expect(recorded).toBe('cancelled');
  } finally {
    claim.release();
  }
});
