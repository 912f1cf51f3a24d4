import { z } from 'zod';
import { answerBodySchema, createRequestSchema } from '../domain/request-schema.js';
import { humanLayerPaths } from './humanlayer/openapi.js';

const problem = { $ref: '#/components/schemas/Problem' };
const json = (schema: object) => ({ content: { 'application/json': { schema } } });
const problems = (...codes: number[]) =>
  Object.fromEntries(codes.map((c) => [String(c), { description: 'problem+json', content: { 'application/problem+json': { schema: problem } } }]));
const request = { $ref: '#/components/schemas/Request' };
const idParam = { name: 'id', in: 'path', required: true, schema: { type: 'string' } };

const auditLogPage = {
  type: 'object',
  required: ['data', 'next_cursor'],
  properties: {
    data: {
      type: 'array',
      items: {
        type: 'object',
        required: ['id', 'type', 'at', 'actor', 'data'],
        properties: {
          id: { type: 'string' }, type: { type: 'string', examples: ['request.created', 'delivery.failed', 'answer.refused', 'callback.attempt'] },
          at: { type: 'string', format: 'date-time' },
          actor: { type: ['string', 'null'], description: 'api:<key name>, a responder identity (slack:U0…), a channel name, or hub' },
          data: { type: 'object' },
        },
      },
    },
    next_cursor: { type: ['string', 'null'] },
  },
};

/** The /v1 contract (API.md) as OpenAPI 3.1; request bodies come straight from the zod schemas. */
export function openApiDocument(publicUrl: string) {
  return {
    openapi: '3.1.0',
    info: { title: 'Switchboard', version: '1', description: 'Human-in-the-loop requests for AI agents.' },
    servers: [{ url: publicUrl }],
    security: [{ bearer: [] }],
    components: {
      securitySchemes: { bearer: { type: 'http', scheme: 'bearer' } },
      schemas: {
        CreateRequest: z.toJSONSchema(createRequestSchema, { io: 'input', unrepresentable: 'any' }),
        Answer: z.toJSONSchema(answerBodySchema, { io: 'input', unrepresentable: 'any' }),
        Request: { type: 'object', description: 'The request object of API.md', required: ['id', 'state'] },
        Problem: {
          type: 'object',
          required: ['type', 'title', 'status', 'detail'],
          properties: {
            type: { type: 'string' }, title: { type: 'string' }, status: { type: 'integer' }, detail: { type: 'string' },
            errors: { type: 'array', items: { type: 'object', properties: { path: { type: 'string' }, message: { type: 'string' } } } },
          },
        },
      },
    },
    paths: {
      '/v1/requests': {
        post: {
          summary: 'Create a request',
          parameters: [{ name: 'Idempotency-Key', in: 'header', schema: { type: 'string' } }],
          requestBody: { required: true, ...json({ $ref: '#/components/schemas/CreateRequest' }) },
          responses: { '201': { description: 'created', ...json(request) }, '200': { description: 'idempotent replay', ...json(request) }, ...problems(400, 401, 409, 413, 422) },
        },
        get: {
          summary: 'List requests, newest first',
          parameters: ['state', 'workflow_id', 'limit', 'cursor'].map((name) => ({ name, in: 'query', schema: { type: 'string' } })),
          responses: { '200': { description: '{ data, next_cursor }' }, ...problems(401, 422) },
        },
      },
      '/v1/requests/{id}': {
        get: {
          summary: 'Get a request; ?wait=N long-polls up to N ≤ 60 seconds',
          parameters: [idParam, { name: 'wait', in: 'query', schema: { type: 'integer', minimum: 0, maximum: 60 } }],
          responses: { '200': { description: 'the request', ...json(request) }, ...problems(401, 404, 422) },
        },
      },
      '/v1/requests/{id}/events': {
        get: { summary: 'Server-Sent Events, one per state change', parameters: [idParam], responses: { '200': { description: 'text/event-stream' }, ...problems(401, 404) } },
      },
      '/v1/requests/{id}/log': {
        get: {
          summary: 'The audit trail, oldest first: every event with time and actor; cursor-paged like the list',
          parameters: [idParam, ...['limit', 'cursor'].map((name) => ({ name, in: 'query', schema: { type: 'string' } }))],
          responses: { '200': { description: 'the page', ...json(auditLogPage) }, ...problems(401, 403, 404, 422) },
        },
      },
      '/v1/requests/{id}/responses': {
        post: {
          summary: 'Answer through the API (channel api)',
          parameters: [idParam],
          requestBody: { required: true, ...json({ $ref: '#/components/schemas/Answer' }) },
          responses: { '200': { description: 'resolved or counted', ...json(request) }, ...problems(401, 403, 404, 409, 422) },
        },
      },
      '/v1/requests/{id}/cancel': {
        post: { summary: 'Cancel a pending request', parameters: [idParam], responses: { '200': { description: 'cancelled', ...json(request) }, ...problems(401, 404, 409) } },
      },
      '/v1/requests/{id}/callback/redeliver': {
        post: { summary: 'Queue the webhook again', parameters: [idParam], responses: { '200': { description: 'queued', ...json(request) }, ...problems(401, 404, 409) } },
      },
      ...humanLayerPaths({ json, problems }),
      '/mcp': {
        post: {
          summary: 'Model Context Protocol over streamable HTTP (stateless): the tools request_approval, ask_human and check_request; needs requests:write',
          requestBody: { required: true, ...json({ type: 'object', description: 'a JSON-RPC message' }) },
          responses: { '200': { description: 'text/event-stream, or JSON' }, '202': { description: 'notification accepted' }, ...problems(401, 403) },
        },
      },
    },
  };
}
