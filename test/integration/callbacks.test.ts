import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebhookReceiver } from '../fakes/webhook-receiver.js';
import { startTestHub, type TestHub } from '../helpers/harness.js';
import { waitFor } from '../helpers/services.js';

let t: TestHub;
let receiver: WebhookReceiver;
beforeAll(async () => {
  t = await startTestHub({ callbackSchedule: [0, 100, 200, 300], webhookTimeoutMs: 500 });
});
afterAll(async () => t?.stop());

async function withReceiver(fn: (r: WebhookReceiver) => Promise<void>) {
  receiver = await new WebhookReceiver().start(t.webhookSecret);
  try {
    await fn(receiver);
  } finally {
    await receiver.stop();
  }
}

const create = async (extra: Record<string, unknown> = {}) =>
  (await t.api('POST', '/v1/requests', { title: 'Deploy?', recipients: [{ channel: 'web' }], callback_url: receiver.url, ...extra })).body;
const get = async (id: string) => (await t.api('GET', `/v1/requests/${id}`)).body;
const attempts = (id: string) => t.sql`select attempt, status, error, latency_ms, event_id from webhook_attempts where request_id = ${id} order by id`;

describe('webhook callbacks', () => {
  it('sends a Standard Webhooks request that verifies, with the request as data', () =>
    withReceiver(async (rx) => {
      const r = await create({ workflow_id: 'wf-9', checkpoint_id: 'cp-1' });
      await t.api('POST', `/v1/requests/${r.id}/responses`, { value: 'approve' });
      await waitFor(() => rx.received.length === 1, 5000, 'webhook');
      const hit = rx.received[0]!;
      expect(hit.verified).toBe(true);
      expect(hit.headers['webhook-id']).toMatch(/^msg_/);
      expect(hit.headers['webhook-signature']).toMatch(/^v1,[A-Za-z0-9+/=]+$/);
      expect(Math.abs(Number(hit.headers['webhook-timestamp']) - Date.now() / 1000)).toBeLessThan(10);
      expect(hit.json).toMatchObject({ type: 'request.resolved', data: { id: r.id, state: 'resolved', workflow_id: 'wf-9', checkpoint_id: 'cp-1', response: { value: 'approve' } } });
      expect(Date.parse(hit.json.timestamp)).toBeGreaterThan(0);
      const done = await waitFor(async () => ((await get(r.id)).callback.status === 'delivered' ? get(r.id) : undefined));
      expect(done.callback).toEqual({ url: rx.url, status: 'delivered', attempts: 1 });
      expect((await attempts(r.id)).map((a) => a.status)).toEqual([200]);
    }));

  it('retries failures (3xx included, not followed) with the same webhook-id and fresh signatures', () =>
    withReceiver(async (rx) => {
      rx.answer({ status: 500 }, { status: 302, headers: { location: 'http://127.0.0.1:1/elsewhere' } }, { status: 200 });
      const r = await create();
      await t.api('POST', `/v1/requests/${r.id}/cancel`);
      await waitFor(() => rx.received.length === 3, 5000, 'three attempts');
      const ids = new Set(rx.received.map((h) => h.headers['webhook-id']));
      expect(ids.size).toBe(1);
      expect(rx.received.every((h) => h.verified)).toBe(true);
      expect(rx.received[0]!.json.type).toBe('request.cancelled');
      const rows = await waitFor(async () => { const a = await attempts(r.id); return a.length === 3 && a; });
      expect(rows.map((a) => a.status)).toEqual([500, 302, 200]);
      expect(rows[1]!.error).toMatch(/redirects are not followed/);
      expect((await get(r.id)).callback).toMatchObject({ status: 'delivered', attempts: 3 });
    }));

  it('honours Retry-After on 429', () =>
    withReceiver(async (rx) => {
      rx.answer({ status: 429, headers: { 'retry-after': '1' } });
      const r = await create();
      await t.api('POST', `/v1/requests/${r.id}/responses`, { value: 'reject' });
      await waitFor(() => rx.received.length === 2, 5000, 'retry');
      const gap = rx.received[1]!.at - rx.received[0]!.at;
      expect(gap).toBeGreaterThanOrEqual(950);
    }));

  it('lets Retry-After lengthen a wait but never add attempts: 429 Retry-After: 0 fails after the schedule', () =>
    withReceiver(async (rx) => {
      const schedule = [0, 100, 200, 300];
      rx.answer(...Array.from({ length: 20 }, () => ({ status: 429, headers: { 'retry-after': '0' } })));
      const r = await create();
      await t.api('POST', `/v1/requests/${r.id}/responses`, { value: 'approve' });
      const failed = await waitFor(async () => { const g = await get(r.id); return g.callback.status === 'failed' && g; }, 10_000, 'failed');
      expect(failed.callback.attempts).toBe(schedule.length);
      expect((await attempts(r.id)).map((a) => a.status)).toEqual(schedule.map(() => 429));
      expect(rx.received).toHaveLength(schedule.length);
      // Each wait is the schedule's (less 10 % jitter), not Retry-After's 0.
      rx.received.slice(1).forEach((hit, i) => expect(hit.at - rx.received[i]!.at).toBeGreaterThanOrEqual(0.9 * schedule[i + 1]! - 5));
      // Nothing more is owed: no retry waits in the outbox.
      expect(await t.sql`select job_id from outbox where job = 'callback' and payload->>'requestId' = ${r.id}`).toHaveLength(0);
    }));

  it('stops at once on 410 Gone', () =>
    withReceiver(async (rx) => {
      rx.answer({ status: 410 });
      const r = await create();
      await t.api('POST', `/v1/requests/${r.id}/responses`, { value: 'approve' });
      const failed = await waitFor(async () => { const g = await get(r.id); return g.callback.status === 'failed' && g; });
      expect(failed.callback.attempts).toBe(1);
      await new Promise((res) => setTimeout(res, 600));
      expect(rx.received).toHaveLength(1);
    }));

  it('marks the callback failed after the schedule, times out slow receivers, and redelivers on request', () =>
    withReceiver(async (rx) => {
      rx.answer({ status: 500 }, { hang: true, status: 0 }, { status: 503 }, { status: 500 });
      const r = await create();
      await t.api('POST', `/v1/requests/${r.id}/responses`, { value: 'approve' });
      const failed = await waitFor(async () => { const g = await get(r.id); return g.callback.status === 'failed' && g; }, 10_000, 'failed');
      expect(failed.callback.attempts).toBe(4);
      const rows = await attempts(r.id);
      expect(rows.map((a) => a.status)).toEqual([500, null, 503, 500]);
      expect(rows[1]!.error).toMatch(/timeout/);
      expect(rx.received).toHaveLength(4);
      const again = await t.api('POST', `/v1/requests/${r.id}/callback/redeliver`);
      expect(again.status).toBe(200);
      expect(again.body.callback.status).toBe('pending');
      await waitFor(async () => (await get(r.id)).callback.status === 'delivered', 5000, 'redelivered');
      expect(rx.received).toHaveLength(5);
      expect(new Set(rx.received.map((h) => h.headers['webhook-id'])).size).toBe(1);
    }));

  it('refuses redeliver for a pending request or one without callback', async () => {
    const pending = (await t.api('POST', '/v1/requests', { title: 'x', recipients: [{ channel: 'web' }], callback_url: 'http://127.0.0.1:9/x' })).body;
    expect((await t.api('POST', `/v1/requests/${pending.id}/callback/redeliver`)).status).toBe(409);
    const none = (await t.api('POST', '/v1/requests', { title: 'x', recipients: [{ channel: 'web' }] })).body;
    expect((await t.api('POST', `/v1/requests/${none.id}/callback/redeliver`)).status).toBe(409);
  });
});
