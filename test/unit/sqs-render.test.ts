import { readFileSync } from 'node:fs';
import Ajv2020 from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';
import { describe, expect, it } from 'vitest';
import { parseAnswer } from '../../channels/sqs/answer.js';
import { queueUrlProblem, sqsSettings } from '../../channels/sqs/config.js';
import { MAX_MESSAGE_BYTES, messageBytes, renderOutcome, renderRequest } from '../../channels/sqs/render.js';
import { outcomeOf, type Request } from '../../src/domain/types.js';
import { makeRequest } from '../helpers/fixtures.js';

const ajv = new Ajv2020.default({ allErrors: true, strict: true, allowUnionTypes: true });
addFormats.default(ajv);
const schema = (name: string) => ajv.compile(JSON.parse(readFileSync(new URL(`../../manifests/sqs/${name}.schema.json`, import.meta.url), 'utf8')) as object);
const requestSchema = schema('request.v1');
const responseSchema = schema('response.v1');
const outcomeSchema = schema('outcome.v1');

const reply = { queueUrl: 'https://sqs.eu-west-1.amazonaws.com/123456789012/switchboard-answers', token: 'req_x.0.secret' };
const at = '2024-03-01T14:02:00.000Z';
const resolved = (r: Request): Request => ({
  ...r,
  state: 'resolved',
  closed_at: at,
  response: { value: 'approve', comment: 'ok', fields: {}, responder: { channel: 'sqs', id: 'console-7', name: 'Ana' }, responded_at: at },
});

describe('renderRequest', () => {
  const form = makeRequest({
    type: 'form',
    options: [],
    fields: [
      { name: 'reason', label: 'Reason', type: 'textarea', required: true },
      { name: 'env', label: 'Environment', type: 'select', options: [{ value: 'prod', label: 'Production' }] },
    ],
    workflow_id: 'deploy-42',
    body: 'Changes: **payments**',
    context: { service: 'payments' },
    expires_at: '2024-03-02T09:00:00.000Z',
    recipients: [{ channel: 'sqs', to: 'https://sqs.eu-west-1.amazonaws.com/123456789012/console' }],
    callback_url: 'https://example.com/cb',
  });

  it.each([makeRequest(), form])('matches request.v1 and carries the reply queue and token (%#)', (r) => {
    const body = JSON.parse(renderRequest(r, reply).body) as { request: Record<string, unknown>; reply: unknown };
    expect(requestSchema(body), JSON.stringify(requestSchema.errors)).toBe(true);
    expect(body.reply).toEqual({ queue_url: reply.queueUrl, token: reply.token });
    expect(body.request.id).toBe(r.id);
  });

  it('leaves out what is the hub’s business: recipients, deliveries, callback, approvers', () => {
    const { request } = JSON.parse(renderRequest(form, reply).body) as { request: Record<string, unknown> };
    for (const key of ['recipients', 'deliveries', 'callback', 'callback_url', 'approvers', 'votes', 'response']) expect(request).not.toHaveProperty(key);
  });

  it('routes on message attributes: message type, request type, request id, workflow id', () => {
    const { attributes } = renderRequest(form, reply);
    expect(attributes).toEqual({
      'switchboard.message_type': { DataType: 'String', StringValue: 'switchboard.request.v1' },
      'switchboard.request_type': { DataType: 'String', StringValue: 'form' },
      'switchboard.request_id': { DataType: 'String', StringValue: form.id },
      'switchboard.workflow_id': { DataType: 'String', StringValue: 'deploy-42' },
    });
    expect(renderRequest(makeRequest(), reply).attributes).not.toHaveProperty('switchboard.workflow_id');
  });

  it('counts the body and attributes in bytes, as SQS does', () => {
    const big = makeRequest({ body: 'é'.repeat(MAX_MESSAGE_BYTES / 2) });
    expect(messageBytes(renderRequest(big, reply))).toBeGreaterThan(MAX_MESSAGE_BYTES);
    expect(messageBytes(renderRequest(makeRequest(), reply))).toBeLessThan(2000);
  });
});

