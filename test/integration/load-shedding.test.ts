import { afterAll, describe, expect, it } from 'vitest';
import { startTestHub, type TestHub } from '../helpers/harness.js';
import { waitFor } from '../helpers/services.js';
import { FakeSlack } from '../fakes/slack.js';

const approval = { title: 'Deploy?', recipients: [{ channel: 'web' }] };
const hubs: TestHub[] = [];
afterAll(async () => {
  await Promise.all(hubs.map((h) => h.stop()));
});

async function hub(env: Record<string, string>, workers = true): Promise<TestHub> {
  const t = await startTestHub({ env, workers });
  hubs.push(t);
  return t;
}

const busy = (ms: number) => {
  const end = performance.now() + ms;
  while (performance.now() < end) { /* block the event loop, as a CPU-bound burst would */ }
};

describe('back-pressure', () => {
  it('refuses creates past the outbox backlog limit, never answers, and shows it in /readyz and /metrics', async () => {
    // No workers: the jobs below stay unfinished, as they would behind a stalled queue.
    const t = await hub({ SWITCHBOARD_SHED_OUTBOX: '2', SWITCHBOARD_SHED_EVENT_LOOP_MS: '0' }, false);
    const open = await t.api('POST', '/v1/requests', approval);
    expect(open.status).toBe(201);
    await t.sql`insert into outbox (job, job_id, payload)
      select 'settle', 'settle-dlv_stalled_' || i, '{"deliveryId":"dlv_stalled","requestId":"req_stalled"}'::jsonb from generate_series(1, 3) i`;

    const refused = await waitFor(async () => {
      const res = await t.api('POST', '/v1/requests', approval);
      return res.status === 429 && res;
    }, 15_000, 'a 429');
    expect(refused.headers.get('retry-after')).toBe('1');
    expect(refused.headers.get('content-type')).toContain('application/problem+json');
    expect(refused.body).toMatchObject({ status: 429, reason: 'outbox_backlog' });
    expect(refused.body.detail).toMatch(/follow-up jobs are waiting/);

    const answer = await t.api('POST', `/v1/requests/${open.body.id}/responses`, { value: 'approve' });
    expect(answer.status).toBe(200);
    expect(answer.body.state).toBe('resolved');

    const ready = await fetch(`${t.baseUrl}/readyz`);
    expect(ready.status).toBe(200);
    expect((await ready.json()).load).toMatchObject({ shedding: true, reason: 'outbox_backlog', affects_readiness: false });
    const metrics = await (await fetch(`${t.baseUrl}/metrics`)).text();
    expect(metrics).toMatch(/^switchboard_load_shedding 1$/m);
    expect(metrics).toMatch(/^switchboard_creates_shed_total\{reason="outbox_backlog"\} [1-9]/m);
    expect(metrics).toMatch(/^switchboard_event_loop_delay_p99_seconds /m);
  });

  it('counts held deliveries waiting for a slot as backlog too', async () => {
    const fake = new FakeSlack();
    await fake.start();
    try {
      const t = await startTestHub({
        env: { SWITCHBOARD_SHED_OUTBOX: '2', SWITCHBOARD_SHED_EVENT_LOOP_MS: '0', SWITCHBOARD_DRAIN_SECONDS: '1', SLACK_BOT_TOKEN: fake.token, SLACK_SIGNING_SECRET: 'shed-signing-secret', SLACK_API_URL: fake.url },
        heldJobs: { maxRunning: 1 },
      });
      hubs.push(t);
      // The first post hangs in its only slot; the next three wait in the process, none in the outbox.
      fake.holdNext('chat.postMessage', 4);
      const slack = { title: 'Deploy?', recipients: [{ channel: 'slack', to: 'C0APPROVALS' }] };
      for (let i = 0; i < 4; i++) expect((await t.api('POST', '/v1/requests', slack)).status).toBe(201);
      const refused = await waitFor(async () => {
        const res = await t.api('POST', '/v1/requests', approval);
        return res.status === 429 && res;
      }, 15_000, 'a 429');
      expect(refused.body).toMatchObject({ status: 429, reason: 'outbox_backlog' });
      expect(await t.sql`select 1 from outbox where enqueued_at is null and delay_until <= now()`).toHaveLength(0);
    } finally {
      await fake.stop();
    }
  });

  it('refuses creates beyond the in-flight limit and stores the ones it took', async () => {
    const t = await hub({ SWITCHBOARD_SHED_PENDING_CREATES: '2', SWITCHBOARD_SHED_OUTBOX: '0', SWITCHBOARD_SHED_EVENT_LOOP_MS: '0' });
    const answers = await Promise.all(Array.from({ length: 30 }, () => t.api('POST', '/v1/requests', approval)));
    const statuses = answers.map((a) => a.status);
    expect(statuses.filter((s) => s !== 201 && s !== 429)).toEqual([]);
    expect(statuses).toContain(429);
    expect(statuses).toContain(201);
    expect(answers.find((a) => a.status === 429)!.body).toMatchObject({ reason: 'pending_creates' });
    const [row] = await t.sql`select count(*)::int as n from requests`;
    expect(row!.n).toBe(statuses.filter((s) => s === 201).length);
    // Every refused and every finished create has left the count: the process takes creates again.
    await waitFor(async () => (await t.api('POST', '/v1/requests', approval)).status === 201, 15_000, 'a 201 again');
  });

  it('refuses creates while the event loop lags for a while, and takes them again once it recovers', async () => {
    const t = await hub({ SWITCHBOARD_SHED_EVENT_LOOP_MS: '100', SWITCHBOARD_SHED_OUTBOX: '0' });
    const refused = await waitFor(async () => {
      busy(300);
      const res = await t.api('POST', '/v1/requests', approval);
      return res.status === 429 && res;
    }, 20_000, 'a 429 for event-loop delay');
    expect(refused.body).toMatchObject({ reason: 'event_loop_delay' });
    expect(refused.body.detail).toMatch(/event-loop delay p99 is \d+ ms \(limit 100 ms\)/);
    await waitFor(async () => (await t.api('POST', '/v1/requests', approval)).status === 201, 15_000, 'a 201 again');
  });
});
