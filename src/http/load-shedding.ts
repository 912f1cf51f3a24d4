import type { FastifyInstance } from 'fastify';
import { Counter, Gauge, type Registry } from 'prom-client';
import type { LoadMonitor } from './load-monitor.js';
import { sendProblem } from './problem.js';

/** Seconds a refused create is told to wait: about when the next sample may show the load gone. */
export const SHED_RETRY_AFTER_S = 1;

/** The routes that create requests; only these are ever refused for load (answers never are). */
export const CREATE_ROUTES: ReadonlySet<string> = new Set([
  'POST /v1/requests',
  'POST /humanlayer/v1/function_calls',
  'POST /humanlayer/v1/contact_requests',
]);

/**
 * Back-pressure: past a limit, a new create is refused at once with 429, Retry-After and a
 * problem+json naming the reason, before its body is read, rather than queueing until it times out.
 * Runs before authentication, so a refusal costs next to nothing. Counts the creates in flight.
 */
export function installLoadShedding(app: FastifyInstance, monitor: LoadMonitor, registry: Registry, routes = CREATE_ROUTES): void {
  const shed = new Counter({
    name: 'switchboard_creates_shed_total',
    help: 'Creates refused with 429 because the process was over a load limit, by reason',
    labelNames: ['reason'],
    registers: [registry],
  });
  app.addHook('onRequest', async (req, reply) => {
    if (!routes.has(`${req.method} ${req.routeOptions.url}`)) return;
    const over = monitor.over();
    if (over) {
      shed.inc({ reason: over.reason });
      reply.header('retry-after', String(SHED_RETRY_AFTER_S));
      return sendProblem(reply, 429, `Switchboard is over its load limit: ${over.detail}. Retry after ${SHED_RETRY_AFTER_S} s.`, { reason: over.reason });
    }
    monitor.pendingCreates++;
    // 'close' comes once, whether the answer was sent or the client went away.
    reply.raw.once('close', () => monitor.pendingCreates--);
  });
  registerLoadGauges(monitor, registry);
}

function registerLoadGauges(monitor: LoadMonitor, registry: Registry): void {
  const gauge = (name: string, help: string, read: () => number) =>
    new Gauge({ name, help, registers: [registry], collect() { this.set(read()); } });
  gauge('switchboard_load_shedding', '1 while new creates are refused with 429 for load, else 0', () => (monitor.status().shedding ? 1 : 0));
  gauge('switchboard_event_loop_delay_p99_seconds', 'p99 event-loop delay over the last sample period', () => monitor.status().event_loop_delay_p99_ms / 1000);
  gauge('switchboard_creates_in_flight', 'Creates received and not yet answered', () => monitor.pendingCreates);
  gauge('switchboard_outbox_backlog', 'Due follow-up jobs not done yet (counted up to the shedding limit)', () => monitor.status().outbox_backlog);
}
