// SQS end to end through the real core: API → Postgres → deliver job → SendMessage to the fake SQS
// (test/fakes/sqs.ts); answers put on the response queue through the real SDK, as a console would, are
// long-polled by the hub, recorded, and only then deleted; settle jobs send the outcome to every queue.
import { readFileSync } from 'node:fs';
import { SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import Ajv2020 from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FakeSqs } from '../fakes/sqs.js';
import { startTestHub, type TestHub } from '../helpers/harness.js';
import { waitFor } from '../helpers/services.js';

const CREDENTIALS = { accessKeyId: 'AKIAFAKESQSHUBTEST01', secretAccessKey: 'sqs-hub-test-secret-never-logged' };
const ajv = new Ajv2020.default({ allErrors: true, strict: false });
addFormats.default(ajv);
const schema = (name: string) => ajv.compile(JSON.parse(readFileSync(new URL(`../../manifests/sqs/${name}.schema.json`, import.meta.url), 'utf8')) as object);
const requestSchema = schema('request.v1');
const outcomeSchema = schema('outcome.v1');
const responseSchema = schema('response.v1');

const fake = new FakeSqs();
const logLines: string[] = [];
let t: TestHub;
let console_: SQSClient;
let responseQueue: string;
let deadLetters: string;
let inbox: string;

beforeAll(async () => {
  await fake.start();
  deadLetters = fake.createQueue('answers-dlq');
  responseQueue = fake.createQueue('answers', { VisibilityTimeout: '2', RedrivePolicy: JSON.stringify({ deadLetterTargetArn: fake.arnOf(deadLetters), maxReceiveCount: 3 }) });
  inbox = fake.createQueue('approvals');
  // The SDK's default credentials chain reads the process environment, as in a deployment.
  process.env.AWS_ACCESS_KEY_ID = CREDENTIALS.accessKeyId;
  process.env.AWS_SECRET_ACCESS_KEY = CREDENTIALS.secretAccessKey;
  t = await startTestHub({
    env: {
      SQS_RESPONSE_QUEUE_URL: responseQueue,
      AWS_ENDPOINT_URL_SQS: fake.url,
      AWS_REGION: 'us-east-1',
      AWS_ACCESS_KEY_ID: CREDENTIALS.accessKeyId,
      AWS_SECRET_ACCESS_KEY: CREDENTIALS.secretAccessKey,
    },
    logLines,
  });
  console_ = new SQSClient({ endpoint: fake.url, region: 'us-east-1', credentials: CREDENTIALS });
}, 30_000);

afterAll(async () => {
  console_?.destroy();
  await t?.stop();
  await fake.stop();
});

interface Delivered {
  type: string;
  request: { id: string; options: { value: string }[] };
  reply: { queue_url: string; token: string };
}

async function create(extra: Record<string, unknown> = {}) {
  const res = await t.api('POST', '/v1/requests', { title: 'Deploy v2.3 to production?', body: 'Adds **retries**.', recipients: [{ channel: 'sqs', to: inbox }], ...extra });
  expect(res.status).toBe(201);
  return res.body as { id: string };
}
const get = async (id: string) => (await t.api('GET', `/v1/requests/${id}`)).body;
const bodiesIn = (url: string) => fake.messagesIn(url).map((m) => ({ message: m, json: JSON.parse(m.body) as Record<string, unknown> }));
/** The switchboard.request.v1 message the deliver job sent for request `id`. */
const deliveredOf = (id: string) =>
  waitFor(() => bodiesIn(inbox).find((b) => b.json.type === 'switchboard.request.v1' && (b.json as unknown as Delivered).request.id === id), 10_000, `the SQS message of ${id}`);
const outcomeOf = (id: string, queue = inbox) => waitFor(() => bodiesIn(queue).find((b) => b.json.type === 'switchboard.outcome.v1' && b.json.request_id === id), 10_000, `the outcome of ${id}`);
const answer = (d: Delivered, over: Record<string, unknown> = {}) =>
  JSON.stringify({ type: 'switchboard.response.v1', request_id: d.request.id, token: d.reply.token, value: 'approve', responder: { id: 'console-7', name: 'Approval console' }, ...over });
const send = async (body: string) => (await console_.send(new SendMessageCommand({ QueueUrl: responseQueue, MessageBody: body }))).MessageId!;
const eventsOf = async (id: string) => (await t.sql<{ type: string; data: Record<string, unknown> }[]>`select type, data from events where request_id = ${id} order by id`).map((e) => ({ ...e }));
const gone = (messageId: string) => waitFor(() => fake.messagesIn(responseQueue).every((m) => m.messageId !== messageId), 15_000, `message ${messageId} deleted`);

