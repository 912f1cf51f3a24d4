// A protocol-faithful fake of Amazon SQS for tests: real HTTP on loopback speaking the AWS JSON 1.0
// protocol that current @aws-sdk/client-sqs uses (POST /, Content-Type: application/x-amz-json-1.0,
// X-Amz-Target: AmazonSQS.<Op>). Any SigV4 Authorization header is accepted unchecked, but one is required.
//
// For the channel engineer — the API in short:
//   const fake = new FakeSqs();  await fake.start();
//   new SQSClient({ endpoint: fake.url, region: 'us-east-1', credentials: { accessKeyId: 'x', secretAccessKey: 'y' } })
//   fake.createQueue(name, attributes?) → queue URL (`${fake.url}/000000000000/<name>`), the same as the
//     CreateQueue call; attributes as AWS takes them: FifoQueue 'true', VisibilityTimeout '30',
//     RedrivePolicy JSON.stringify({ deadLetterTargetArn, maxReceiveCount }); fake.arnOf(url).
//   Inspect: receivesWaiting (ReceiveMessage calls long-polling now), messagesIn(url) (every message not deleted, visible or in flight: body, attributes,
//     receiveCount, inFlight), deletes(url) (messages deleted), staleDeletes(url) (DeleteMessage with an
//     older receipt handle: succeeds, deletes nothing, as AWS does), calls (op, body, status, error).
//   Drive: send(url, body, attributes?) puts a message as another sender would (no SDK needed);
//     redeliver(url, messageId) adds a second copy of a message, as at-least-once delivery may.
//   Knobs: failNext(op, errorType, times = 1) → the next `op` calls fail with that AWS error
//     (e.g. failNext('ReceiveMessage', 'QueueDoesNotExist')); errorTypes are the keys of SQS_ERRORS.
//
// Operations: CreateQueue, GetQueueUrl, GetQueueAttributes, SendMessage, SendMessageBatch, ReceiveMessage
// (MaxNumberOfMessages 1–10, WaitTimeSeconds long-poll answered as soon as a message is visible,
// VisibilityTimeout, MessageAttributeNames, AttributeNames / MessageSystemAttributeNames), DeleteMessage,
// DeleteMessageBatch, ChangeMessageVisibility, ChangeMessageVisibilityBatch, PurgeQueue. A new receipt
// handle on every receive; MD5OfMessageBody / MD5OfBody and MD5OfMessageAttributes as AWS computes them
// (the SDK checks them); FIFO queues (.fifo): MessageGroupId required, deduplication on
// MessageDeduplicationId (or the body's SHA-256 with ContentBasedDeduplication) for 5 minutes, one
// message in flight per group; bodies over 256 KiB (body + attribute names, types and values) refused;
// redrive to the dead-letter queue once a message has been received maxReceiveCount times.
// Errors as AWS sends them: HTTP 400, `{ "__type": "com.amazonaws.sqs#<Type>", "message" }` and the
// `x-amzn-query-error: <QueryCode>;Sender` header.
import { createHash, randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

const ACCOUNT = '000000000000';
const REGION = 'us-east-1';
const MAX_BODY_BYTES = 256 * 1024;
const DEDUP_WINDOW_MS = 5 * 60_000;

/** error type (the __type after `#`) → the query-protocol code in x-amzn-query-error. */
export const SQS_ERRORS = {
  QueueDoesNotExist: 'AWS.SimpleQueueService.NonExistentQueue',
  InvalidParameterValueException: 'InvalidParameterValue',
  MissingParameter: 'MissingParameter',
  ReceiptHandleIsInvalid: 'ReceiptHandleIsInvalid',
  MessageNotInflight: 'AWS.SimpleQueueService.MessageNotInflight',
  TooManyEntriesInBatchRequest: 'AWS.SimpleQueueService.TooManyEntriesInBatchRequest',
  EmptyBatchRequest: 'AWS.SimpleQueueService.EmptyBatchRequest',
  BatchEntryIdsNotDistinct: 'AWS.SimpleQueueService.BatchEntryIdsNotDistinct',
  InvalidAction: 'InvalidAction',
  RequestThrottled: 'RequestThrottled',
  AccessDeniedException: 'AccessDenied',
  InvalidSecurity: 'AWS.SimpleQueueService.InvalidSecurity',
  InternalError: 'InternalError',
  /** Keys AWS does not know (answered by the service framework, not SQS: its own namespace, HTTP 403). */
  UnrecognizedClientException: 'InvalidClientTokenId',
} as const;
const FRAMEWORK_ERRORS: Partial<Record<SqsErrorType, { namespace: string; status: number }>> = { UnrecognizedClientException: { namespace: 'com.amazon.coral.service', status: 403 } };
export type SqsErrorType = keyof typeof SQS_ERRORS;

export class SqsError extends Error {
  constructor(
    readonly type: SqsErrorType,
    message: string,
  ) {
    super(message);
  }
}

export interface MessageAttributeValue {
  DataType: string;
  StringValue?: string;
  BinaryValue?: string;
}
export type MessageAttributes = Record<string, MessageAttributeValue>;

export interface FakeSqsMessage {
  messageId: string;
  body: string;
  attributes: MessageAttributes;
  sentAt: number;
  receiveCount: number;
  firstReceivedAt?: number;
  /** Not visible before this time (in flight, or delayed). */
  visibleAt: number;
  receiptHandle?: string;
  groupId?: string;
  dedupId?: string;
  sequenceNumber?: string;
  /** Ever received and not yet visible again. */
  readonly inFlight: boolean;
}

interface Queue {
  name: string;
  url: string;
  arn: string;
  attributes: Record<string, string>;
  fifo: boolean;
  createdAt: number;
  messages: FakeSqsMessage[];
  dedup: Map<string, { at: number; messageId: string; sequenceNumber?: string }>;
  deletes: number;
  staleDeletes: number;
}

export interface SqsCall {
  op: string;
  body: Record<string, unknown>;
  status: number;
  error?: string;
}

/** MD5 hex of UTF-8 text, as MD5OfMessageBody. */
export const md5OfBody = (body: string) => createHash('md5').update(body, 'utf8').digest('hex');

/**
 * MD5OfMessageAttributes as AWS computes it: for each attribute in name order, the 4-byte big-endian
 * length and UTF-8 bytes of the name, then of the DataType, then a transport byte (1 string/number,
 * 2 binary) and the length-prefixed value (UTF-8 text, or the decoded bytes of the base64 binary).
 */
export function md5OfMessageAttributes(attributes: MessageAttributes): string | undefined {
  const names = Object.keys(attributes).sort();
  if (names.length === 0) return undefined;
  const hash = createHash('md5');
  const put = (bytes: Buffer) => {
    const len = Buffer.alloc(4);
    len.writeUInt32BE(bytes.length);
    hash.update(len).update(bytes);
  };
  for (const name of names) {
    const a = attributes[name]!;
    put(Buffer.from(name, 'utf8'));
    put(Buffer.from(a.DataType, 'utf8'));
    if (a.StringValue !== undefined) {
      hash.update(Buffer.from([1]));
      put(Buffer.from(a.StringValue, 'utf8'));
    } else {
      hash.update(Buffer.from([2]));
      put(Buffer.from(a.BinaryValue ?? '', 'base64'));
    }
  }
  return hash.digest('hex');
}

function attributesSize(attributes: MessageAttributes): number {
  let n = 0;
  for (const [name, a] of Object.entries(attributes)) {
    n += Buffer.byteLength(name) + Buffer.byteLength(a.DataType);
    n += a.StringValue !== undefined ? Buffer.byteLength(a.StringValue) : Buffer.from(a.BinaryValue ?? '', 'base64').length;
  }
  return n;
}

const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);
const num = (v: unknown): number | undefined => (typeof v === 'number' ? v : typeof v === 'string' && v !== '' ? Number(v) : undefined);

