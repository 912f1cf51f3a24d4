// SDK failures as ChannelErrors, so the job runner knows whether to retry. Messages carry the operation,
// the error's name and AWS's own message: credentials are signed into headers and never appear in either.
import { SQSServiceException } from '@aws-sdk/client-sqs';
import { ChannelError, type ChannelErrorKind } from '../channel.js';

const GONE = new Set(['QueueDoesNotExist', 'AWS.SimpleQueueService.NonExistentQueue', 'ResourceNotFoundException', 'QueueDeletedRecently']);
const AUTH = new Set([
  'AccessDenied',
  'AccessDeniedException',
  'InvalidSecurity',
  'InvalidClientTokenId',
  'UnrecognizedClientException',
  'SignatureDoesNotMatch',
  'IncompleteSignature',
  'ExpiredToken',
  'MissingAuthenticationToken',
  'CredentialsProviderError',
  'KmsAccessDenied',
]);
const THROTTLED = new Set(['RequestThrottled', 'ThrottlingException', 'KmsThrottled', 'OverLimit']);

/** `what` names the operation and queue ("SendMessage to …/approvals"). */
export function toChannelError(what: string, err: unknown): ChannelError {
  if (err instanceof ChannelError) return err;
  const e = err as Error & { $fault?: string; $metadata?: { httpStatusCode?: number } };
  const name = e?.name ?? 'Error';
  const message = `SQS ${what}: ${name}: ${e?.message ?? String(err)}`;
  return new ChannelError(kindOf(name, e, err instanceof SQSServiceException), message, THROTTLED.has(name) ? 1000 : undefined);
}

function kindOf(name: string, e: { $fault?: string; $metadata?: { httpStatusCode?: number } }, fromSqs: boolean): ChannelErrorKind {
  if (GONE.has(name)) return 'not_found';
  if (AUTH.has(name) || e.$metadata?.httpStatusCode === 403) return 'auth';
  if (THROTTLED.has(name)) return 'rate_limited';
  // Not an SQS answer at all (connection refused, DNS, a timeout): worth another try.
  if (!fromSqs) return 'network';
  return e.$fault === 'server' ? 'network' : 'invalid';
}
