import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { WebhookReceiver } from '../fakes/webhook-receiver.js';
import { startHubWithReceiver, type TestHub } from '../helpers/harness.js';
import { waitFor } from '../helpers/services.js';

let t: TestHub;
let rx: WebhookReceiver;
let stop: () => Promise<void>;
beforeAll(async () => ({ t, rx, stop } = await startHubWithReceiver()));
afterAll(async () => stop?.());

const get = async (id: string) => (await t.api('GET', `/v1/requests/${id}`)).body;

describe('expiry', () => {
  it('expires without on_timeout: no response, webhook request.expired', async () => {
    const r = (await t.api('POST', '/v1/requests', { title: 'x', recipients: [{ channel: 'web' }], timeout_seconds: 1, callback_url: rx.url })).body;
    const expired = await waitFor(async () => { const g = await get(r.id); return g.state === 'expired' && g; }, 6000, 'expired');
    expect(expired.response).toBeNull();
    expect(Date.parse(expired.closed_at)).toBeGreaterThanOrEqual(Date.parse(r.expires_at));
    await waitFor(() => rx.received.find((h) => h.json.data.id === r.id), 5000, 'webhook');
    expect(rx.received.find((h) => h.json.data.id === r.id)!.json.type).toBe('request.expired');
    expect((await t.api('POST', `/v1/requests/${r.id}/responses`, { value: 'approve' })).status).toBe(409);
  });

  it('applies on_timeout as the outcome', async () => {
    const r = (await t.api('POST', '/v1/requests', {
      title: 'x', recipients: [{ channel: 'web' }], timeout_seconds: 1, on_timeout: { value: 'reject', comment: 'no answer in time' },
    })).body;
    const expired = await waitFor(async () => { const g = await get(r.id); return g.state === 'expired' && g; }, 6000, 'expired');
    expect(expired.response).toMatchObject({ value: 'reject', comment: 'no answer in time', responder: { channel: 'api', id: 'timeout' } });
  });

  it('expires overdue requests whose expire job was lost (the sweep)', async () => {
    const r = (await t.api('POST', '/v1/requests', { title: 'x', recipients: [{ channel: 'web' }], timeout_seconds: 3600 })).body;
    await t.sql`update requests set expires_at = now() - interval '1 second' where id = ${r.id}`;
    await waitFor(async () => (await get(r.id)).state === 'expired', 6000, 'swept');
  });

  it('an answer after the deadline loses even before the expiry has run, and the expiry takes effect', async () => {
    for (const quorum of [1, 2]) {
      const r = (await t.api('POST', '/v1/requests', {
        title: 'late', recipients: [{ channel: 'web' }], quorum, timeout_seconds: 3600, on_timeout: { value: 'reject' },
      })).body;
      // The deadline has passed by database time; the expire job is still an hour away.
      await t.sql`update requests set expires_at = now() - interval '50 milliseconds' where id = ${r.id}`;
      const late = await t.api('POST', `/v1/requests/${r.id}/responses`, { value: 'approve' });
      expect(late.status).toBe(409);
      expect(late.body.request.state).toBe('expired');
      const g = await get(r.id);
      expect(g.state).toBe('expired');
      expect(g.response).toMatchObject({ value: 'reject', responder: { id: 'timeout' } });
      expect(g.votes).toEqual([]);
    }
  });

  it('an answer before the deadline wins and the later expiry changes nothing', async () => {
    const r = (await t.api('POST', '/v1/requests', { title: 'x', recipients: [{ channel: 'web' }], timeout_seconds: 1 })).body;
    const expireRow = () => t.sql`select 1 from outbox where job_id = ${`expire-${r.id}`}`;
    expect(await expireRow()).toHaveLength(1);
    await t.api('POST', `/v1/requests/${r.id}/responses`, { value: 'approve' });
    // The decision drops the expiry's outbox row: nothing is left to do at the deadline.
    expect(await expireRow()).toHaveLength(0);
    await new Promise((res) => setTimeout(res, 1800));
    const g = await get(r.id);
    expect(g.state).toBe('resolved');
    expect(g.response.value).toBe('approve');
  });
});