export class FakeSqs {
  url = '';
  readonly calls: SqsCall[] = [];
  /** ReceiveMessage calls now long-polling (a test can wait for a consumer to be listening). */
  receivesWaiting = 0;
  private server?: Server;
  private readonly queues = new Map<string, Queue>();
  private readonly failures: { op: string; type: SqsErrorType; times: number }[] = [];
  private readonly waiters = new Set<() => void>();
  private sequence = 0n;
  private readonly everSent = new Map<string, FakeSqsMessage>();

  async start(): Promise<void> {
    this.server = createServer((req, res) => void this.handle(req, res));
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  async stop(): Promise<void> {
    for (const wake of this.waiters) wake();
    this.server?.closeAllConnections();
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }

  // —— test knobs and views ——

  createQueue(name: string, attributes: Record<string, string> = {}): string {
    return this.create(name, attributes).url;
  }

  arnOf(url: string): string {
    return this.queueOf(url).arn;
  }

  failNext(op: string, type: SqsErrorType, times = 1): void {
    this.failures.push({ op, type, times });
  }

  messagesIn(url: string): FakeSqsMessage[] {
    return [...this.queueOf(url).messages];
  }

  deletes(url: string): number {
    return this.queueOf(url).deletes;
  }

  staleDeletes(url: string): number {
    return this.queueOf(url).staleDeletes;
  }

  send(url: string, body: string, attributes: MessageAttributes = {}, fifo?: { groupId: string; dedupId?: string }): string {
    return this.enqueue(this.queueOf(url), { MessageBody: body, MessageAttributes: attributes, MessageGroupId: fifo?.groupId, MessageDeduplicationId: fifo?.dedupId }).MessageId;
  }

  /**
   * Puts a second copy of a message (same MessageId, body and attributes) on the queue, as a standard
   * queue's at-least-once delivery sometimes does; it is received (and deleted) on its own.
   */
  redeliver(url: string, messageId: string): void {
    const q = this.queueOf(url);
    const m = this.everSent.get(messageId);
    if (!m) throw new Error(`no message ${messageId} was sent to ${url}`);
    q.messages.push(this.makeMessage({ messageId: m.messageId, body: m.body, attributes: m.attributes, sentAt: m.sentAt, receiveCount: 0, visibleAt: Date.now(), groupId: m.groupId, dedupId: m.dedupId }));
    this.wake();
  }

  // —— protocol ——

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const target = req.headers['x-amz-target'];
    const op = typeof target === 'string' && target.startsWith('AmazonSQS.') ? target.slice('AmazonSQS.'.length) : '';
    let body: Record<string, unknown> = {};
    const reply = (status: number, payload: unknown, error?: { type: SqsErrorType }) => {
      this.calls.push({ op, body, status, error: error?.type });
      const headers: Record<string, string> = { 'content-type': 'application/x-amz-json-1.0', 'x-amzn-requestid': randomUUID() };
      if (error) headers['x-amzn-query-error'] = `${SQS_ERRORS[error.type]};Sender`;
      res.writeHead(status, headers).end(JSON.stringify(payload));
    };
    const fail = (e: SqsError) => {
      const framework = FRAMEWORK_ERRORS[e.type];
      reply(framework?.status ?? 400, { __type: `${framework?.namespace ?? 'com.amazonaws.sqs'}#${e.type}`, message: e.message }, e);
    };
    try {
      if (req.method !== 'POST' || req.url !== '/') throw new SqsError('InvalidAction', 'Only POST / is served.');
      if (!String(req.headers['content-type'] ?? '').startsWith('application/x-amz-json-1.0')) throw new SqsError('InvalidAction', 'Content-Type must be application/x-amz-json-1.0.');
      if (!String(req.headers.authorization ?? '').startsWith('AWS4-HMAC-SHA256 ')) throw new SqsError('InvalidSecurity', 'Request is missing Authentication Token');
      try {
        body = JSON.parse(Buffer.concat(chunks).toString('utf8') || '{}') as Record<string, unknown>;
      } catch {
        throw new SqsError('InvalidParameterValueException', 'The request body is not valid JSON.');
      }
      const failure = this.failures.find((f) => f.op === op);
      if (failure) {
        if (--failure.times <= 0) this.failures.splice(this.failures.indexOf(failure), 1);
        throw new SqsError(failure.type, failure.type === 'UnrecognizedClientException' ? 'The security token included in the request is invalid.' : `Injected failure for ${op}.`);
      }
      reply(200, await this.dispatch(op, body, req));
    } catch (e) {
      if (e instanceof SqsError) fail(e);
      else {
        this.calls.push({ op, body, status: 500, error: 'InternalError' });
        res.writeHead(500, { 'content-type': 'application/x-amz-json-1.0' }).end(JSON.stringify({ __type: 'com.amazonaws.sqs#InternalError', message: String(e) }));
      }
    }
  }

