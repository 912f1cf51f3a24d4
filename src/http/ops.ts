import { createHash, timingSafeEqual } from 'node:crypto';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { ChannelRegistry } from '../../channels/index.js';
import type { Metrics } from '../metrics.js';
import { channelChecks } from './channel-checks.js';
import type { LoadMonitor } from './load-monitor.js';
import { openApiDocument } from './openapi.js';
import { sendProblem } from './problem.js';

export interface OpsDeps {
  metrics: Metrics;
  channels: ChannelRegistry;
  checks: { postgres: () => Promise<unknown>; redis: () => Promise<unknown> };
  /** Back-pressure state, shown by /readyz. */
  load?: Pick<LoadMonitor, 'status'>;
  publicUrl: string;
  /** METRICS_TOKEN: when set, /metrics wants `Authorization: Bearer <it>`. */
  metricsToken?: string;
}

const digest = (s: string) => createHash('sha256').update(s).digest();

/** Constant-time Bearer check (hashing first makes the lengths equal). */
function bearerMatches(req: FastifyRequest, token: string): boolean {
  const m = /^Bearer\s+(\S+)\s*$/i.exec(req.headers.authorization ?? '');
  return !!m && timingSafeEqual(digest(m[1]!), digest(token));
}

async function probe(fn: () => Promise<unknown>): Promise<{ ok: boolean; error?: string }> {
  try {
    await Promise.race([fn(), new Promise((_, reject) => setTimeout(() => reject(new Error('no answer in 2 s')), 2000).unref())]);
    return { ok: true };
  } catch (err) {
    return { ok: false, error: err instanceof Error ? err.message : String(err) };
  }
}

/** /healthz (the process is up), /readyz (its dependencies answer), /metrics, /openapi.json. */
export function registerOps(app: FastifyInstance, d: OpsDeps): void {
  app.get('/healthz', () => ({ status: 'ok' }));
  const checkChannels = channelChecks(d.channels);
  app.get('/readyz', async (_req, reply) => {
    const [postgres, redis, checks] = await Promise.all([probe(d.checks.postgres), probe(d.checks.redis), checkChannels()]);
    const ready = postgres.ok && redis.ok;
    return reply.code(ready ? 200 : 503).send({
      status: ready ? 'ready' : 'not ready',
      dependencies: { postgres, redis },
      channels: d.channels.status().map((c) => (checks[c.name] ? { ...c, check: checks[c.name] } : c)),
      // Shedding is not unready: answers are still taken, and creates are refused only while the load lasts.
      ...(d.load ? { load: { ...d.load.status(), affects_readiness: false } } : {}),
    });
  });
  app.get('/metrics', async (req, reply) => {
    if (d.metricsToken && !bearerMatches(req, d.metricsToken)) {
      reply.header('www-authenticate', 'Bearer realm="metrics"');
      return sendProblem(reply, 401, 'Send the metrics token: Authorization: Bearer <METRICS_TOKEN>.');
    }
    reply.type(d.metrics.registry.contentType);
    return d.metrics.registry.metrics();
  });
  const doc = openApiDocument(d.publicUrl);
  app.get('/openapi.json', () => doc);
}
