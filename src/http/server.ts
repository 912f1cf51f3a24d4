import Fastify, { LogController, type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import { installDrain } from './drain.js';
import { parseJsonBody } from './json-body.js';
import { httpLogger, logPath } from './log-redaction.js';
import { installProblemHandlers } from './problem.js';

export const BODY_LIMIT = 256 * 1024;

export function createHttpServer(log: Logger): FastifyInstance {
  // Its req and err serializers keep capability tokens (/r/<token>) out of fastify's own lines too.
  const logger: FastifyBaseLogger = httpLogger(log);
  const app: FastifyInstance = Fastify({
    loggerInstance: logger,
    bodyLimit: BODY_LIMIT,
    // One line per request, written by the onResponse hook below, instead of fastify's two.
    logController: new LogController({ disableRequestLogging: true }),
    requestIdHeader: 'x-request-id',
    genReqId: () => crypto.randomUUID(),
    // The drain hook (drain.ts) answers 503 itself, as problem+json with Retry-After.
    return503OnClosing: false,
  });
  // An empty JSON body is "no body" (cancel, redeliver); anything else must parse, and not nest absurdly deep.
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (_req, body, done) => {
    let parsed: unknown;
    try {
      parsed = parseJsonBody(body as string);
    } catch (err) {
      return done(err as Error, undefined);
    }
    done(null, parsed);
  });
  installProblemHandlers(app);
  installDrain(app);
  app.addHook('onResponse', async (req, reply) => {
    if (req.url.startsWith('/healthz') || req.url.startsWith('/metrics')) return;
    req.log.info({ method: req.method, url: logPath(req.url), status: reply.statusCode, ms: Math.round(reply.elapsedTime) }, 'http');
  });
  return app;
}
