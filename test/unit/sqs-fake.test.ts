// The fake SQS (test/fakes/sqs.ts) checked through the real client, @aws-sdk/client-sqs (AWS JSON 1.0):
// the MD5s the SDK verifies, long polling, visibility and receipt handles, FIFO deduplication, the size
// limit, redrive to a dead-letter queue, and errors as AWS shapes them.
import { createHash } from 'node:crypto';
import {
  ChangeMessageVisibilityCommand,
  CreateQueueCommand,
  DeleteMessageBatchCommand,
  DeleteMessageCommand,
  GetQueueAttributesCommand,
  GetQueueUrlCommand,
  QueueDoesNotExist,
  ReceiveMessageCommand,
  SendMessageBatchCommand,
  SendMessageCommand,
  SQSClient,
  SQSServiceException,
} from '@aws-sdk/client-sqs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FakeSqs, md5OfMessageAttributes } from '../fakes/sqs.js';
import { waitFor } from '../helpers/services.js';

const fake = new FakeSqs();
let sqs: SQSClient;

beforeAll(async () => {
  await fake.start();
  sqs = new SQSClient({ endpoint: fake.url, region: 'us-east-1', credentials: { accessKeyId: 'x', secretAccessKey: 'y' }, maxAttempts: 1 });
});
afterAll(async () => {
  sqs.destroy();
  await fake.stop();
});

let n = 0;
const queue = async (attrs: Record<string, string> = {}, fifo = false) =>
  (await sqs.send(new CreateQueueCommand({ QueueName: `q${++n}${fifo ? '.fifo' : ''}`, Attributes: fifo ? { FifoQueue: 'true', ...attrs } : attrs }))).QueueUrl!;

async function refusal(p: Promise<unknown>): Promise<SQSServiceException> {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(SQSServiceException);
  return err as SQSServiceException;
}

