// The SQS channel against the fake SQS server (test/fakes/sqs.ts), through the real @aws-sdk/client-sqs,
// with an in-memory hub and real Redis for the duplicate guard.
import { readFileSync } from 'node:fs';
import Ajv2020 from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';
import pino from 'pino';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ChannelError, type ChannelPlugin } from '../../channels/channel.js';
import { sqs, SqsChannel } from '../../channels/sqs/index.js';
import type { SqsSettings } from '../../channels/sqs/config.js';
import { outcomeOf, type Request } from '../../src/domain/types.js';
import { startPlugin, type StartedChannel } from '../channels/start.js';
import { FakeSqs } from '../fakes/sqs.js';
import { MemoryHub } from '../fakes/memory-hub.js';
import { makeRequest } from '../helpers/fixtures.js';
import { waitFor } from '../helpers/services.js';

const SECRET_KEY = 'fake-secret-access-key-must-never-be-logged';
const logLines: string[] = [];
const log = pino({ level: 'debug' }, { write: (line: string) => void logLines.push(line) });
const hub = new MemoryHub({ publicUrl: 'https://hub.example.com' });
const ajv = new Ajv2020.default({ allErrors: true, strict: true, allowUnionTypes: true });
addFormats.default(ajv);
const requestSchema = ajv.compile(JSON.parse(readFileSync(new URL('../../manifests/sqs/request.v1.schema.json', import.meta.url), 'utf8')) as object);
const outcomeSchema = ajv.compile(JSON.parse(readFileSync(new URL('../../manifests/sqs/outcome.v1.schema.json', import.meta.url), 'utf8')) as object);

/** The plug-in with a test's timing: short long-polls, visibility held for 2 s and renewed every 400 ms. */
const fastSqs: ChannelPlugin<SqsSettings> = {
  ...sqs,
  create: (settings, l) => new SqsChannel(settings, l, { timing: { waitSeconds: 2, holdSeconds: 2, extendEveryMs: 400 } }),
};

let fake: FakeSqs;
let started: StartedChannel;
let channel: SqsChannel;
let env: Record<string, string>;
let responses: string;
let deadLetters: string;
let console_: string;
const savedEnv = { ...process.env };

beforeAll(async () => {
  fake = new FakeSqs();
  await fake.start();
  process.env.AWS_ACCESS_KEY_ID = 'AKIAFAKEFAKEFAKE';
  process.env.AWS_SECRET_ACCESS_KEY = SECRET_KEY;
  deadLetters = fake.createQueue('answers-dlq');
  responses = fake.createQueue('answers', { VisibilityTimeout: '1', RedrivePolicy: JSON.stringify({ deadLetterTargetArn: fake.arnOf(deadLetters), maxReceiveCount: 3 }) });
  console_ = fake.createQueue('console');
  env = { SQS_RESPONSE_QUEUE_URL: responses, AWS_REGION: 'us-east-1', AWS_ENDPOINT_URL_SQS: fake.url };
  started = await startPlugin(fastSqs, { env, hub, log });
  channel = started.channel as SqsChannel;
});

afterAll(async () => {
  await started?.stop();
  await fake?.stop();
  process.env = savedEnv;
});

afterEach(() => {
  hub.respondDelayMs = 0;
  const leaked = logLines.filter((l) => l.includes(SECRET_KEY) || /\.\d{1,3}\.[A-Za-z0-9_-]{32}/.test(l));
  expect(leaked).toEqual([]);
});

interface RequestMessage {
  request: { id: string };
  reply: { queue_url: string; token: string };
}

async function delivered(over: Partial<Request> = {}, to = console_) {
  const req = hub.add(makeRequest({ recipients: [{ channel: 'sqs', to }], created_at: new Date().toISOString(), ...over }));
  const before = fake.messagesIn(to).length;
  const ref = await channel.deliver(req, to, 0, { id: `dlv_${req.id}`, attempt: 0 });
  hub.delivered(req.id, to, ref, 'sqs');
  const sent = fake.messagesIn(to)[before]!;
  return { req, ref, sent, body: JSON.parse(sent.body) as RequestMessage };
}

const answer = (m: RequestMessage, over: Record<string, unknown> = {}) =>
  JSON.stringify({ type: 'switchboard.response.v1', request_id: m.request.id, token: m.reply.token, value: 'approve', responder: { id: 'console-7', name: 'Ana' }, ...over });
const current = (id: string) => hub.requests.get(id)!;
const unhandled = () => fake.messagesIn(responses).length;

