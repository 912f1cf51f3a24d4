import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { apiKeyActor } from '../domain/actors.js';
import { cancelReason } from '../domain/cancel-reason.js';
import { apiResponder } from '../domain/identity.js';
import { LIMITS } from '../domain/limits.js';
import { answerBodySchema, issuesToErrors } from '../domain/request-schema.js';
import { text } from '../domain/text.js';
import type { Request, RespondResult } from '../domain/types.js';
import { invalid, notFound } from '../domain/errors.js';
import type { SwitchboardHub } from '../hub.js';
import type { Wakeups } from '../jobs/wakeups.js';
import type { Db } from '../store/db.js';
import type { VerifiedKey as ApiKey } from '../store/api-keys.js';
import { requeueCallback } from '../store/callbacks.js';
import { ID_PATTERN } from '../store/ids.js';
import { listRequests } from '../store/requests.js';
import { answerRefusal } from './answer-refusal.js';
import { apiKeyAuth, mayShareLinks, needs } from './api-key-auth.js';
import { registerAuditLog } from './audit-log.js';
import { DRAIN_RETRY_AFTER_S } from './drain.js';
import type { PresentOptions } from './present.js';
import { ProblemError, sendProblem } from './problem.js';
import { streamEvents } from './sse.js';

export interface ApiDeps {
  db: Db;
  hub: SwitchboardHub;
  /** Moves freshly committed outbox rows (a requeued webhook) into the queue now. */
  relay: { poke(): void };
  wakeups: Wakeups;
  verifyKey: (key: string) => Promise<ApiKey | undefined>;
  present: (r: Request, opts?: PresentOptions) => unknown;
}

type IdParams = { Params: { id: string } };

const listQuery = z.strictObject({
  state: z.enum(['pending', 'resolved', 'expired', 'cancelled']).optional(),
  workflow_id: text(LIMITS.workflowId, { min: 1 }).optional(),
  limit: z.coerce.number().int().min(1).max(100).default(50),
  cursor: z.string().regex(/^[A-Za-z0-9_-]{1,100}$/, 'not a cursor from a previous page').optional(),
});
const getQuery = z.strictObject({ wait: z.coerce.number().int().min(0).max(60).optional() });

function parse<T extends z.ZodType>(schema: T, value: unknown, prefix = ''): z.infer<T> {
  const r = schema.safeParse(value ?? {});
  if (!r.success) {
    throw new ProblemError(422, 'Unprocessable Content', 'The request is not valid.', { errors: issuesToErrors(r.error, prefix) });
  }
  return r.data;
}

export async function registerApi(app: FastifyInstance, d: ApiDeps): Promise<void> {
  const show = (req: FastifyRequest, r: Request) => d.present(r, { links: mayShareLinks(req) });
  const load = async (id: string) => {
    const request = ID_PATTERN.test(id) ? await d.hub.get(id) : undefined;
    if (!request) throw notFound(`Request ${id}`);
    return request;
  };
  const respondWith = (reply: FastifyReply, result: RespondResult) => {
    const body = show(reply.request, result.request);
    const refused = answerRefusal(result);
    if (!refused) return reply.code(200).send(body);
    return sendProblem(reply, refused.status, refused.detail, refused.errors ? { errors: refused.errors } : { request: body });
  };

  await app.register((v1, _opts, done) => {
    v1.addHook('onRequest', apiKeyAuth(d.verifyKey));

    v1.post('/requests', needs('requests:write'), async (req, reply) => {
      const header = req.headers['idempotency-key'];
      const idem = typeof header === 'string' ? header.trim() : undefined;
      if (idem !== undefined && (idem.length === 0 || idem.length > 255)) throw invalid('Idempotency-Key', 'must be 1..255 characters');
      const { request, replay } = await d.hub.create(req.body, req.apiKey!.id, idem);
      reply.header('location', `/v1/requests/${request.id}`);
      return reply.code(replay ? 200 : 201).send(show(req, request));
    });

    v1.get('/requests', needs('requests:read'), async (req) => {
      const q = parse(listQuery, req.query);
      const before = q.cursor ? Buffer.from(q.cursor, 'base64url').toString() : undefined;
      if (before !== undefined && !ID_PATTERN.test(before)) throw invalid('cursor', 'not a cursor from a previous page');
      const rows = await listRequests(d.db, { state: q.state, workflowId: q.workflow_id, before, limit: q.limit + 1 });
      const page = rows.slice(0, q.limit);
      const more = rows.length > q.limit;
      return { data: page.map((r) => show(req, r)), next_cursor: more ? Buffer.from(page.at(-1)!.id).toString('base64url') : null };
    });

    v1.get<IdParams>('/requests/:id', needs('requests:read'), async (req, reply) => {
      const { wait } = parse(getQuery, req.query);
      let request = await load(req.params.id);
      if (!wait || request.state !== 'pending') return show(req, request);
      const deadline = Date.now() + wait * 1000;
      const gone = new AbortController();
      req.raw.once('close', () => gone.abort());
      // Wake-ups are the fast path; re-reading every 5 s covers a lost pub/sub message.
      while (request.state === 'pending' && Date.now() < deadline && !gone.signal.aborted && !d.wakeups.shutdown.aborted) {
        await d.wakeups.next(request.id, Math.min(5000, deadline - Date.now()), gone.signal);
        request = await load(request.id);
      }
      if (request.state === 'pending' && d.wakeups.shutdown.aborted) {
        reply.header('retry-after', String(DRAIN_RETRY_AFTER_S));
        return sendProblem(reply, 503, 'This process is shutting down before the request was decided; wait again.', { request: show(req, request) });
      }
      return show(req, request);
    });

    v1.get<IdParams>('/requests/:id/events', needs('requests:read'), async (req, reply) => {
      const request = await load(req.params.id);
      return streamEvents(req, reply, request, { hub: d.hub, wakeups: d.wakeups, present: (r) => show(req, r) });
    });

    v1.post<IdParams>('/requests/:id/responses', needs('responses:write'), async (req, reply) => {
      const request = await load(req.params.id);
      const body = parse(answerBodySchema, req.body);
      // The key is the voter (one key, one vote; approvers name it api:<key name>); the body's responder is only shown.
      const responder = apiResponder(req.apiKey!.name, body.responder);
      const result = await d.hub.respond({ requestId: request.id, value: body.value, comment: body.comment, fields: body.fields, responder }, request);
      return respondWith(reply, result);
    });

    v1.post<IdParams>('/requests/:id/cancel', needs('requests:write'), async (req, reply) => {
      const request = await load(req.params.id);
      const given = cancelReason((req.body as { reason?: unknown } | undefined)?.reason);
      if (!given.ok) throw invalid('reason', given.message);
      return respondWith(reply, await d.hub.cancel(request.id, given.reason, apiKeyActor(req.apiKey!.name)));
    });

    v1.post<IdParams>('/requests/:id/callback/redeliver', needs('requests:write'), async (req, reply) => {
      const request = await load(req.params.id);
      if (!request.callback) throw new ProblemError(409, 'Conflict', 'This request has no callback_url.');
      if (request.state === 'pending') throw new ProblemError(409, 'Conflict', 'The request is still pending; its webhook is sent when it closes.');
      if (!(await requeueCallback(d.db, request.id, apiKeyActor(req.apiKey!.name)))) {
        throw new ProblemError(409, 'Conflict', 'The webhook is being delivered right now; try again once it has succeeded or failed.');
      }
      d.relay.poke();
      return reply.code(200).send(show(req, (await d.hub.get(request.id))!));
    });
    registerAuditLog(v1, d.db);
    done();
  }, { prefix: '/v1' });
}