describe('the fake SQS', () => {
  it('creates queues and finds them by name, with URLs on the account path', async () => {
    const url = await queue();
    expect(url).toMatch(new RegExp(`^${fake.url}/000000000000/q\\d+$`));
    const name = url.split('/').pop()!;
    expect((await sqs.send(new GetQueueUrlCommand({ QueueName: name }))).QueueUrl).toBe(url);
    const attrs = await sqs.send(new GetQueueAttributesCommand({ QueueUrl: url, AttributeNames: ['All'] }));
    expect(attrs.Attributes).toMatchObject({ QueueArn: `arn:aws:sqs:us-east-1:000000000000:${name}`, VisibilityTimeout: '30', ApproximateNumberOfMessages: '0' });
  });

  it('answers an unknown queue as AWS does (QueueDoesNotExist, with the query-compatible code)', async () => {
    const err = await refusal(sqs.send(new GetQueueAttributesCommand({ QueueUrl: `${fake.url}/000000000000/nope`, AttributeNames: ['All'] })));
    expect(err).toBeInstanceOf(QueueDoesNotExist);
    expect(err.$metadata.httpStatusCode).toBe(400);
    expect(err.message).toBe('The specified queue does not exist.');
  });

  it('sends and receives with the body and attribute MD5s the SDK checks, and a fresh receipt handle each time', async () => {
    const url = await queue();
    const attributes = { type: { DataType: 'String', StringValue: 'approval' }, n: { DataType: 'Number', StringValue: '3' }, b: { DataType: 'Binary', BinaryValue: new Uint8Array([1, 2, 3]) } };
    const sent = await sqs.send(new SendMessageCommand({ QueueUrl: url, MessageBody: 'héllo', MessageAttributes: attributes }));
    expect(sent.MD5OfMessageBody).toBe(createHash('md5').update('héllo').digest('hex'));
    expect(sent.MD5OfMessageAttributes).toBe(md5OfMessageAttributes({ type: attributes.type, n: attributes.n, b: { DataType: 'Binary', BinaryValue: 'AQID' } }));
    const first = await sqs.send(new ReceiveMessageCommand({ QueueUrl: url, MaxNumberOfMessages: 10, VisibilityTimeout: 0, MessageAttributeNames: ['All'], MessageSystemAttributeNames: ['ApproximateReceiveCount'] }));
    expect(first.Messages).toHaveLength(1);
    const m = first.Messages![0]!;
    expect(m).toMatchObject({ MessageId: sent.MessageId, Body: 'héllo', MD5OfMessageAttributes: sent.MD5OfMessageAttributes, Attributes: { ApproximateReceiveCount: '1' } });
    expect(m.MessageAttributes?.type?.StringValue).toBe('approval');
    expect(Buffer.from(m.MessageAttributes!.b!.BinaryValue!)).toEqual(Buffer.from([1, 2, 3]));
    const second = await sqs.send(new ReceiveMessageCommand({ QueueUrl: url, AttributeNames: ['All'] }));
    expect(second.Messages![0]!.Attributes?.ApproximateReceiveCount).toBe('2');
    expect(second.Messages![0]!.ReceiptHandle).not.toBe(m.ReceiptHandle);
  });

  it('computes the attribute MD5 as AWS documents it (length-prefixed name, type, transport byte, value)', () => {
    const expected = createHash('md5')
      .update(Buffer.concat([Buffer.from([0, 0, 0, 1]), Buffer.from('a'), Buffer.from([0, 0, 0, 6]), Buffer.from('String'), Buffer.from([1]), Buffer.from([0, 0, 0, 2]), Buffer.from('hi')]))
      .digest('hex');
    expect(md5OfMessageAttributes({ a: { DataType: 'String', StringValue: 'hi' } })).toBe(expected);
  });

  it('long-polls: a waiting ReceiveMessage returns as soon as a message is sent', async () => {
    const url = await queue();
    const started = Date.now();
    const polling = sqs.send(new ReceiveMessageCommand({ QueueUrl: url, WaitTimeSeconds: 20, MaxNumberOfMessages: 10 }));
    await waitFor(() => fake.receivesWaiting > 0, 5000, 'the receive to be waiting');
    await sqs.send(new SendMessageCommand({ QueueUrl: url, MessageBody: 'now' }));
    const got = await polling;
    expect(got.Messages?.[0]?.Body).toBe('now');
    expect(Date.now() - started).toBeLessThan(5000);
    const empty = await sqs.send(new ReceiveMessageCommand({ QueueUrl: url, WaitTimeSeconds: 1 }));
    expect(empty.Messages ?? []).toHaveLength(0);
  });

  it('hides a received message for its visibility timeout, then shows it again; ChangeMessageVisibility extends or releases it', async () => {
    const url = await queue({ VisibilityTimeout: '1' });
    await sqs.send(new SendMessageCommand({ QueueUrl: url, MessageBody: 'x' }));
    const got = (await sqs.send(new ReceiveMessageCommand({ QueueUrl: url }))).Messages![0]!;
    expect((await sqs.send(new ReceiveMessageCommand({ QueueUrl: url }))).Messages ?? []).toHaveLength(0);
    await sqs.send(new ChangeMessageVisibilityCommand({ QueueUrl: url, ReceiptHandle: got.ReceiptHandle, VisibilityTimeout: 0 }));
    const again = (await sqs.send(new ReceiveMessageCommand({ QueueUrl: url, WaitTimeSeconds: 2 }))).Messages![0]!;
    expect(again.MessageId).toBe(got.MessageId);
    const reappeared = await sqs.send(new ReceiveMessageCommand({ QueueUrl: url, WaitTimeSeconds: 5, MessageSystemAttributeNames: ['ApproximateReceiveCount'] }));
    expect(reappeared.Messages![0]!.Attributes?.ApproximateReceiveCount).toBe('3');
  });

  it('deletes with the newest receipt handle only; an older one succeeds and deletes nothing; a bad one is ReceiptHandleIsInvalid', async () => {
    const url = await queue();
    await sqs.send(new SendMessageCommand({ QueueUrl: url, MessageBody: 'x' }));
    const old = (await sqs.send(new ReceiveMessageCommand({ QueueUrl: url, VisibilityTimeout: 0 }))).Messages![0]!;
    const current = (await sqs.send(new ReceiveMessageCommand({ QueueUrl: url }))).Messages![0]!;
    await sqs.send(new DeleteMessageCommand({ QueueUrl: url, ReceiptHandle: old.ReceiptHandle }));
    expect(fake.messagesIn(url)).toHaveLength(1);
    expect(fake.staleDeletes(url)).toBe(1);
    await sqs.send(new DeleteMessageCommand({ QueueUrl: url, ReceiptHandle: current.ReceiptHandle }));
    expect(fake.messagesIn(url)).toHaveLength(0);
    expect(fake.deletes(url)).toBe(1);
    const err = await refusal(sqs.send(new DeleteMessageCommand({ QueueUrl: url, ReceiptHandle: 'garbage' })));
    expect(err.name).toBe('ReceiptHandleIsInvalid');
  });

  it('sends and deletes in batches, reporting each entry', async () => {
    const url = await queue();
    const sent = await sqs.send(new SendMessageBatchCommand({ QueueUrl: url, Entries: [{ Id: 'a', MessageBody: 'A' }, { Id: 'b', MessageBody: 'B' }, { Id: 'c', MessageBody: 'x'.repeat(256 * 1024 + 1) }] }));
    expect(sent.Successful?.map((s) => s.Id)).toEqual(['a', 'b']);
    expect(sent.Failed).toEqual([expect.objectContaining({ Id: 'c', SenderFault: true, Code: 'InvalidParameterValue' })]);
    const got = await sqs.send(new ReceiveMessageCommand({ QueueUrl: url, MaxNumberOfMessages: 10 }));
    expect(got.Messages?.map((m) => m.Body).sort()).toEqual(['A', 'B']);
    const deleted = await sqs.send(new DeleteMessageBatchCommand({ QueueUrl: url, Entries: got.Messages!.map((m, i) => ({ Id: String(i), ReceiptHandle: m.ReceiptHandle })) }));
    expect(deleted.Successful).toHaveLength(2);
    expect(fake.messagesIn(url)).toHaveLength(0);
  });

  it('refuses a body over 256 KiB with InvalidParameterValue naming the limit', async () => {
    const url = await queue();
    const err = await refusal(sqs.send(new SendMessageCommand({ QueueUrl: url, MessageBody: 'x'.repeat(256 * 1024 + 1) })));
    expect(err.$metadata.httpStatusCode).toBe(400);
    expect(err.message).toContain('262144 bytes');
    await sqs.send(new SendMessageCommand({ QueueUrl: url, MessageBody: 'x'.repeat(256 * 1024) }));
  });

  it('FIFO: requires a group, deduplicates on MessageDeduplicationId, keeps one message of a group in flight', async () => {
    const url = await queue({}, true);
    await refusal(sqs.send(new SendMessageCommand({ QueueUrl: url, MessageBody: 'x', MessageDeduplicationId: 'd0' })));
    const a = await sqs.send(new SendMessageCommand({ QueueUrl: url, MessageBody: 'one', MessageGroupId: 'wf', MessageDeduplicationId: 'd1' }));
    const dup = await sqs.send(new SendMessageCommand({ QueueUrl: url, MessageBody: 'one', MessageGroupId: 'wf', MessageDeduplicationId: 'd1' }));
    expect(dup.MessageId).toBe(a.MessageId);
    expect(a.SequenceNumber).toEqual(expect.any(String));
    await sqs.send(new SendMessageCommand({ QueueUrl: url, MessageBody: 'two', MessageGroupId: 'wf', MessageDeduplicationId: 'd2' }));
    expect(fake.messagesIn(url)).toHaveLength(2);
    const first = await sqs.send(new ReceiveMessageCommand({ QueueUrl: url, MaxNumberOfMessages: 10, MessageSystemAttributeNames: ['MessageGroupId'] }));
    expect(first.Messages?.map((m) => m.Body)).toEqual(['one']);
    expect(first.Messages![0]!.Attributes?.MessageGroupId).toBe('wf');
    expect((await sqs.send(new ReceiveMessageCommand({ QueueUrl: url }))).Messages ?? []).toHaveLength(0);
    await sqs.send(new DeleteMessageCommand({ QueueUrl: url, ReceiptHandle: first.Messages![0]!.ReceiptHandle }));
    expect((await sqs.send(new ReceiveMessageCommand({ QueueUrl: url }))).Messages?.[0]?.Body).toBe('two');
  });

  it('moves a message to the dead-letter queue once it was received maxReceiveCount times', async () => {
    const dlq = await queue();
    const url = await queue({ RedrivePolicy: JSON.stringify({ deadLetterTargetArn: fake.arnOf(dlq), maxReceiveCount: 2 }) });
    await sqs.send(new SendMessageCommand({ QueueUrl: url, MessageBody: 'poison' }));
    for (let i = 0; i < 2; i++) expect((await sqs.send(new ReceiveMessageCommand({ QueueUrl: url, VisibilityTimeout: 0 }))).Messages).toHaveLength(1);
    expect((await sqs.send(new ReceiveMessageCommand({ QueueUrl: url }))).Messages ?? []).toHaveLength(0);
    expect(fake.messagesIn(url)).toHaveLength(0);
    expect(fake.messagesIn(dlq).map((m) => m.body)).toEqual(['poison']);
  });

  it('fails the next call of an operation on demand, and wants a signed request', async () => {
    const url = await queue();
    fake.failNext('SendMessage', 'RequestThrottled');
    const err = await refusal(sqs.send(new SendMessageCommand({ QueueUrl: url, MessageBody: 'x' })));
    expect(err.name).toBe('RequestThrottled');
    await sqs.send(new SendMessageCommand({ QueueUrl: url, MessageBody: 'x' }));
    const unsigned = await fetch(fake.url, { method: 'POST', headers: { 'content-type': 'application/x-amz-json-1.0', 'x-amz-target': 'AmazonSQS.ListQueues' }, body: '{}' });
    expect(unsigned.status).toBe(400);
    expect(((await unsigned.json()) as { __type: string }).__type).toBe('com.amazonaws.sqs#InvalidSecurity');
  });
});