  private dispatch(op: string, b: Record<string, unknown>, req: IncomingMessage): unknown {
    switch (op) {
      case 'CreateQueue':
        return { QueueUrl: this.create(this.required(b, 'QueueName'), (b.Attributes as Record<string, string> | undefined) ?? {}).url };
      case 'GetQueueUrl': {
        const q = [...this.queues.values()].find((x) => x.name === this.required(b, 'QueueName'));
        if (!q) throw new SqsError('QueueDoesNotExist', 'The specified queue does not exist.');
        return { QueueUrl: q.url };
      }
      case 'GetQueueAttributes':
        return { Attributes: this.queueAttributes(this.queue(b), (b.AttributeNames as string[] | undefined) ?? []) };
      case 'SendMessage': {
        const sent = this.enqueue(this.queue(b), b);
        return sent;
      }
      case 'SendMessageBatch':
        return this.batch(b, (entry, q) => this.enqueue(q, entry));
      case 'ReceiveMessage':
        return this.receive(this.queue(b), b, req);
      case 'DeleteMessage':
        this.delete(this.queue(b), this.required(b, 'ReceiptHandle'));
        return {};
      case 'DeleteMessageBatch':
        return this.batch(b, (entry, q) => (this.delete(q, this.required(entry, 'ReceiptHandle')), {}));
      case 'ChangeMessageVisibility':
        this.changeVisibility(this.queue(b), this.required(b, 'ReceiptHandle'), num(b.VisibilityTimeout));
        return {};
      case 'ChangeMessageVisibilityBatch':
        return this.batch(b, (entry, q) => (this.changeVisibility(q, this.required(entry, 'ReceiptHandle'), num(entry.VisibilityTimeout)), {}));
      case 'PurgeQueue':
        this.queue(b).messages.length = 0;
        return {};
      default:
        throw new SqsError('InvalidAction', `The action ${op || '(none)'} is not valid for this endpoint.`);
    }
  }