describe('deliver', () => {
  it('sends the documented request.v1 body with routing attributes and a reply token', async () => {
    const { req, ref, sent, body } = await delivered({ workflow_id: 'deploy-42', type: 'approval' });
    expect(requestSchema(body), JSON.stringify(requestSchema.errors)).toBe(true);
    expect(body.reply.queue_url).toBe(responses);
    expect(hub.tokens.verify(body.reply.token)).toEqual({ requestId: req.id, recipient: 0 });
    expect(sent.attributes['switchboard.workflow_id']).toEqual({ DataType: 'String', StringValue: 'deploy-42' });
    expect(sent.attributes['switchboard.request_type']).toEqual({ DataType: 'String', StringValue: 'approval' });
    expect(ref).toEqual({ queue_url: console_, message_id: sent.messageId });
  });

  it('groups a FIFO queue by workflow (else request) and deduplicates on the delivery id', async () => {
    const fifo = fake.createQueue('console.fifo', { FifoQueue: 'true' });
    const req = hub.add(makeRequest({ recipients: [{ channel: 'sqs', to: fifo }], workflow_id: 'wf-1' }));
    await channel.deliver(req, fifo, 0, { id: 'dlv_same', attempt: 0 });
    await channel.deliver(req, fifo, 0, { id: 'dlv_same', attempt: 1 });
    expect(fake.messagesIn(fifo)).toHaveLength(1);
    expect(fake.messagesIn(fifo)[0]).toMatchObject({ groupId: 'wf-1', dedupId: 'dlv_same' });
    const alone = hub.add(makeRequest({ recipients: [{ channel: 'sqs', to: fifo }] }));
    await channel.deliver(alone, fifo, 0, { id: 'dlv_other', attempt: 0 });
    expect(fake.messagesIn(fifo)[1]).toMatchObject({ groupId: alone.id });
  });

  it('fails a body over 256 KiB permanently, naming its size', async () => {
    const req = hub.add(makeRequest({ recipients: [{ channel: 'sqs', to: console_ }], body: 'x'.repeat(300 * 1024) }));
    const err = await channel.deliver(req, console_, 0).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ChannelError);
    expect(err).toMatchObject({ kind: 'invalid', retryable: false });
    expect((err as Error).message).toMatch(/\d{6} bytes.*256 KiB/);
  });

  it('fails a missing queue as not_found, and refuses a `to` that is not a queue URL', async () => {
    const gone = `${fake.url}/000000000000/no-such-queue`;
    const req = hub.add(makeRequest({ recipients: [{ channel: 'sqs', to: gone }] }));
    await expect(channel.deliver(req, gone, 0)).rejects.toMatchObject({ kind: 'not_found' });
    expect(channel.validateRecipient('https://example.com/queue')).toMatch(/queue URL/);
    expect(channel.validateRecipient(undefined)).toMatch(/`to`/);
    expect(channel.validateRecipient(console_)).toBeUndefined();
  });
});

