// The SQS channel: delivers a request as a JSON message (switchboard.request.v1) to the recipient's queue,
// carrying a per-delivery reply token; takes answers (switchboard.response.v1) from the response queue,
// which every hub process long-polls; on settle sends the outcome (switchboard.outcome.v1) to the same
// queue so a console can close its own card, and a reminder (switchboard.reminder.v1) when a reminder step is due. Message formats: docs/sqs.md, manifests/sqs/.
import { createHash } from 'node:crypto';
import { GetQueueAttributesCommand, SendMessageCommand, type SendMessageCommandInput, SQSClient } from '@aws-sdk/client-sqs';
import type { Logger } from 'pino';
import type { MessageRef, Outcome, Request } from '../../src/domain/types.js';
import { type Channel, type ChannelCheck, type ChannelContext, ChannelError, type ChannelPlugin, type DeliveryAttempt, type Hub } from '../channel.js';
import { DuplicateGuard } from '../kit/duplicate-guard.js';
import { answerHandler } from './answers.js';
import { isFifo, queueUrlProblem, sqsSettings, type SqsSettings } from './config.js';
import { Consumer, type ConsumerTiming, DEFAULT_TIMING } from './consumer.js';
import { toChannelError } from './errors.js';
import { MAX_MESSAGE_BYTES, messageBytes, renderOutcome, renderReminder, renderRequest, type SqsMessage } from './render.js';

/** How long a received message id is remembered, to recognise SQS delivering it again. */
const MESSAGE_SEEN_FOR_MS = 24 * 60 * 60 * 1000;

export interface SqsChannelOptions {
  /** The answer loop's timing (tests shorten it). */
  timing?: Partial<ConsumerTiming>;
}

export class SqsChannel implements Channel {
  readonly name = 'sqs' as const;
  readonly client: SQSClient;
  private hub?: Hub;
  private consumer?: Consumer;

  constructor(
    private readonly settings: SqsSettings,
    private readonly log: Logger,
    private readonly options: SqsChannelOptions = {},
  ) {
    // Credentials: the SDK's default chain (environment, shared files, SSO, container or instance roles).
    this.client = new SQSClient({ region: settings.region, ...(settings.endpoint ? { endpoint: settings.endpoint } : {}) });
  }

  start(ctx: ChannelContext): Promise<void> {
    this.hub = ctx.hub;
    this.consumer = new Consumer({
      client: this.client,
      queueUrl: this.settings.responseQueueUrl,
      log: this.log,
      timing: { ...DEFAULT_TIMING, ...this.options.timing },
      handle: answerHandler({ hub: ctx.hub, log: this.log, duplicates: new DuplicateGuard(ctx, MESSAGE_SEEN_FOR_MS) }),
    });
    this.consumer.start();
    return Promise.resolve();
  }

  async stop(): Promise<void> {
    await this.consumer?.stop();
    this.client.destroy();
  }

  validateRecipient(to: string | undefined): string | undefined {
    return queueUrlProblem(to, this.settings.endpoint);
  }

  async deliver(request: Request, to: string | undefined, recipientIndex: number, delivery?: DeliveryAttempt): Promise<MessageRef> {
    const queueUrl = this.queueUrl(to);
    if (!this.hub) throw new ChannelError('network', 'the sqs channel is not started');
    const message = renderRequest(request, { queueUrl: this.settings.responseQueueUrl, token: this.hub.tokens.issue(request.id, recipientIndex) });
    const sent = await this.send(queueUrl, message, request, delivery?.id ?? `${request.id}.${recipientIndex}`);
    return { queue_url: queueUrl, message_id: sent };
  }

  async settle(request: Request, ref: MessageRef, outcome: Outcome): Promise<void> {
    const queueUrl = this.queueUrl(typeof ref.queue_url === 'string' ? ref.queue_url : undefined);
    await this.send(queueUrl, renderOutcome(request, outcome), request, `${request.id}.outcome`);
  }

  /** A switchboard.reminder.v1 message to the queue the request went to. */
  async remind(request: Request, ref: MessageRef, step: number): Promise<void> {
    const queueUrl = this.queueUrl(typeof ref.queue_url === 'string' ? ref.queue_url : undefined);
    await this.send(queueUrl, renderReminder(request, step), request, `${request.id}.reminder-${step}`);
  }

  async check(): Promise<ChannelCheck> {
    const queueUrl = this.settings.responseQueueUrl;
    try {
      const { Attributes: a = {} } = await this.client.send(
        new GetQueueAttributesCommand({ QueueUrl: queueUrl, AttributeNames: ['ApproximateNumberOfMessages', 'VisibilityTimeout', 'RedrivePolicy'] }),
      );
      const dlq = a.RedrivePolicy ? 'has a dead-letter queue' : 'no dead-letter queue (unreadable answers will be received forever; set a redrive policy)';
      return { ok: true, detail: `response queue ${queueName(queueUrl)}: ${a.ApproximateNumberOfMessages ?? '?'} waiting, visibility ${a.VisibilityTimeout ?? '?'} s, ${dlq}` };
    } catch (err) {
      return { ok: false, detail: toChannelError(`GetQueueAttributes on ${queueName(queueUrl)}`, err).message };
    }
  }

  private queueUrl(to: string | undefined): string {
    const problem = queueUrlProblem(to, this.settings.endpoint);
    if (problem) throw new ChannelError('invalid', problem);
    return to!;
  }

  /** SendMessage; on a FIFO queue grouped by workflow (else request) and deduplicated by `dedupKey`. Returns the MessageId. */
  private async send(queueUrl: string, message: SqsMessage, request: Request, dedupKey: string): Promise<string> {
    const bytes = messageBytes(message);
    if (bytes > MAX_MESSAGE_BYTES) {
      throw new ChannelError('invalid', `the SQS message is ${bytes} bytes, over SQS's limit of ${MAX_MESSAGE_BYTES} bytes (256 KiB); shorten the request's body or context`);
    }
    const input: SendMessageCommandInput = { QueueUrl: queueUrl, MessageBody: message.body, MessageAttributes: message.attributes };
    if (isFifo(queueUrl)) {
      input.MessageGroupId = request.workflow_id ?? request.id;
      input.MessageDeduplicationId = deduplicationId(dedupKey);
    }
    try {
      const out = await this.client.send(new SendMessageCommand(input));
      return out.MessageId ?? '';
    } catch (err) {
      throw toChannelError(`SendMessage to ${queueName(queueUrl)}`, err);
    }
  }
}

/** MessageDeduplicationId allows 128 characters of [A-Za-z0-9] and punctuation: a delivery id fits; anything longer is hashed. */
function deduplicationId(key: string): string {
  return /^[\x21-\x7e]{1,128}$/.test(key) ? key : createHash('sha256').update(key).digest('hex');
}

const queueName = (queueUrl: string) => queueUrl.slice(queueUrl.lastIndexOf('/') + 1);

/** The registry's entry: settings from SQS_RESPONSE_QUEUE_URL and the AWS variables (config.ts), one SqsChannel. */
export const sqs: ChannelPlugin<SqsSettings> = {
  name: 'sqs',
  settings: sqsSettings,
  create: (settings, log) => new SqsChannel(settings, log),
};