  private required(b: Record<string, unknown>, name: string): string {
    const v = str(b[name]);
    if (v === undefined) throw new SqsError('MissingParameter', `The request must contain the parameter ${name}.`);
    return v;
  }

  private create(name: string, attributes: Record<string, string>): Queue {
    const existing = [...this.queues.values()].find((q) => q.name === name);
    if (existing) return existing;
    if (!/^[A-Za-z0-9_-]{1,80}(\.fifo)?$/.test(name)) throw new SqsError('InvalidParameterValueException', 'Can only include alphanumeric characters, hyphens, or underscores. 1 to 80 in length');
    const fifo = attributes.FifoQueue === 'true';
    if (fifo !== name.endsWith('.fifo')) throw new SqsError('InvalidParameterValueException', 'The name of a FIFO queue can only include alphanumeric characters, hyphens, or underscores, must end with .fifo suffix.');
    if (attributes.RedrivePolicy) {
      const policy = JSON.parse(attributes.RedrivePolicy) as { deadLetterTargetArn?: string };
      if (![...this.queues.values()].some((q) => q.arn === policy.deadLetterTargetArn)) throw new SqsError('InvalidParameterValueException', 'Value for parameter RedrivePolicy is invalid. Reason: Dead letter target does not exist.');
    }
    const q: Queue = {
      name,
      url: `${this.url}/${ACCOUNT}/${name}`,
      arn: `arn:aws:sqs:${REGION}:${ACCOUNT}:${name}`,
      attributes: { VisibilityTimeout: '30', DelaySeconds: '0', MessageRetentionPeriod: '345600', MaximumMessageSize: String(MAX_BODY_BYTES), ReceiveMessageWaitTimeSeconds: '0', ...attributes },
      fifo,
      createdAt: Date.now(),
      messages: [],
      dedup: new Map(),
      deletes: 0,
      staleDeletes: 0,
    };
    this.queues.set(q.url, q);
    return q;
  }

  private queueOf(url: string): Queue {
    const q = this.queues.get(url);
    if (!q) throw new SqsError('QueueDoesNotExist', 'The specified queue does not exist.');
    return q;
  }

  private queue(b: Record<string, unknown>): Queue {
    return this.queueOf(this.required(b, 'QueueUrl'));
  }

