// The SQS channel's section of the environment. SQS_RESPONSE_QUEUE_URL turns it on: every hub process
// long-polls it for answers. AWS_REGION and the default credentials chain are the SDK's own; the endpoint
// (AWS_ENDPOINT_URL_SQS, which the SDK also reads by itself) is passed explicitly so tests and LocalStack
// can point the client at another host.
import { z } from 'zod';
import { envVar, requiredVar } from '../kit/settings.js';

const HTTP_URL = /^https?:\/\/[^\s/?#]+(\/[^\s?#]*)?$/;
/** https://sqs.<region>.amazonaws.com/<account>/<name>, the queue URL AWS gives out. */
const AWS_QUEUE_URL = /^https:\/\/sqs\.([a-z0-9-]+)\.amazonaws\.com(\.cn)?\/(\d{12})\/([A-Za-z0-9_-]{1,80}(\.fifo)?)$/;

export const sqsSettings = z
  .object({
    SQS_RESPONSE_QUEUE_URL: requiredVar.pipe(z.string().regex(HTTP_URL, 'must be the URL of the queue answers come back on')),
    AWS_REGION: envVar,
    AWS_ENDPOINT_URL_SQS: envVar.pipe(z.string().regex(HTTP_URL, 'must be the http(s) URL of an SQS endpoint').optional()),
  })
  .transform((env) => ({
    responseQueueUrl: env.SQS_RESPONSE_QUEUE_URL,
    region: env.AWS_REGION ?? regionOf(env.SQS_RESPONSE_QUEUE_URL) ?? 'us-east-1',
    endpoint: env.AWS_ENDPOINT_URL_SQS?.replace(/\/+$/, ''),
  }));

export type SqsSettings = z.output<typeof sqsSettings>;

function regionOf(queueUrl: string): string | undefined {
  return AWS_QUEUE_URL.exec(queueUrl)?.[1];
}

/** Why `to` is not a queue this channel can send to, or undefined when it is. */
export function queueUrlProblem(to: string | undefined, endpoint: string | undefined): string | undefined {
  if (!to) return 'sqs recipients need `to`: the URL of the queue to send the request to';
  if (AWS_QUEUE_URL.test(to)) return undefined;
  if (endpoint && isUnder(to, endpoint)) return undefined;
  return 'sqs `to` must be a queue URL, e.g. https://sqs.us-east-1.amazonaws.com/123456789012/approvals';
}

/** A queue URL on the configured endpoint's host (LocalStack, a test server): <endpoint>/<account>/<name>. */
function isUnder(to: string, endpoint: string): boolean {
  try {
    const url = new URL(to);
    const base = new URL(endpoint);
    return url.origin === base.origin && /^\/[^/]+\/[A-Za-z0-9_-]{1,80}(\.fifo)?$/.test(url.pathname);
  } catch {
    return false;
  }
}

export const isFifo = (queueUrl: string) => queueUrl.endsWith('.fifo');
