import type { FastifyInstance } from 'fastify';
import type { ChannelRegistry } from '../../channels/index.js';
import type { Metrics } from './metrics.js';
import { openApiDocument } from './openapi.js';

export interface OpsDeps {
  metrics: Metrics;
  channels: ChannelRegistry;
  checks: { postgres: () => Promise<unknown>; redis: () => Promise<unknown> };
  publicUrl: string;
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
  app.get('/healthz', async () => ({ status: 'ok' }));
  app.get('/readyz', async (_req, reply) => {
    const [postgres, redis] = await Promise.all([probe(d.checks.postgres), probe(d.checks.redis)]);
    const ready = postgres.ok && redis.ok;
    return reply.code(ready ? 200 : 503).send({
      status: ready ? 'ready' : 'not ready',
      dependencies: { postgres, redis },
      channels: d.channels.status(),
    });
  });
  app.get('/metrics', async (_req, reply) => {
    reply.type(d.metrics.registry.contentType);
    return d.metrics.registry.metrics();
  });
  const doc = openApiDocument(d.publicUrl);
  app.get('/openapi.json', async () => doc);
}