  private queueAttributes(q: Queue, names: string[]): Record<string, string> {
    const now = Date.now();
    const all: Record<string, string> = {
      ...q.attributes,
      QueueArn: q.arn,
      ApproximateNumberOfMessages: String(q.messages.filter((m) => m.visibleAt <= now).length),
      ApproximateNumberOfMessagesNotVisible: String(q.messages.filter((m) => m.visibleAt > now && m.receiveCount > 0).length),
      ApproximateNumberOfMessagesDelayed: String(q.messages.filter((m) => m.visibleAt > now && m.receiveCount === 0).length),
      CreatedTimestamp: String(Math.floor(q.createdAt / 1000)),
      LastModifiedTimestamp: String(Math.floor(q.createdAt / 1000)),
    };
    if (names.includes('All')) return all;
    const out: Record<string, string> = {};
    for (const n of names) if (all[n] !== undefined) out[n] = all[n];
    return out;
  }

  private enqueue(q: Queue, e: Record<string, unknown>): { MessageId: string; MD5OfMessageBody: string; MD5OfMessageAttributes?: string; SequenceNumber?: string } {
    const body = str(e.MessageBody);
    if (body === undefined) throw new SqsError('MissingParameter', 'The request must contain the parameter MessageBody.');
    const attributes = (e.MessageAttributes as MessageAttributes | undefined) ?? {};
    for (const [name, a] of Object.entries(attributes)) {
      if (!/^(String|Number|Binary)(\..+)?$/.test(a.DataType ?? '')) throw new SqsError('InvalidParameterValueException', `The type of message (user) attribute '${name}' is invalid.`);
      if (a.StringValue === undefined && a.BinaryValue === undefined) throw new SqsError('InvalidParameterValueException', `The message (user) attribute '${name}' must contain a non-empty value.`);
    }
    if (Object.keys(attributes).length > 10) throw new SqsError('InvalidParameterValueException', 'Number of message attributes [11] exceeds the allowed maximum [10].');
    const size = Buffer.byteLength(body) + attributesSize(attributes);
    if (size > MAX_BODY_BYTES) throw new SqsError('InvalidParameterValueException', `One or more parameters are invalid. Reason: Message must be shorter than ${MAX_BODY_BYTES} bytes.`);
    const answer = { MD5OfMessageBody: md5OfBody(body), MD5OfMessageAttributes: md5OfMessageAttributes(attributes) };
    let groupId: string | undefined;
    let dedupId: string | undefined;
    if (q.fifo) {
      groupId = str(e.MessageGroupId);
      if (!groupId) throw new SqsError('MissingParameter', 'The request must contain the parameter MessageGroupId.');
      dedupId = str(e.MessageDeduplicationId) ?? (q.attributes.ContentBasedDeduplication === 'true' ? createHash('sha256').update(body).digest('hex') : undefined);
      if (!dedupId) throw new SqsError('InvalidParameterValueException', 'The queue should either have ContentBasedDeduplication enabled or MessageDeduplicationId provided explicitly');
      const now = Date.now();
      for (const [id, d] of q.dedup) if (now - d.at > DEDUP_WINDOW_MS) q.dedup.delete(id);
      const seen = q.dedup.get(dedupId);
      if (seen) return { MessageId: seen.messageId, ...answer, SequenceNumber: seen.sequenceNumber };
    } else if (e.MessageGroupId !== undefined || e.MessageDeduplicationId !== undefined) {
      throw new SqsError('InvalidParameterValueException', 'The request include parameter that is not valid for this queue type');
    }
    const delay = num(e.DelaySeconds) ?? Number(q.attributes.DelaySeconds);
    const message = this.makeMessage({ messageId: randomUUID(), body, attributes, sentAt: Date.now(), receiveCount: 0, visibleAt: Date.now() + delay * 1000, groupId, dedupId });
    if (q.fifo) {
      message.sequenceNumber = String(++this.sequence).padStart(20, '0');
      q.dedup.set(dedupId!, { at: Date.now(), messageId: message.messageId, sequenceNumber: message.sequenceNumber });
    }
    q.messages.push(message);
    this.everSent.set(message.messageId, message);
    this.wake();
    return { MessageId: message.messageId, ...answer, ...(message.sequenceNumber ? { SequenceNumber: message.sequenceNumber } : {}) };
  }

