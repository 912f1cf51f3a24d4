// How a request's end is worded, for every channel: one module, one table of channel names.
import type { Request } from './types.js';

/** "Already approved by Ana via Slack", "Already expired", … */
export function closedReason(request: Request): string {
  if (request.state === 'cancelled') return 'This request was cancelled.';
  if (request.state === 'expired') return 'This request has expired.';
  const r = request.response;
  if (!r) return `This request is already ${request.state}.`;
  const label = request.options.find((o) => o.value === r.value)?.label ?? r.value;
  return `Already ${label ? pastTense(label) : 'answered'} by ${r.responder.name ?? r.responder.id} via ${channelTitle(r.responder.channel)}.`;
}

function pastTense(label: string): string {
  const l = label.toLowerCase();
  if (l === 'approve') return 'approved';
  if (l === 'reject') return 'rejected';
  return `answered "${label}"`;
}

export function channelTitle(channel: string): string {
  return channel === 'api' ? 'the API' : channel === 'sqs' ? 'SQS' : channel.charAt(0).toUpperCase() + channel.slice(1);
}
