import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestHub, type TestHub } from '../helpers/harness.js';

const METRICS_TOKEN = 'metrics-token-for-tests';
let t: TestHub;
beforeAll(async () => {
  t = await startTestHub({ env: { METRICS_TOKEN } });
});
afterAll(async () => t?.stop());

const scrape = (authorization?: string) =>
  fetch(`${t.baseUrl}/metrics`, { headers: authorization ? { authorization } : {} });
const gauge = (text: string, name: string) => Number(new RegExp(`^${name} (\\d+)$`, 'm').exec(text)?.[1]);

describe('/metrics', () => {
  // First: the gauges are cached from the first authorised scrape on.
  it('counts only live work, read at most once per refresh period whatever the scrape rate', async () => {
    const create = () => t.api('POST', '/v1/requests', { title: 'x', recipients: [{ channel: 'web' }] });
    const closed = (await create()).body;
    await t.api('POST', `/v1/requests/${closed.id}/cancel`);
    await create();
    const first = await (await scrape(`Bearer ${METRICS_TOKEN}`)).text();
    expect(gauge(first, 'switchboard_requests_pending')).toBe(1);
    // A new pending request does not show until the cached count is refreshed: scrapes cost no queries.
    await create();
    const second = await (await scrape(`Bearer ${METRICS_TOKEN}`)).text();
    expect(gauge(second, 'switchboard_requests_pending')).toBe(1);
    expect(gauge(second, 'switchboard_requests_created_total')).toBe(3);
  });
  it('shows the jobs the process holds to run itself, running and waiting', async () => {
    const text = await (await scrape(`Bearer ${METRICS_TOKEN}`)).text();
    expect(text).toMatch(/^switchboard_held_jobs\{state="running"\} 0$/m);
    expect(text).toMatch(/^switchboard_held_jobs\{state="waiting"\} 0$/m);
  });

  it('wants METRICS_TOKEN when it is set, and never echoes it', async () => {
    for (const auth of [undefined, 'Bearer wrong', `Basic ${METRICS_TOKEN}`]) {
      const res = await scrape(auth);
      expect(res.status).toBe(401);
      expect(res.headers.get('content-type')).toMatch(/problem\+json/);
      expect(await res.text()).not.toContain(METRICS_TOKEN);
    }
    expect((await scrape(`Bearer ${METRICS_TOKEN}`)).status).toBe(200);
  });

});