describe('renderOutcome', () => {
  it.each([
    ['resolved', resolved(makeRequest())],
    ['expired without a fallback', { ...makeRequest(), state: 'expired' as const, closed_at: at }],
    ['cancelled', { ...makeRequest(), state: 'cancelled' as const, closed_at: at }],
  ])('matches outcome.v1 when %s', (_, r) => {
    const body = JSON.parse(renderOutcome(r, outcomeOf(r)!).body) as Record<string, unknown>;
    expect(outcomeSchema(body), JSON.stringify(outcomeSchema.errors)).toBe(true);
    expect(body).toMatchObject({ type: 'switchboard.outcome.v1', request_id: r.id, state: r.state });
  });
});

describe('response.v1', () => {
  const answer = { type: 'switchboard.response.v1', request_id: 'req_1', token: 't', value: 'approve', comment: 'fine', responder: { id: 'console-7', name: 'Ana' } };

  it('the schema and the parser agree on answers', () => {
    const form = { ...answer, value: undefined, fields: { reason: 'hotfix', count: 2, ok: true } };
    for (const a of [answer, form, { ...answer, value: null }]) {
      expect(responseSchema(a), JSON.stringify(responseSchema.errors)).toBe(true);
      expect(parseAnswer(JSON.stringify(a))).toBeDefined();
    }
  });

  it.each([
    ['not JSON', '{"type":'],
    ['another type', JSON.stringify({ ...answer, type: 'switchboard.request.v1' })],
    ['no token', JSON.stringify({ ...answer, token: undefined })],
    ['no responder id', JSON.stringify({ ...answer, responder: { name: 'Ana' } })],
    ['a field that is an object', JSON.stringify({ ...answer, fields: { a: { b: 1 } } })],
  ])('rejects %s (schema and parser alike)', (_, body) => {
    expect(parseAnswer(body)).toBeUndefined();
    let json: unknown;
    try {
      json = JSON.parse(body);
    } catch {
      return;
    }
    expect(responseSchema(json)).toBe(false);
  });
});

describe('settings and recipients', () => {
  it('is on with SQS_RESPONSE_QUEUE_URL; the region comes from AWS_REGION, else the queue URL', () => {
    expect(sqsSettings.safeParse({}).success).toBe(false);
    expect(sqsSettings.parse({ SQS_RESPONSE_QUEUE_URL: reply.queueUrl })).toEqual({ responseQueueUrl: reply.queueUrl, region: 'eu-west-1', endpoint: undefined });
    expect(sqsSettings.parse({ SQS_RESPONSE_QUEUE_URL: reply.queueUrl, AWS_REGION: 'us-east-2', AWS_ENDPOINT_URL_SQS: 'http://127.0.0.1:4566/' })).toEqual({
      responseQueueUrl: reply.queueUrl,
      region: 'us-east-2',
      endpoint: 'http://127.0.0.1:4566',
    });
  });

  it('takes AWS queue URLs, and queues on the configured endpoint', () => {
    expect(queueUrlProblem('https://sqs.us-east-1.amazonaws.com/123456789012/approvals', undefined)).toBeUndefined();
    expect(queueUrlProblem('https://sqs.us-east-1.amazonaws.com/123456789012/approvals.fifo', undefined)).toBeUndefined();
    expect(queueUrlProblem('http://127.0.0.1:4566/000000000000/approvals', 'http://127.0.0.1:4566')).toBeUndefined();
    for (const bad of [undefined, 'approvals', 'https://evil.example.com/123456789012/approvals', 'http://127.0.0.1:4566/000000000000/approvals', 'https://sqs.us-east-1.amazonaws.com/approvals']) {
      expect(queueUrlProblem(bad, undefined)).toMatch(/sqs/);
    }
  });
});
