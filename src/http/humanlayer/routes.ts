import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { ConflictError, InvalidError, notFound } from '../../domain/errors.js';
import { apiResponder } from '../../domain/identity.js';
import { APPROVAL_OPTIONS } from '../../domain/request-schema.js';
import type { Request, RespondResult } from '../../domain/types.js';
import type { SwitchboardHub } from '../../hub.js';
import type { VerifiedKey } from '../../store/api-keys.js';
import type { Db } from '../../store/db.js';
import { findByIdempotencyKey } from '../../store/requests.js';
import { toRequest } from '../../store/rows.js';
import { answerRefusal } from '../answer-refusal.js';
import { apiKeyAuth, mayShareLinks, needs } from '../api-key-auth.js';
import type { PresentedRequest, PresentOptions } from '../present.js';
import { sendProblem } from '../problem.js';
import {
  callKey, callRecordOf, functionCallRequest, humanContactRequest, inHumanLayerTerms, toFunctionCall, toHumanContact,
  type CallKind, type PlannedRequest,
} from './mapping.js';
import { functionCallAnswerSchema, functionCallSchema, humanContactAnswerSchema, humanContactSchema, parseBody } from './spec.js';

export interface HumanLayerDeps {
  db: Db;
  hub: SwitchboardHub;
  verifyKey: (key: string) => Promise<VerifiedKey | undefined>;
  present: (r: Request, opts?: PresentOptions) => PresentedRequest;
}

type CallParams = { Params: { call_id: string } };
type Shape = (request: Request, call: NonNullable<ReturnType<typeof callRecordOf>>) => object;

const NAMES: Record<CallKind, string> = { function_call: 'Function call', human_contact: 'Contact request' };
const SHAPES: Record<CallKind, Shape> = { function_call: toFunctionCall, human_contact: toHumanContact };

/**
 * HumanLayer's agent API (the routes the `humanlayer` clients call) under /humanlayer/v1, on
 * Switchboard requests. The Bearer token is a Switchboard API key with the same scopes as /v1; a
 * call_id belongs to the key that created it, as it belongs to a project on HumanLayer's cloud.
 */
export async function registerHumanLayer(app: FastifyInstance, d: HumanLayerDeps): Promise<void> {
  /** HumanLayer's shape, plus Switchboard's view of it (clients ignore unknown fields). */
  const show = (req: FastifyRequest, kind: CallKind, request: Request) => {
    const links = d.present(request, { links: mayShareLinks(req) }).links;
    const web = 'web' in links ? { web_url: links.web } : {};
    return { ...SHAPES[kind](request, callRecordOf(request, kind)!), switchboard: { request_id: request.id, state: request.state, ...web } };
  };

  const create = async (req: FastifyRequest, reply: FastifyReply, kind: CallKind, callId: string, planned: PlannedRequest) => {
    try {
      const { request, replay } = await d.hub.create(planned.body, req.apiKey!.id, callKey(kind, callId));
      return reply.code(replay ? 200 : 201).send(show(req, kind, request));
    } catch (err) {
      if (err instanceof InvalidError) throw inHumanLayerTerms(err, planned.origins);
      if (err instanceof ConflictError) throw new ConflictError(`The call_id ${callId} is already used by another call with a different spec, or is being created right now.`);
      throw err;
    }
  };

  const load = async (req: FastifyRequest<CallParams>, kind: CallKind) => {
    const row = await findByIdempotencyKey(d.db, req.apiKey!.id, callKey(kind, req.params.call_id));
    const request = row && toRequest(row);
    if (!request || !callRecordOf(request, kind)) throw notFound(`${NAMES[kind]} ${req.params.call_id}`);
    return request;
  };

  const answered = (req: FastifyRequest, reply: FastifyReply, kind: CallKind, result: RespondResult) => {
    const refused = answerRefusal(result);
    if (refused) return sendProblem(reply, refused.status, refused.detail, refused.errors ? { errors: refused.errors } : {});
    return reply.code(200).send(show(req, kind, result.request));
  };

  await app.register((hl, _opts, done) => {
    hl.addHook('onRequest', apiKeyAuth(d.verifyKey));

    hl.post('/function_calls', needs('requests:write'), async (req, reply) => {
      const call = parseBody(functionCallSchema, req.body);
      return create(req, reply, 'function_call', call.call_id, functionCallRequest(call));
    });

    hl.get<CallParams>('/function_calls/:call_id', needs('requests:read'), async (req) => show(req, 'function_call', await load(req, 'function_call')));

    hl.post<CallParams>('/agent/function_calls/:call_id/respond', needs('responses:write'), async (req, reply) => {
      const request = await load(req, 'function_call');
      const { approved, comment } = parseBody(functionCallAnswerSchema, req.body);
      const value = APPROVAL_OPTIONS[approved ? 0 : 1]!.value;
      const answer = { requestId: request.id, value, comment: comment ?? undefined, responder: apiResponder(req.apiKey!.name) };
      return answered(req, reply, 'function_call', await d.hub.respond(answer, request));
    });

    hl.post('/contact_requests', needs('requests:write'), async (req, reply) => {
      const contact = parseBody(humanContactSchema, req.body);
      return create(req, reply, 'human_contact', contact.call_id, humanContactRequest(contact));
    });

    hl.get<CallParams>('/contact_requests/:call_id', needs('requests:read'), async (req) => show(req, 'human_contact', await load(req, 'human_contact')));

    hl.post<CallParams>('/agent/human_contacts/:call_id/respond', needs('responses:write'), async (req, reply) => {
      const request = await load(req, 'human_contact');
      const { response } = parseBody(humanContactAnswerSchema, req.body);
      const answer = { requestId: request.id, value: response, responder: apiResponder(req.apiKey!.name) };
      return answered(req, reply, 'human_contact', await d.hub.respond(answer, request));
    });
    done();
  }, { prefix: '/humanlayer/v1' });
}
