// What a process does with the hub's events: poke the relay, wake waiters, count, send the first
// webhook attempt. The hub reports; these tests hold the follow-ups to what each event means.
import pino from 'pino';
import { describe, expect, it } from 'vitest';
import type { Request } from '../../src/domain/types.js';
import type { CallbackContext } from '../../src/jobs/context.js';
import { createFollowUps } from '../../src/jobs/follow-ups.js';
import type { Wakeup } from '../../src/jobs/wakeups.js';
import { createMetrics } from '../../src/metrics.js';
import type { Db } from '../../src/store/db.js';
import type { HeldJob } from '../../src/store/requests.js';
import type { HeldWork } from '../../src/jobs/held-jobs.js';
import { makeRequest } from '../helpers/fixtures.js';

function setup(opts: { publishFails?: boolean } = {}) {
  const pokes: number[] = [];
  const published: Wakeup[] = [];
  const logged: string[] = [];
  const presented: string[] = [];
  const taken: HeldWork[] = [];
  // The gauges would read the database when scraped; these tests only read counters.
  const metrics = createMetrics({} as Db);
  const log = pino({ level: 'warn' }, { write: (line: string) => void logged.push(JSON.parse(line).msg) });
  const callbacks = {
    metrics,
    log,
    present(r: Request) {
      presented.push(r.id);
      throw new Error('no webhook in this test');
    },
  } as Partial<CallbackContext> as CallbackContext;
  const followUps = createFollowUps({
    relay: { poke: () => void pokes.push(Date.now()) },
    held: { take: (jobs) => void taken.push(...jobs) },
    wakeups: {
      publish(w) {
        if (opts.publishFails) return Promise.reject(new Error('redis is gone'));
        published.push(w);
        return Promise.resolve();
      },
    },
    metrics,
    callbacks,
    log,
  });
  const counter = async (name: string) => (await metrics.registry.getSingleMetric(name)!.get()).values;
  const metricText = (name: string) => metrics.registry.getSingleMetricAsString(name);
  return { followUps, pokes, published, logged, presented, taken, counter, metricText };
}

const queued = (n: number) => ({ queued: n, held: [] });

const closed = (over: Partial<Request>) =>
  makeRequest({ created_at: '2024-01-01T00:00:00.000Z', closed_at: '2024-01-01T00:00:30.000Z', ...over });

describe('follow-ups', () => {
  it('a created request pokes the relay, is counted, and wakes the console\'s live lists', async () => {
    const s = setup();
    const r = makeRequest();
    s.followUps.created(r, queued(2));
    expect(s.pokes).toHaveLength(1);
    expect(await s.counter('switchboard_requests_created_total')).toEqual([{ value: 1, labels: {} }]);
    expect(s.published).toEqual([{ requestId: r.id, event: 'request.created' }]);
  });

  it('a commit that queued no jobs (inline deliveries only) leaves the relay alone but still wakes and counts', async () => {
    const s = setup();
    const created = makeRequest();
    s.followUps.created(created, queued(0));
    const decided = closed({ state: 'resolved' });
    s.followUps.decided(decided, queued(0));
    expect(s.pokes).toHaveLength(0);
    expect(s.published.map((w) => w.event)).toEqual(['request.created', 'request.resolved']);
    expect(await s.counter('switchboard_decisions_total')).toEqual([{ value: 1, labels: { state: 'resolved' } }]);
  });

  it('jobs a commit held for this process go to its held jobs, not through the relay', () => {
    const s = setup();
    const settle: HeldJob = { job: 'settle', job_id: 'settle-dlv_1', payload: { deliveryId: 'dlv_1' } };
    const decided = closed({ state: 'resolved' });
    s.followUps.decided(decided, { queued: 0, held: [settle] });
    const deliver: HeldJob = { job: 'deliver', job_id: 'deliver-dlv_2', payload: { deliveryId: 'dlv_2' } };
    const created = makeRequest();
    s.followUps.created(created, { queued: 0, held: [deliver] });
    // Each with the request as its commit left it, so the job need not read it again.
    expect(s.taken).toEqual([{ ...settle, request: decided }, { ...deliver, request: created }]);
    expect(s.pokes).toHaveLength(0);
  });

  it('a counted vote wakes the waiters of that request and nothing else', () => {
    const s = setup();
    const r = makeRequest({ quorum: 2 });
    s.followUps.voted(r);
    expect(s.published).toEqual([{ requestId: r.id, event: 'request.vote' }]);
    expect(s.pokes).toHaveLength(0);
  });

  it('a decision pokes the relay, wakes waiters with its state and counts it with its latency', async () => {
    const s = setup();
    const r = closed({ state: 'expired' });
    s.followUps.decided(r, queued(1));
    expect(s.pokes).toHaveLength(1);
    expect(s.published).toEqual([{ requestId: r.id, event: 'request.expired' }]);
    expect(await s.counter('switchboard_decisions_total')).toEqual([{ value: 1, labels: { state: 'expired' } }]);
    expect(await s.metricText('switchboard_decision_latency_seconds')).toContain('switchboard_decision_latency_seconds_sum{state="expired"} 30\n');
  });

  it('sends the first webhook attempt only for a request with a callback, and waits for it when idle is asked', async () => {
    const s = setup();
    s.followUps.decided(closed({ state: 'cancelled' }), queued(0));
    expect(s.presented).toEqual([]);
    const withCallback = closed({ state: 'resolved', callback: { url: 'http://127.0.0.1:9/hook', status: 'pending', attempts: 0 } });
    s.followUps.decided(withCallback, queued(0));
    await s.followUps.whenIdle(5000);
    // The attempt ran (it builds the webhook body first) and its failure was logged, not thrown.
    expect(s.presented).toEqual([withCallback.id]);
    expect(s.logged).toContain('first webhook attempt failed to run; the outbox backstop will retry');
  });

  it('a failed wake-up publish is logged, not thrown: waiters re-read on their own', async () => {
    const s = setup({ publishFails: true });
    const r = closed({ state: 'resolved' });
    expect(() => s.followUps.decided(r, queued(1))).not.toThrow();
    await expect.poll(() => s.logged).toContain('wake-up publish failed; waiters will see the change on their next poll');
    expect(s.pokes).toHaveLength(1);
  });
});