  private makeMessage(m: Omit<FakeSqsMessage, 'inFlight'>): FakeSqsMessage {
    return Object.defineProperty(m, 'inFlight', { get: () => m.receiveCount > 0 && m.visibleAt > Date.now(), enumerable: true }) as FakeSqsMessage;
  }

  private wake(): void {
    for (const w of [...this.waiters]) w();
  }

  private async receive(q: Queue, b: Record<string, unknown>, req: IncomingMessage): Promise<unknown> {
    const max = num(b.MaxNumberOfMessages) ?? 1;
    if (!Number.isInteger(max) || max < 1 || max > 10) throw new SqsError('InvalidParameterValueException', `Value ${max} for parameter MaxNumberOfMessages is invalid. Reason: Must be between 1 and 10, if provided.`);
    const wait = num(b.WaitTimeSeconds) ?? Number(q.attributes.ReceiveMessageWaitTimeSeconds);
    if (wait < 0 || wait > 20) throw new SqsError('InvalidParameterValueException', `Value ${wait} for parameter WaitTimeSeconds is invalid. Reason: Must be >= 0 and <= 20, if provided.`);
    const visibility = num(b.VisibilityTimeout) ?? Number(q.attributes.VisibilityTimeout);
    const deadline = Date.now() + wait * 1000;
    let taken = this.take(q, max, visibility);
    this.receivesWaiting += 1;
    try {
      while (taken.length === 0 && Date.now() < deadline && !req.socket.destroyed) {
        await this.nextChange(deadline - Date.now());
        taken = this.take(q, max, visibility);
      }
    } finally {
      this.receivesWaiting -= 1;
    }
    if (req.socket.destroyed) for (const m of taken) m.visibleAt = Date.now(); // nobody got them
    if (taken.length === 0) return {};
    const attributeNames = [...((b.AttributeNames as string[] | undefined) ?? []), ...((b.MessageSystemAttributeNames as string[] | undefined) ?? [])];
    const wanted = (b.MessageAttributeNames as string[] | undefined) ?? [];
    return { Messages: taken.map((m) => this.render(m, attributeNames, wanted)) };
  }

