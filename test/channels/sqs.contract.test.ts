// The SQS channel under the contract: the real channel and @aws-sdk/client-sqs against the fake SQS
// (test/fakes/sqs.ts). A "person" here is a system on the other side of the queues — a console that reads
// switchboard.request.v1 messages from the recipient queue, shows them, and answers with
// switchboard.response.v1 on the response queue through the SDK, quoting the delivery's reply token.
//
// SQS has no signatures: the proof of an answer is the per-delivery reply token, so a forged answer is a
// tampered token or one from another hub's secret; the channel refuses it and deletes the message. SQS
// has no way back to the sender either: what a "person" is told is what the hub answered the channel for
// their message (won, closed, forbidden…), in the shared wording — what the channel logs and a console
// would learn from the outcome message.
import { SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import pino from 'pino';
import { describe, expect, it } from 'vitest';
import { sqs } from '../../channels/sqs/index.js';
import { answerReplyText, outcomeSentence, type TextStyle } from '../../src/domain/outcome-text.js';
import { createTokens } from '../../src/tokens.js';
import { type MessageRef, type Outcome, outcomeOf, type Request, type RespondResult, type Responder } from '../../src/domain/types.js';
import { MemoryHub } from '../fakes/memory-hub.js';
import { FakeSqs, type FakeSqsMessage } from '../fakes/sqs.js';
import { makeRequest } from '../helpers/fixtures.js';
import { waitFor } from '../helpers/services.js';
import { type ChannelUnderTest, describeChannelContract, type Persona, type Reply, type Shown } from './contract.js';
import { startPlugin } from './start.js';

const VISIBLE: TextStyle = { escape: (t) => t, strong: (t) => t };
const NAMES: Record<Persona, string> = { ana: 'Ana Lima', ben: 'Ben Okafor', eve: 'Eve Marsh' };
const CREDENTIALS = { accessKeyId: 'AKIAFAKESQSTEST00001', secretAccessKey: 'fake-sqs-secret-key-never-logged' };

interface RequestBody {
  type: 'switchboard.request.v1';
  request: Request;
  reply: { queue_url: string; token: string };
}
interface OutcomeBody {
  type: 'switchboard.outcome.v1';
  request_id: string;
  state: Outcome['state'];
  response: Outcome['response'];
}

const parse = (m: FakeSqsMessage) => JSON.parse(m.body) as RequestBody | OutcomeBody;

/** What a console shows for a delivered request: the request as it was sent, closed by the last outcome message for it. */
function show(messages: FakeSqsMessage[], ref: MessageRef): Shown {
  const sent = messages.find((m) => m.messageId === ref.message_id);
  if (!sent) throw new Error(`no SQS message ${String(ref.message_id)}`);
  const { request } = parse(sent) as RequestBody;
  const outcome = messages
    .map(parse)
    .filter((b): b is OutcomeBody => b.type === 'switchboard.outcome.v1' && b.request_id === request.id)
    .pop();
  const lines = [request.title, request.body ?? '', ...Object.entries(request.context).map(([k, v]) => `${k} ${String(v)}`), ...request.options.map((o) => o.label)];
  if (outcome) {
    const closed = { ...request, state: outcome.state, response: outcome.response } as Request;
    lines.push(outcomeSentence(closed, VISIBLE));
  }
  return { text: lines.join('\n'), actions: !outcome, options: request.options.map((o) => o.label), sizes: {} };
}

interface Started extends ChannelUnderTest {
  fake: FakeSqs;
  responseQueue: string;
  recipientQueue: string;
}

async function start(): Promise<Started> {
  const fake = new FakeSqs();
  await fake.start();
  const dlq = fake.createQueue('switchboard-answers-dlq');
  const responseQueue = fake.createQueue('switchboard-answers', { VisibilityTimeout: '5', RedrivePolicy: JSON.stringify({ deadLetterTargetArn: fake.arnOf(dlq), maxReceiveCount: 3 }) });
  const recipientQueue = fake.createQueue('approvals-console');
  // The SDK's default credentials chain reads these.
  process.env.AWS_ACCESS_KEY_ID = CREDENTIALS.accessKeyId;
  process.env.AWS_SECRET_ACCESS_KEY = CREDENTIALS.secretAccessKey;

  const hub = new MemoryHub();
  const logLines: string[] = [];
  const log = pino({ level: 'debug' }, { write: (line: string) => void logLines.push(line) });
  const env = { SQS_RESPONSE_QUEUE_URL: responseQueue, AWS_ENDPOINT_URL_SQS: fake.url, AWS_REGION: 'us-east-1' };
  const started = await startPlugin(sqs, { env, hub, log });
  // What the hub answered the channel, per message the console sent (SQS has no reply to the sender).
  const results: { persona: Persona; result: RespondResult }[] = [];
  const respond = hub.respond.bind(hub);
  hub.respond = async (answer) => {
    const result = await respond(answer);
    if (answer.responder.channel === 'sqs') results.push({ persona: answer.responder.id as Persona, result });
    // The channel sends no outcome for the answer it took: the hub's settle job does, for every
    // delivery (test/integration/sqs-hub.test.ts shows it through the real hub). MemoryHub has no
    // jobs, so the adapter runs that follow-up here.
    const outcome = outcomeOf(result.request);
    if (result.status === 'won' && outcome) for (const d of result.request.deliveries) if (d.channel === 'sqs' && d.ref) await started.channel.settle(result.request, d.ref, outcome);
    return result;
  };
  const consoleClient = new SQSClient({ endpoint: fake.url, region: 'us-east-1', credentials: CREDENTIALS });
  /** Every reply token the channel put in a request message so far. */
  const tokensIssued = () =>
    fake
      .messagesIn(recipientQueue)
      .map(parse)
      .flatMap((b) => (b.type === 'switchboard.request.v1' ? [b.reply.token] : []));

  const delivered = (ref: MessageRef): RequestBody => {
    const m = fake.messagesIn(recipientQueue).find((x) => x.messageId === ref.message_id);
    if (!m) throw new Error(`no SQS message ${String(ref.message_id)}`);
    return parse(m) as RequestBody;
  };
  const answerBody = (request: Request, token: string, persona: Persona, reply: Reply) =>
    JSON.stringify({
      type: 'switchboard.response.v1',
      request_id: request.id,
      token,
      value: 'option' in reply ? request.options[reply.option]!.value : reply.text,
      responder: { id: persona, name: NAMES[persona] },
    });
  const sendAnswer = async (queueUrl: string, body: string) => (await consoleClient.send(new SendMessageCommand({ QueueUrl: queueUrl, MessageBody: body }))).MessageId!;
  /** The channel has finished with every message on the response queue (deleted it, or left it for the DLQ). */
  const drained = (what: string) => waitFor(() => fake.messagesIn(responseQueue).every((m) => m.receiveCount > 0 && !m.inFlight) || fake.messagesIn(responseQueue).length === 0, 10_000, what);

  return {
    fake,
    responseQueue,
    recipientQueue,
    hub,
    channel: started.channel,
    logLines,
    identity: (persona): Responder => ({ channel: 'sqs', id: persona, name: NAMES[persona] }),
    request: (over) => makeRequest({ recipients: [{ channel: 'sqs', to: recipientQueue }], created_at: new Date().toISOString(), ...over }),
    async deliver(request) {
      const ref = await started.channel.deliver(request, recipientQueue, 0);
      hub.delivered(request.id, recipientQueue, ref, 'sqs');
      return ref;
    },
    show: (ref) => Promise.resolve(show(fake.messagesIn(recipientQueue), ref)),
    async answer(ref, request, persona, reply) {
      const { reply: to } = delivered(ref);
      await sendAnswer(to.queue_url, answerBody(request, to.token, persona, reply));
    },
    async answerForged(ref, request, persona, reply, how) {
      const { reply: to } = delivered(ref);
      const token =
        how === 'tampered'
          ? to.token.slice(0, -2) + (to.token.endsWith('AA') ? 'BB' : 'AA')
          : createTokens('another hub secret, not this one: 0123456789abcdef0123456789abcdef').issue(request.id, 0);
      const before = fake.deletes(responseQueue);
      await sendAnswer(to.queue_url, answerBody(request, token, persona, reply));
      await waitFor(() => fake.deletes(responseQueue) > before, 10_000, 'the forged answer deleted');
      // SQS carries no reply: the channel's answer is what it did with the message — refused (no answer
      // recorded) and deleted. Reported as the 403 an HTTP channel would have given.
      const recorded = hub.answersTo(request.id).length > 0;
      return { status: recorded ? 200 : 403, text: logLines.filter((l) => l.includes(request.id)).join('\n') };
    },
    async answerTwice(ref, request, persona, reply) {
      // SQS delivers at least once: the same message (one MessageId) is received twice.
      const { reply: to } = delivered(ref);
      const messageId = await sendAnswer(to.queue_url, answerBody(request, to.token, persona, reply));
      fake.redeliver(to.queue_url, messageId);
      await waitFor(() => fake.messagesIn(responseQueue).every((m) => m.messageId !== messageId), 10_000, 'both copies deleted');
      await drained('the response queue drained');
    },
    told: (persona) => results.filter((r) => r.persona === persona).map((r) => answerReplyText(r.result, VISIBLE)),
    failAuthNext: () => fake.failNext('SendMessage', 'UnrecognizedClientException'),
    authError: /UnrecognizedClientException|InvalidClientTokenId/,
    secrets: () => [CREDENTIALS.secretAccessKey, ...tokensIssued()],
    async stop() {
      consoleClient.destroy();
      await started.stop();
      await fake.stop();
    },
  };
}

describeChannelContract('sqs', {
  platform: 'SQS',
  limits: { lacks: 'an SQS message is JSON up to 256 KiB, far above the API limits: the request goes whole' },
  signature: { lacks: 'SQS does not sign messages; the per-delivery reply token proves an answer' },
  redelivery: true,
  rateLimits: { lacks: 'SQS standard queues have no per-client send rate limit' },
  credentials: true,
  start,
});

describe('sqs: queues as a console uses them', () => {
  it('a wrong token is refused, deleted and logged; the request stays pending', async () => {
    const c = await start();
    try {
      const request = c.hub.add(c.request());
      const ref = await c.deliver(request);
      const forged = await c.answerForged(ref, request, 'ana', { option: 0 }, 'tampered');
      expect(forged.status).toBe(403);
      expect(c.hub.answersTo(request.id)).toEqual([]);
      expect(c.fake.messagesIn(c.responseQueue)).toEqual([]);
      expect(c.logLines.some((l) => l.includes(request.id) && /refused/.test(l))).toBe(true);
      await c.stop();
    } catch (err) {
      await c.stop();
      throw err;
    }
  });

  it('a garbage body is never deleted: it reaches the dead-letter queue after maxReceiveCount receives', async () => {
    const c = await start();
    try {
      c.fake.send(c.responseQueue, 'not json at all {');
      // Visibility 5 s on the response queue: three receives take ~10 s.
      const dlq = c.fake.messagesIn(c.responseQueue.replace(/switchboard-answers$/, 'switchboard-answers-dlq'));
      expect(dlq).toEqual([]);
      await waitFor(() => c.fake.messagesIn(c.responseQueue.replace(/switchboard-answers$/, 'switchboard-answers-dlq')).length === 1, 25_000, 'the garbage in the DLQ');
      expect(c.fake.deletes(c.responseQueue)).toBe(0);
      expect(c.logLines.some((l) => /not a switchboard.response.v1/.test(l))).toBe(true);
      await c.stop();
    } catch (err) {
      await c.stop();
      throw err;
    }
  }, 40_000);

  it('a FIFO recipient queue gets MessageGroupId = workflow id and MessageDeduplicationId per delivery', async () => {
    const c = await start();
    try {
      const fifo = c.fake.createQueue('console.fifo', { FifoQueue: 'true' });
      const request = c.hub.add(c.request({ workflow_id: 'wf-42', recipients: [{ channel: 'sqs', to: fifo }] }));
      await c.channel.deliver(request, fifo, 0, { id: 'dlv_1', attempt: 1 });
      await c.channel.deliver(request, fifo, 0, { id: 'dlv_1', attempt: 2 });
      const messages = c.fake.messagesIn(fifo);
      expect(messages).toHaveLength(1);
      expect(messages[0]).toMatchObject({ groupId: 'wf-42' });
      await c.stop();
    } catch (err) {
      await c.stop();
      throw err;
    }
  });

  it('a body over 256 KiB is a failed delivery whose error names the size', async () => {
    const c = await start();
    try {
      const request = c.hub.add(c.request({ context: Object.fromEntries(Array.from({ length: 300 }, (_, i) => [`k${i}`, 'x'.repeat(1000)])) }));
      await expect(c.channel.deliver(request, c.recipientQueue, 0)).rejects.toMatchObject({ message: expect.stringMatching(/\d+ bytes/) });
      await c.stop();
    } catch (err) {
      await c.stop();
      throw err;
    }
  });
});
