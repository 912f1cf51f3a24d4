// The answer loop every hub process runs (no lease: SQS hands each message to one receiver at a time).
// It long-polls the response queue; each message is handled in turn and deleted only when its handler
// says it is final. While a batch is being handled its unfinished messages are kept invisible
// (ChangeMessageVisibility), so a slow hub does not let another process take them. On stop the message
// in hand is finished and the rest of the batch is released (visibility 0) for another process.
import { ChangeMessageVisibilityCommand, DeleteMessageCommand, type Message, ReceiveMessageCommand, type SQSClient } from '@aws-sdk/client-sqs';
import type { Logger } from 'pino';
import { pause } from '../kit/pause.js';

/** 'delete': the message is dealt with for good; 'keep': leave it to reappear (and in time go to the DLQ). */
export type Disposition = 'delete' | 'keep';

export interface ConsumerTiming {
  /** ReceiveMessage long-poll length (SQS allows up to 20). */
  waitSeconds: number;
  /** While a batch is handled, its unfinished messages are made invisible for this long… */
  holdSeconds: number;
  /** …again every this many milliseconds. */
  extendEveryMs: number;
}

export const DEFAULT_TIMING: ConsumerTiming = { waitSeconds: 20, holdSeconds: 60, extendEveryMs: 20_000 };

const BATCH_SIZE = 10;
const MAX_BACKOFF_MS = 30_000;

export interface ConsumerOptions {
  client: SQSClient;
  queueUrl: string;
  log: Logger;
  timing: ConsumerTiming;
  handle(message: Message): Promise<Disposition>;
}

export class Consumer {
  private readonly stopping = new AbortController();
  private running?: Promise<void>;

  constructor(private readonly o: ConsumerOptions) {}

  start(): void {
    this.running ??= this.loop();
  }

  /** Finishes the message in hand, releases the rest of its batch and stops polling. */
  async stop(): Promise<void> {
    this.stopping.abort();
    await this.running;
  }

  private async loop(): Promise<void> {
    const signal = this.stopping.signal;
    let failures = 0;
    while (!signal.aborted) {
      let messages: Message[];
      try {
        const received = await this.o.client.send(
          new ReceiveMessageCommand({
            QueueUrl: this.o.queueUrl,
            MaxNumberOfMessages: BATCH_SIZE,
            WaitTimeSeconds: this.o.timing.waitSeconds,
            MessageAttributeNames: ['All'],
            MessageSystemAttributeNames: ['ApproximateReceiveCount'],
          }),
          { abortSignal: signal },
        );
        messages = received.Messages ?? [];
        failures = 0;
      } catch (err) {
        if (signal.aborted) return;
        this.o.log.warn({ err: (err as Error).message }, 'sqs: ReceiveMessage on the response queue failed');
        await pause(Math.min(MAX_BACKOFF_MS, 500 * 2 ** Math.min(++failures, 6)), signal);
        continue;
      }
      if (messages.length > 0) await this.handleBatch(messages, signal);
    }
  }

  private async handleBatch(messages: Message[], signal: AbortSignal): Promise<void> {
    const pending = new Set(messages);
    const heartbeat = setInterval(() => void this.hold([...pending]), this.o.timing.extendEveryMs);
    try {
      for (const message of messages) {
        if (signal.aborted) break;
        await this.handleOne(message);
        pending.delete(message);
      }
    } finally {
      clearInterval(heartbeat);
      if (pending.size > 0) await this.release([...pending]);
    }
  }

  private async handleOne(message: Message): Promise<void> {
    let disposition: Disposition;
    try {
      disposition = await this.o.handle(message);
    } catch (err) {
      // The hub could not record it (the database is down?): it comes back after the visibility timeout.
      this.o.log.error({ err: (err as Error).message, message_id: message.MessageId }, 'sqs: handling an answer failed; it will be received again');
      return;
    }
    if (disposition === 'keep') return;
    await this.o.client
      .send(new DeleteMessageCommand({ QueueUrl: this.o.queueUrl, ReceiptHandle: message.ReceiptHandle }))
      .catch((err: Error) => this.o.log.warn({ err: err.message, message_id: message.MessageId }, 'sqs: DeleteMessage failed; the message will be received again and recognised'));
  }

  private async hold(messages: Message[]): Promise<void> {
    await this.setVisibility(messages, this.o.timing.holdSeconds, 'extending');
  }

  private async release(messages: Message[]): Promise<void> {
    await this.setVisibility(messages, 0, 'releasing');
  }

  private async setVisibility(messages: Message[], seconds: number, doing: string): Promise<void> {
    await Promise.all(
      messages.map((m) =>
        this.o.client
          .send(new ChangeMessageVisibilityCommand({ QueueUrl: this.o.queueUrl, ReceiptHandle: m.ReceiptHandle, VisibilityTimeout: seconds }))
          .catch((err: Error) => this.o.log.warn({ err: err.message, message_id: m.MessageId }, `sqs: ${doing} a message's visibility failed`)),
      ),
    );
  }
}
