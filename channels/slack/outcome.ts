// How a request ended, in words: the outcome line of a settled message ("✅ Approved by <@U1> · 14:02"),
// the short form for the workflow line, and the notice for a late click. Pure.
import type { Outcome, Request, Responder } from '../../src/domain/types.js';
import { isUserId } from './codec.js';
import { escapeMrkdwn } from './mrkdwn.js';

const CHANNEL_LABEL: Record<Responder['channel'], string> = {
  slack: 'Slack',
  discord: 'Discord',
  telegram: 'Telegram',
  email: 'email',
  sqs: 'SQS',
  web: 'the web page',
  api: 'the API',
};

/** `<@U…>` for a Slack user (Slack shows their name); "Ana via Telegram" for anyone else. */
export function who(responder: Responder): string {
  if (responder.channel === 'slack' && isUserId(responder.id)) return `<@${responder.id}>`;
  return `${escapeMrkdwn(responder.name || responder.id)} via ${CHANNEL_LABEL[responder.channel] ?? responder.channel}`;
}

export function labelOf(request: Request, value: string | null): string {
  return request.options.find((o) => o.value === value)?.label ?? value ?? '';
}

type Decision = { emoji: string; verb?: 'Approved' | 'Rejected'; label: string };

function decision(request: Request, value: string | null): Decision {
  const index = request.options.findIndex((o) => o.value === value);
  const option = request.options[index];
  const label = option?.label ?? value ?? '';
  if (request.type === 'approval' && index === 0) return { emoji: '✅', verb: 'Approved', label };
  if (request.type === 'approval' && (option?.style === 'danger' || value === 'reject')) return { emoji: '❌', verb: 'Rejected', label };
  return { emoji: option?.style === 'danger' ? '❌' : '✅', label };
}

export function outcomeEmoji(request: Request): string {
  if (request.state === 'expired') return '⌛';
  if (request.state === 'cancelled') return '🚫';
  return request.response ? decision(request, request.response.value).emoji : '✅';
}

export function shortOutcome(request: Request): string {
  if (request.state === 'expired') return 'expired';
  if (request.state === 'cancelled') return 'cancelled';
  const r = request.response;
  if (!r) return request.state;
  const d = decision(request, r.value);
  const what = d.verb ? d.verb.toLowerCase() : request.type === 'choice' ? escapeMrkdwn(d.label) : 'answered';
  return `${what} by ${who(r.responder)}`;
}

/** `<!date^…>` shows the time in each reader's own time zone; the fallback is UTC. */
export function slackDate(iso: string, format = '{time}'): string {
  const ms = Date.parse(iso);
  if (Number.isNaN(ms)) return escapeMrkdwn(iso);
  const d = new Date(ms);
  const hhmm = `${String(d.getUTCHours()).padStart(2, '0')}:${String(d.getUTCMinutes()).padStart(2, '0')}`;
  const fallback = format === '{time}' ? `${hhmm} UTC` : `${d.toISOString().slice(0, 10)} ${hhmm} UTC`;
  return `<!date^${Math.floor(ms / 1000)}^${format}|${fallback}>`;
}

function closedAt(request: Request, outcome: Outcome): string {
  return request.closed_at ?? outcome.response?.responded_at ?? new Date().toISOString();
}

/** One line: "✅ Approved by <@U1> · 14:02", "⌛ Expired · 14:02", "🚫 Cancelled · 14:02". */
export function outcomeLine(request: Request, outcome: Outcome): string {
  const at = slackDate(closedAt(request, outcome));
  if (outcome.state === 'cancelled') return `🚫 Cancelled · ${at}`;
  if (outcome.state === 'expired') {
    const applied = outcome.response ? ` — *${escapeMrkdwn(labelOf(request, outcome.response.value))}* applied` : '';
    return `⌛ Expired · ${at}${applied}`;
  }
  const r = outcome.response;
  const d = decision(request, r.value);
  const approvers = request.quorum > 1 && d.verb === 'Approved' && request.votes.length > 1 ? request.votes.map((v) => who(v.responder)) : [who(r.responder)];
  const by = approvers.join(', ');
  if (d.verb) return `${d.emoji} ${d.verb} by ${by} · ${at}`;
  if (request.type === 'choice') return `${d.emoji} *${escapeMrkdwn(d.label)}* — chosen by ${by} · ${at}`;
  return `✅ ${request.type === 'form' ? 'Submitted' : 'Answered'} by ${by} · ${at}`;
}



export function plainOutcome(request: Request, outcome: Outcome): string {
  if (outcome.state !== 'resolved') return outcome.state;
  const d = decision(request, outcome.response.value);
  return d.verb ? d.verb.toLowerCase() : request.type === 'choice' ? d.label : 'answered';
}

/** For someone who clicked after the request closed: "Already rejected by Ana via Telegram". */
export function closedNotice(request: Request): string {
  if (request.state === 'cancelled') return 'This request was cancelled.';
  if (request.state === 'expired') {
    const applied = request.response ? ` *${escapeMrkdwn(labelOf(request, request.response.value))}* was applied.` : '';
    return `This request has expired.${applied}`;
  }
  const r = request.response;
  if (!r) return 'This request is already closed.';
  const d = decision(request, r.value);
  if (d.verb) return `Already ${d.verb.toLowerCase()} by ${who(r.responder)}.`;
  if (request.type === 'choice') return `Already answered by ${who(r.responder)}: *${escapeMrkdwn(d.label)}*.`;
  return `Already answered by ${who(r.responder)}.`;
}