describe('SQS through the real hub', () => {
  it('refuses a recipient that is not a queue URL at create', async () => {
    const res = await t.api('POST', '/v1/requests', { title: 'x', recipients: [{ channel: 'sqs', to: 'approvals' }] });
    expect(res.status).toBe(422);
  });

  it('delivers a body that validates against the published schema, with routing attributes', async () => {
    const { id } = await create({ workflow_id: 'wf-deploy' });
    const { message, json } = await deliveredOf(id);
    expect(requestSchema(json), JSON.stringify(requestSchema.errors)).toBe(true);
    expect(json).toMatchObject({ type: 'switchboard.request.v1', request: { id }, reply: { queue_url: responseQueue, token: expect.any(String) } });
    expect(JSON.stringify(message.attributes)).toContain('wf-deploy');
    expect(responseSchema(JSON.parse(answer(json as unknown as Delivered)))).toBe(true);
  });

  it('an answer from the queue resolves the request, is deleted, and every queue gets the outcome', async () => {
    const { id } = await create();
    const d = (await deliveredOf(id)).json as unknown as Delivered;
    const messageId = await send(answer(d));
    await waitFor(async () => (await get(id)).state === 'resolved', 15_000, 'resolved');
    expect((await get(id)).response).toMatchObject({ value: 'approve', responder: { channel: 'sqs', id: 'console-7', name: 'Approval console' } });
    await gone(messageId);
    const outcome = await outcomeOf(id);
    expect(outcomeSchema(outcome.json), JSON.stringify(outcomeSchema.errors)).toBe(true);
    expect(outcome.json).toMatchObject({ request_id: id, state: 'resolved', response: { value: 'approve' } });
  });

  it('the same message received twice records one answer', async () => {
    const { id } = await create();
    const d = (await deliveredOf(id)).json as unknown as Delivered;
    const messageId = await send(answer(d));
    fake.redeliver(responseQueue, messageId);
    await gone(messageId);
    expect((await get(id)).response).toMatchObject({ responder: { channel: 'sqs', id: 'console-7' } });
    expect((await eventsOf(id)).filter((e) => e.type === 'request.resolved')).toHaveLength(1);
  });

  it('a wrong token is refused, deleted, and written to the request events', async () => {
    const { id } = await create();
    const d = (await deliveredOf(id)).json as unknown as Delivered;
    const messageId = await send(answer(d, { token: d.reply.token.slice(0, -2) + (d.reply.token.endsWith('AA') ? 'BB' : 'AA') }));
    await gone(messageId);
    expect((await get(id)).state).toBe('pending');
    await waitFor(async () => (await eventsOf(id)).find((e) => e.type === 'answer.refused'), 5000, 'the answer.refused event');
  });

  it('a garbage body is never deleted: it is in the dead-letter queue after maxReceiveCount receives', async () => {
    const before = fake.deletes(responseQueue);
    const messageId = await send('{"type":"not-an-answer"');
    const dead = await waitFor(() => fake.messagesIn(deadLetters).find((m) => m.messageId === messageId), 20_000, 'the garbage in the DLQ');
    expect(dead.receiveCount).toBe(3);
    expect(fake.deletes(responseQueue)).toBe(before);
  }, 30_000);

  it('a consumer that dies before DeleteMessage: the message reappears after the visibility timeout and is handled once', async () => {
    const { id } = await create();
    const d = (await deliveredOf(id)).json as unknown as Delivered;
    const deletesBefore = fake.calls.filter((c) => c.op === 'DeleteMessage').length;
    // The answer is recorded, then its DeleteMessage never lands: as if the process died just before it.
    fake.failNext('DeleteMessage', 'InternalError');
    const messageId = await send(answer(d));
    await gone(messageId);
    const deletes = fake.calls.filter((c) => c.op === 'DeleteMessage').slice(deletesBefore);
    expect(deletes.map((c) => c.status)).toEqual([400, 200]);
    expect((await get(id)).state).toBe('resolved');
    expect((await eventsOf(id)).filter((e) => e.type === 'request.resolved')).toHaveLength(1);
  }, 20_000);

  it('an SQS answer racing a web-page answer: one winner, every queue gets the outcome', async () => {
    const second = fake.createQueue('approvals-oncall');
    const res = await t.api('POST', '/v1/requests', { title: 'Roll back?', recipients: [{ channel: 'sqs', to: inbox }, { channel: 'sqs', to: second }] });
    expect(res.status).toBe(201);
    const { id } = res.body as { id: string };
    const web: string = res.body.links.web;
    const formToken = /name="form_token" value="([^"]+)"/.exec(await (await fetch(web)).text())![1]!;
    const d = (await deliveredOf(id)).json as unknown as Delivered;
    const webAnswer = fetch(web, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: `form_token=${encodeURIComponent(formToken)}&value=approve` });
    const [, page] = await Promise.all([send(answer(d, { value: 'reject' })), webAnswer]);
    expect([200, 409]).toContain(page.status); // the page's answer: decided, or already decided
    await waitFor(async () => (await get(id)).state === 'resolved', 15_000, 'resolved');
    const final = await get(id);
    expect(['sqs', 'web']).toContain(final.response.responder.channel);
    expect((await eventsOf(id)).filter((e) => e.type === 'request.resolved')).toHaveLength(1);
    for (const queue of [inbox, second]) expect((await outcomeOf(id, queue)).json).toMatchObject({ state: 'resolved', response: { value: final.response.value } });
    await waitFor(() => fake.messagesIn(responseQueue).every((m) => !m.body.includes(id)), 15_000, 'the SQS answer deleted, won or closed');
  });

  it('/readyz checks the response queue with GetQueueAttributes; no secret is ever logged', async () => {
    const res = await fetch(`${t.baseUrl}/readyz`);
    expect(JSON.stringify(await res.json())).toMatch(/answers/);
    expect(fake.calls.some((c) => c.op === 'GetQueueAttributes' && c.body.QueueUrl === responseQueue)).toBe(true);
    expect(logLines.join('\n')).not.toContain(CREDENTIALS.secretAccessKey);
  });
});