describe('answers from the response queue', () => {
  it('resolves the request as sqs:<responder id> and deletes the message', async () => {
    const { req, body } = await delivered();
    const deletes = fake.deletes(responses);
    fake.send(responses, answer(body, { comment: 'looks fine' }));
    await waitFor(() => current(req.id).state === 'resolved', 10_000, 'the answer');
    expect(current(req.id).response).toMatchObject({ value: 'approve', comment: 'looks fine', responder: { channel: 'sqs', id: 'console-7', name: 'Ana' } });
    await waitFor(() => fake.deletes(responses) === deletes + 1, 10_000, 'the delete');
    expect(unhandled()).toBe(0);
  });

  it('records one answer when the same message is received twice (the first DeleteMessage lost)', async () => {
    const { req, body } = await delivered();
    fake.failNext('DeleteMessage', 'ReceiptHandleIsInvalid');
    const id = fake.send(responses, answer(body));
    await waitFor(() => fake.messagesIn(responses).find((m) => m.messageId === id)?.receiveCount === 2 || unhandled() === 0, 10_000, 'a second receive');
    await waitFor(() => unhandled() === 0, 10_000, 'the delete');
    expect(hub.answersTo(req.id)).toHaveLength(1);
    expect(current(req.id).state).toBe('resolved');
  });

  it('refuses an answer whose token belongs to another request: deleted, logged and written to its events, nothing answered', async () => {
    const { req } = await delivered();
    const other = await delivered();
    const deletes = fake.deletes(responses);
    fake.send(responses, answer({ ...other.body, request: { id: req.id } }));
    await waitFor(() => fake.deletes(responses) === deletes + 1, 10_000, 'the delete');
    expect(hub.answersTo(req.id)).toEqual([]);
    expect(current(req.id).state).toBe('pending');
    expect(logLines.some((l) => l.includes('answer refused') && l.includes(req.id))).toBe(true);
    expect(hub.refusals.filter((r) => r.requestId === req.id)).toEqual([{ requestId: req.id, why: 'bad_token', data: { channel: 'sqs', message_id: expect.any(String) } }]);
  });

  it('passes a refused answer (not an option) to the hub, which records it, and deletes the message', async () => {
    const { req, body } = await delivered();
    const deletes = fake.deletes(responses);
    fake.send(responses, answer(body, { value: 'maybe' }));
    await waitFor(() => fake.deletes(responses) === deletes + 1, 10_000, 'the delete');
    expect(hub.answersTo(req.id)).toHaveLength(1);
    expect(current(req.id).state).toBe('pending');
  });

  it('leaves a garbage body alone until the redrive policy moves it to the dead-letter queue', async () => {
    const deletes = fake.deletes(responses);
    const id = fake.send(responses, 'not json at all');
    await waitFor(() => fake.messagesIn(deadLetters).some((m) => m.messageId === id), 15_000, 'the dead-letter queue');
    expect(fake.deletes(responses)).toBe(deletes);
    expect(logLines.some((l) => l.includes(id) && l.includes('dead-letter'))).toBe(true);
  });

  it('keeps a slow batch invisible to another process while the hub takes its time', async () => {
    const second = await startPlugin(fastSqs, { env, hub, log, prefix: started.prefix });
    try {
      const { req, body } = await delivered();
      hub.respondDelayMs = 2500;
      fake.send(responses, answer(body));
      await waitFor(() => current(req.id).state === 'resolved', 10_000, 'the answer');
      await waitFor(() => unhandled() === 0, 10_000, 'the delete');
      expect(fake.calls.filter((c) => c.op === 'ChangeMessageVisibility' && c.body.VisibilityTimeout === 2).length).toBeGreaterThan(0);
      // Had its visibility lapsed, the other process would have passed it to the hub a second time.
      expect(hub.answersTo(req.id)).toHaveLength(1);
    } finally {
      hub.respondDelayMs = 0;
      await second.stop();
    }
  });
});

describe('settle and check', () => {
  it('sends outcome.v1 to the recipient queue', async () => {
    const { req, ref } = await delivered();
    const { request, outcome } = hub.resolve(req.id, { responder: { channel: 'web', id: 'page' }, value: 'approve' });
    const before = fake.messagesIn(console_).length;
    await channel.settle(request, ref, outcome);
    const body = JSON.parse(fake.messagesIn(console_)[before]!.body) as Record<string, unknown>;
    expect(outcomeSchema(body), JSON.stringify(outcomeSchema.errors)).toBe(true);
    expect(body).toMatchObject({ type: 'switchboard.outcome.v1', request_id: req.id, state: 'resolved', response: { value: 'approve' } });
    expect(outcomeOf(request)?.state).toBe('resolved');
  });

  it('check reads the response queue’s attributes, and says why when it cannot', async () => {
    await expect(channel.check()).resolves.toMatchObject({ ok: true, detail: expect.stringMatching(/answers: .*has a dead-letter queue/) as unknown });
    fake.failNext('GetQueueAttributes', 'QueueDoesNotExist');
    const failed = await channel.check();
    expect(failed.ok).toBe(false);
    expect(failed.detail).toMatch(/QueueDoesNotExist/);
    expect(failed.detail).not.toContain(SECRET_KEY);
  });
});

describe('stop', () => {
  it('finishes the answer in hand and releases the rest of its batch', async () => {
    const three = await Promise.all([delivered(), delivered(), delivered()]);
    hub.respondDelayMs = 1000;
    for (const { body } of three) fake.send(responses, answer(body));
    await waitFor(() => fake.messagesIn(responses).filter((m) => m.inFlight).length === 3, 10_000, 'the batch');
    await channel.stop();
    const answered = three.filter(({ req }) => hub.answersTo(req.id).length > 0);
    expect(answered).toHaveLength(1);
    expect(fake.messagesIn(responses)).toHaveLength(2);
    expect(fake.messagesIn(responses).every((m) => !m.inFlight)).toBe(true);
  });
});
