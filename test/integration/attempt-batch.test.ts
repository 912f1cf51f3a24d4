import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AttemptBatcher } from '../../src/store/attempt-batcher.js';
import type { WebhookAttempt } from '../../src/webhooks.js';
import { startTestHub, type TestHub } from '../helpers/harness.js';

let t: TestHub;
let batcher: AttemptBatcher;
beforeAll(async () => {
  t = await startTestHub();
  batcher = new AttemptBatcher(t.app.db);
});
afterAll(async () => t?.stop());

const HOUR_MS = 3_600_000;
const ok: WebhookAttempt = { ok: true, status: 200, latencyMs: 4, error: null, gone: false };
const failed: WebhookAttempt = { ok: false, status: 500, latencyMs: 7, error: 'HTTP 500', gone: false };

/** `n` cancelled requests whose webhook is owed, each with its backstop outbox row (due in an hour). */
async function owedWebhooks(n: number): Promise<string[]> {
  const ids: string[] = [];
  for (let i = 0; i < n; i++) {
    ids.push((await t.api('POST', '/v1/requests', { title: `Owed ${i}`, recipients: [{ channel: 'web' }] })).body.id as string);
  }
  await t.sql`update requests set state = 'cancelled', closed_at = now(), callback_url = 'http://127.0.0.1:1/hook',
    callback_status = 'pending', callback_attempts = 0 where id = any(${ids})`;
  await t.sql`insert into outbox (job, job_id, payload, delay_until)
    select 'callback', 'backstop-' || id, jsonb_build_object('requestId', id), now() + interval '1 hour' from requests where id = any(${ids})`;
  return ids;
}

const callbackRows = (ids: string[]) =>
  t.sql`select payload->>'requestId' as id, job_id, delay_until from outbox where job = 'callback' and payload->>'requestId' = any(${ids})`;

describe('group commit for webhook attempts', () => {
  it('records the attempts of one tick in one transaction, each as a lone attempt would be', async () => {
    const ids = await owedWebhooks(40);
    const delivered = ids.slice(0, 20);
    const retried = ids.slice(20);
    await Promise.all([
      ...delivered.map((id) => batcher.record({ requestId: id, eventId: `msg_${id}`, attempt: ok, status: 'delivered', retryInMs: undefined })),
      ...retried.map((id) => batcher.record({ requestId: id, eventId: `msg_${id}`, attempt: failed, status: 'pending', retryInMs: HOUR_MS })),
    ]);
    const requests = await t.sql`select id, callback_status, callback_attempts from requests where id = any(${ids})`;
    const byId = new Map(requests.map((r) => [r.id as string, [r.callback_status, r.callback_attempts]]));
    for (const id of delivered) expect(byId.get(id)).toEqual(['delivered', 1]);
    for (const id of retried) expect(byId.get(id)).toEqual(['pending', 1]);

    const attempts = await t.sql`select request_id, attempt, status, latency_ms, error, event_id, xmin::text as tx from webhook_attempts where request_id = any(${ids})`;
    expect(attempts).toHaveLength(40);
    expect(new Set(attempts.map((a) => a.tx)).size).toBe(1);
    const failedRow = attempts.find((a) => a.request_id === retried[0]);
    expect(failedRow).toMatchObject({ attempt: 1, status: 500, latency_ms: 7, error: 'HTTP 500', event_id: `msg_${retried[0]}` });

    const events = await t.sql`select request_id, data from events where type = 'callback.attempt' and request_id = any(${ids})`;
    expect(events).toHaveLength(40);
    expect(events.find((e) => e.request_id === delivered[0])!.data).toEqual({
      attempt: 1, event_id: `msg_${delivered[0]}`, status: 200, latency_ms: 4, error: null, callback_status: 'delivered', actor: 'hub',
    });

    // The backstops are gone; each retried request has exactly one row, its next try, due in about an hour.
    const rows = await callbackRows(ids);
    expect(rows.map((r) => r.id).sort()).toEqual([...retried].sort());
    for (const r of rows) {
      expect(r.job_id).toMatch(/^callback-req_/);
      expect(Math.abs(r.delay_until.getTime() - Date.now() - HOUR_MS)).toBeLessThan(60_000);
    }
  });

  it('counts a second attempt for a request in the same group as its second', async () => {
    const [id] = await owedWebhooks(1);
    await Promise.all([
      batcher.record({ requestId: id!, eventId: `msg_${id}`, attempt: failed, status: 'pending', retryInMs: HOUR_MS }),
      batcher.record({ requestId: id!, eventId: `msg_${id}`, attempt: ok, status: 'delivered', retryInMs: undefined }),
    ]);
    const rows = await t.sql`select attempt, status from webhook_attempts where request_id = ${id!} order by attempt`;
    expect(rows.map((r) => [r.attempt, r.status])).toEqual([[1, 500], [2, 200]]);
    const [r] = await t.sql`select callback_status, callback_attempts from requests where id = ${id!}`;
    expect(r).toEqual({ callback_status: 'delivered', callback_attempts: 2 });
    expect(await callbackRows([id!])).toHaveLength(0);
  });

  it('fails an attempt the database refuses alone: the rest of its group is recorded', async () => {
    const ids = await owedWebhooks(5);
    const overflow: WebhookAttempt = { ...ok, latencyMs: 2 ** 40 }; // beyond the int column
    const results = await Promise.allSettled(ids.map((id, i) =>
      batcher.record({ requestId: id, eventId: `msg_${id}`, attempt: i === 2 ? overflow : ok, status: 'delivered', retryInMs: undefined })));
    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'fulfilled', 'rejected', 'fulfilled', 'fulfilled']);
    const recorded = await t.sql`select request_id from webhook_attempts where request_id = any(${ids})`;
    expect(recorded.map((r) => r.request_id).sort()).toEqual(ids.filter((_, i) => i !== 2).sort());
    // The refused attempt left its request as it was, backstop included.
    const [r] = await t.sql`select callback_status, callback_attempts from requests where id = ${ids[2]!}`;
    expect(r).toEqual({ callback_status: 'pending', callback_attempts: 0 });
    expect((await callbackRows([ids[2]!])).map((row) => row.job_id)).toEqual([`backstop-${ids[2]}`]);
  });
});
