import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { cancelReason } from '../../domain/cancel-reason.js';
import { responderActor } from '../../domain/actors.js';
import { operatorResponder } from '../../domain/identity.js';
import type { Request, RespondResult } from '../../domain/types.js';
import { requeueCallback } from '../../store/callbacks.js';
import { readAuditLog } from '../../store/audit-log.js';
import { webhookAttempts } from '../../store/console.js';
import { ID_PATTERN } from '../../store/ids.js';
import { answerRefusal } from '../answer-refusal.js';
import { formAnswer } from './answer-form.js';
import { messagePage, sendHtml, signedAs } from './guard.js';
import type { Notice } from './layout.js';
import { requestPage } from './request-page.js';
import type { UiDeps } from './deps.js';
import { may, type Sessions } from './session.js';

type IdParams = { Params: { id: string } };

/** The audit trail shown on a request's page (the API pages through longer ones: GET /v1/requests/{id}/log). */
const AUDIT_ROWS = 500;
const actorOf = (req: FastifyRequest) => responderActor(operatorResponder(req.operator!.name));
type Guard = (req: FastifyRequest, reply: FastifyReply) => FastifyReply | undefined;

/** What a redirect after a successful post shows: fixed texts, so nothing from the URL is echoed. */
const DONE: Record<string, string> = {
  answered: 'Your answer decided the request.',
  counted: 'Your vote was counted; the request waits for more.',
  cancelled: 'The request was cancelled.',
  redelivered: 'The webhook was queued again.',
};

async function load(d: UiDeps, id: string): Promise<Request | undefined> {
  return ID_PATTERN.test(id) ? d.hub.get(id) : undefined;
}

/** The request page, with a notice (after a post) and the status it is sent with. */
export async function showRequest(d: UiDeps, sessions: Sessions, req: FastifyRequest<IdParams>, reply: FastifyReply, status: number, notice?: Notice, current?: Request) {
  const op = req.operator!;
  const signed = signedAs(op, sessions);
  const request = current ?? (await load(d, req.params.id));
  if (!request) return messagePage(reply, 404, 'Not found', 'There is no request with this id.', signed);
  const [audit, attempts] = await Promise.all([readAuditLog(d.db, request.id, '0', AUDIT_ROWS), webhookAttempts(d.db, request.id)]);
  const done = (req.query as { done?: unknown } | undefined)?.done;
  const shown = notice ?? (typeof done === 'string' && DONE[done] ? { kind: 'ok' as const, text: DONE[done] } : undefined);
  const can = { answer: may(op, 'responses:write'), write: may(op, 'requests:write') };
  const operatorId = responderActor(operatorResponder(op.name));
  return sendHtml(reply, status, requestPage({ request, audit: audit ?? [], attempts, can, operatorId, notice: shown }, signed));
}

/** The console's forms: answer as operator, cancel, redeliver. Each needs its scope and the session's form token. */
export function registerActions(app: FastifyInstance, d: UiDeps, sessions: Sessions, forged: Guard): void {
  const done = (reply: FastifyReply, id: string, what: keyof typeof DONE) => reply.redirect(`/ui/requests/${id}?done=${what}`, 303);
  const act = (scope: 'responses:write' | 'requests:write', handle: (req: FastifyRequest<IdParams>, reply: FastifyReply, r: Request) => Promise<unknown>) =>
    async (req: FastifyRequest<IdParams>, reply: FastifyReply) => {
      const refused = forged(req, reply);
      if (refused) return refused;
      if (!may(req.operator!, scope)) return messagePage(reply, 403, 'Not allowed', `Your API key lacks the scope ${scope}.`, signedAs(req.operator!, sessions));
      const request = await load(d, req.params.id);
      if (!request) return messagePage(reply, 404, 'Not found', 'There is no request with this id.', signedAs(req.operator!, sessions));
      return handle(req, reply, request);
    };
  const afterClaim = (req: FastifyRequest<IdParams>, reply: FastifyReply, result: RespondResult, won: keyof typeof DONE) => {
    const refusal = answerRefusal(result);
    if (!refusal) return done(reply, result.request.id, result.status === 'counted' ? 'counted' : won);
    const details = refusal.errors?.map((x) => `${x.path}: ${x.message}`).join('; ');
    return showRequest(d, sessions, req, reply, refusal.status, { kind: 'error', text: details ? `${refusal.detail} ${details}` : refusal.detail }, result.request);
  };
  const form = (req: FastifyRequest) => (req.body instanceof URLSearchParams ? req.body : new URLSearchParams());

  app.post<IdParams>('/ui/requests/:id/answer', act('responses:write', async (req, reply, r) => {
    const result = await d.hub.respond(formAnswer(r, form(req), operatorResponder(req.operator!.name)), r);
    return afterClaim(req, reply, result, 'answered');
  }));

  app.post<IdParams>('/ui/requests/:id/cancel', act('requests:write', async (req, reply, r) => {
    const given = cancelReason(form(req).get('reason') || undefined);
    if (!given.ok) return showRequest(d, sessions, req, reply, 422, { kind: 'error', text: `reason: ${given.message}` }, r);
    return afterClaim(req, reply, await d.hub.cancel(r.id, given.reason, actorOf(req)), 'cancelled');
  }));

  app.post<IdParams>('/ui/requests/:id/redeliver', act('requests:write', async (req, reply, r) => {
    const why = !r.callback ? 'This request has no callback_url.'
      : r.state === 'pending' ? 'The request is still pending; its webhook is sent when it closes.'
        : !(await requeueCallback(d.db, r.id, actorOf(req))) ? 'The webhook is being delivered right now; try again once it has succeeded or failed.' : undefined;
    if (why) return showRequest(d, sessions, req, reply, 409, { kind: 'error', text: why }, r);
    d.relay.poke();
    return done(reply, r.id, 'redelivered');
  }));
}