  /** Resolves at the next send, visibility change or after ms (whichever first); a timer also catches messages becoming visible. */
  private nextChange(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        this.waiters.delete(done);
        resolve();
      };
      const timer = setTimeout(done, Math.max(0, Math.min(ms, 50)));
      this.waiters.add(done);
    });
  }

  private take(q: Queue, max: number, visibility: number): FakeSqsMessage[] {
    const now = Date.now();
    const busyGroups = new Set(q.fifo ? q.messages.filter((m) => m.visibleAt > now && m.receiveCount > 0).map((m) => m.groupId) : []);
    const policy = q.attributes.RedrivePolicy ? (JSON.parse(q.attributes.RedrivePolicy) as { deadLetterTargetArn: string; maxReceiveCount: number | string }) : undefined;
    const taken: FakeSqsMessage[] = [];
    for (const m of [...q.messages]) {
      if (taken.length >= max) break;
      if (m.visibleAt > now) continue;
      if (q.fifo && busyGroups.has(m.groupId)) continue;
      if (policy && m.receiveCount >= Number(policy.maxReceiveCount)) {
        this.moveToDeadLetter(q, m, policy.deadLetterTargetArn);
        continue;
      }
      m.receiveCount += 1;
      m.firstReceivedAt ??= now;
      m.visibleAt = now + visibility * 1000;
      m.receiptHandle = Buffer.from(`${q.name}:${m.messageId}:${randomUUID()}`).toString('base64');
      if (q.fifo) busyGroups.add(m.groupId);
      taken.push(m);
    }
    return taken;
  }

  private moveToDeadLetter(q: Queue, m: FakeSqsMessage, arn: string): void {
    const dlq = [...this.queues.values()].find((x) => x.arn === arn);
    q.messages.splice(q.messages.indexOf(m), 1);
    if (!dlq) return;
    m.receiptHandle = undefined;
    m.visibleAt = Date.now();
    dlq.messages.push(m); // keeps its id, body, attributes and receive count, as AWS does
  }

  private render(m: FakeSqsMessage, attributeNames: string[], wanted: string[]): Record<string, unknown> {
    const system: Record<string, string> = {
      SenderId: 'AIDAFAKESQSSENDER',
      SentTimestamp: String(m.sentAt),
      ApproximateReceiveCount: String(m.receiveCount),
      ApproximateFirstReceiveTimestamp: String(m.firstReceivedAt ?? m.sentAt),
      ...(m.groupId ? { MessageGroupId: m.groupId } : {}),
      ...(m.dedupId ? { MessageDeduplicationId: m.dedupId } : {}),
      ...(m.sequenceNumber ? { SequenceNumber: m.sequenceNumber } : {}),
    };
    const all = attributeNames.includes('All');
    const attributes = Object.fromEntries(Object.entries(system).filter(([k]) => all || attributeNames.includes(k)));
    const allUser = wanted.includes('All') || wanted.includes('.*');
    const user = Object.fromEntries(
      Object.entries(m.attributes).filter(([k]) => allUser || wanted.includes(k) || wanted.some((w) => w.endsWith('.*') && k.startsWith(w.slice(0, -1)))),
    );
    const md5Attrs = md5OfMessageAttributes(user);
    return {
      MessageId: m.messageId,
      ReceiptHandle: m.receiptHandle,
      MD5OfBody: md5OfBody(m.body),
      Body: m.body,
      ...(Object.keys(attributes).length ? { Attributes: attributes } : {}),
      ...(md5Attrs ? { MD5OfMessageAttributes: md5Attrs, MessageAttributes: user } : {}),
    };
  }

  private findByHandle(q: Queue, handle: string): { message?: FakeSqsMessage; current: boolean } {
    let decoded: string[];
    try {
      decoded = Buffer.from(handle, 'base64').toString('utf8').split(':');
    } catch {
      decoded = [];
    }
    if (decoded.length !== 3 || decoded[0] !== q.name) throw new SqsError('ReceiptHandleIsInvalid', `The input receipt handle "${handle.slice(0, 16)}…" is not a valid receipt handle.`);
    const message = q.messages.find((m) => m.receiptHandle === handle) ?? q.messages.find((m) => m.messageId === decoded[1]);
    return { message, current: message?.receiptHandle === handle };
  }

  private delete(q: Queue, handle: string): void {
    const { message, current } = this.findByHandle(q, handle);
    if (!message) return; // already deleted: AWS answers success
    if (!current) {
      q.staleDeletes += 1; // an older handle: success, nothing deleted
      return;
    }
    q.messages.splice(q.messages.indexOf(message), 1);
    q.deletes += 1;
  }

  private changeVisibility(q: Queue, handle: string, seconds: number | undefined): void {
    if (seconds === undefined || seconds < 0 || seconds > 43200) throw new SqsError('InvalidParameterValueException', `Value ${seconds} for parameter VisibilityTimeout is invalid. Reason: Must be between 0 and 43200.`);
    const { message, current } = this.findByHandle(q, handle);
    if (!message || !current || !message.inFlight) throw new SqsError('MessageNotInflight', 'Message is not in flight.');
    message.visibleAt = Date.now() + seconds * 1000;
    if (seconds === 0) this.wake();
  }

  private batch(b: Record<string, unknown>, run: (entry: Record<string, unknown>, q: Queue) => Record<string, unknown>): unknown {
    const q = this.queue(b);
    const entries = (b.Entries as Record<string, unknown>[] | undefined) ?? [];
    if (entries.length === 0) throw new SqsError('EmptyBatchRequest', 'There should be at least one SendMessageBatchRequestEntry in the request.');
    if (entries.length > 10) throw new SqsError('TooManyEntriesInBatchRequest', `Maximum number of entries per request are 10. You have sent ${entries.length}.`);
    if (new Set(entries.map((e) => e.Id)).size !== entries.length) throw new SqsError('BatchEntryIdsNotDistinct', 'Id must be distinct among entries.');
    const Successful: Record<string, unknown>[] = [];
    const Failed: Record<string, unknown>[] = [];
    for (const entry of entries) {
      try {
        Successful.push({ Id: entry.Id, ...run(entry, q) });
      } catch (e) {
        if (!(e instanceof SqsError)) throw e;
        Failed.push({ Id: entry.Id, SenderFault: true, Code: SQS_ERRORS[e.type], Message: e.message });
      }
    }
    return { Successful, Failed };
  }
}
