import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { Db } from './store/db.js';

const GAUGE_TTL_MS = 10_000;

/** The last value of `read`, read again once it is older than GAUGE_TTL_MS (concurrent scrapes share one read). */
function cached<T>(read: () => Promise<T>): () => Promise<T> {
  let last: { at: number; value: Promise<T> } | undefined;
  return () => {
    if (!last || Date.now() - last.at > GAUGE_TTL_MS) {
      const value = read();
      last = { at: Date.now(), value };
      value.catch(() => (last = undefined));
    }
    return last.value;
  };
}

/** Prometheus metrics of one process, plus two gauges of stored state (see below). */
export function createMetrics(db: Db) {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'switchboard_process_' });
  const requestsCreated = new Counter({ name: 'switchboard_requests_created_total', help: 'Requests created', registers: [registry] });
  const decisions = new Counter({
    name: 'switchboard_decisions_total',
    help: 'Requests that left pending, by final state',
    labelNames: ['state'],
    registers: [registry],
  });
  const decisionLatency = new Histogram({
    name: 'switchboard_decision_latency_seconds',
    help: 'Time from request creation to its decision',
    labelNames: ['state'],
    buckets: [1, 5, 30, 60, 300, 900, 3600, 4 * 3600, 86400, 7 * 86400],
    registers: [registry],
  });
  const webhookAttempts = new Counter({
    name: 'switchboard_webhook_attempts_total',
    help: 'Webhook callback attempts by result',
    labelNames: ['result'],
    registers: [registry],
  });
  // Gauges of stored state stay cheap at any table size: they count only the live work (pending
  // requests, queued deliveries — both on partial indexes), at most once per GAUGE_TTL_MS whatever the
  // scrape rate. How many requests ever closed is a counter (decisions_total), never a table scan.
  const pending = cached(async () => {
    const [row] = await db.sql<{ n: number }[]>`select count(*)::int as n from requests where state = 'pending'`;
    return row?.n ?? 0;
  });
  const queued = cached(() => db.sql<{ channel: string; n: number }[]>`
    select channel, count(*)::int as n from deliveries where status = 'queued' group by channel`);
  new Gauge({
    name: 'switchboard_requests_pending',
    help: 'Requests waiting for an answer (refreshed at most every 10 s)',
    registers: [registry],
    async collect() {
      this.set(await pending());
    },
  });
  new Gauge({
    name: 'switchboard_deliveries_queued',
    help: 'Deliveries not yet posted, by channel (refreshed at most every 10 s)',
    labelNames: ['channel'],
    registers: [registry],
    async collect() {
      this.reset();
      for (const r of await queued()) this.set({ channel: r.channel }, r.n);
    },
  });
  return {
    registry,
    requestsCreated,
    /** Exports the jobs this process holds to run itself (jobs/held-jobs.ts), read at each scrape. */
    heldJobs(read: () => { running: number; waiting: number }) {
      new Gauge({
        name: 'switchboard_held_jobs',
        help: 'Deliveries and settles this process committed and runs itself, by state (running, waiting for a slot)',
        labelNames: ['state'],
        registers: [registry],
        collect() {
          const { running, waiting } = read();
          this.set({ state: 'running' }, running);
          this.set({ state: 'waiting' }, waiting);
        },
      });
    },
    webhookAttempts,
    decided(state: string, latencyMs: number) {
      decisions.inc({ state });
      decisionLatency.observe({ state }, latencyMs / 1000);
    },
  };
}

export type Metrics = ReturnType<typeof createMetrics>;
