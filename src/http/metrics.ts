import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { Db } from '../store/db.js';

/** Prometheus metrics; gauges of stored state are read from Postgres at scrape time. */
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
  new Gauge({
    name: 'switchboard_requests',
    help: 'Requests by state',
    labelNames: ['state'],
    registers: [registry],
    async collect() {
      this.reset();
      const rows = await db.sql<{ state: string; n: number }[]>`select state, count(*)::int as n from requests group by state`;
      for (const r of rows) this.set({ state: r.state }, r.n);
    },
  });
  new Gauge({
    name: 'switchboard_deliveries',
    help: 'Deliveries by channel and status',
    labelNames: ['channel', 'status'],
    registers: [registry],
    async collect() {
      this.reset();
      const rows = await db.sql<{ channel: string; status: string; n: number }[]>`
        select channel, status, count(*)::int as n from deliveries group by channel, status`;
      for (const r of rows) this.set({ channel: r.channel, status: r.status }, r.n);
    },
  });
  return {
    registry,
    requestsCreated,
    webhookAttempts,
    decided(state: string, latencyMs: number) {
      decisions.inc({ state });
      decisionLatency.observe({ state }, latencyMs / 1000);
    },
  };
}

export type Metrics = ReturnType<typeof createMetrics>;
