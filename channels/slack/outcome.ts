// How a request ended, as Slack shows it: the words come from src/domain/outcome-text.ts; Slack adds
// mrkdwn, mentions of its own users (<@U…>, which Slack shows as their name), dates each reader sees in
// their own time zone, and an emoji. Pure.
import * as text from '../../src/domain/outcome-text.js';
import type { Outcome, Request, Responder } from '../../src/domain/types.js';
import { outcomeEmoji } from '../kit/outcome-emoji.js';
import { isUserId } from './codec.js';
import { escapeMrkdwn } from './mrkdwn.js';

export const slackText: text.TextStyle = {
  escape: escapeMrkdwn,
  strong: (t) => `*${escapeMrkdwn(t)}*`,
  person: (r) => (r.channel === 'slack' && isUserId(r.id) ? `<@${r.id}>` : undefined),
};

/** `<@U…>` for a Slack user; "Ana via Telegram" for anyone else. */
export const who = (responder: Responder): string => text.who(responder, slackText);

export { outcomeEmoji } from '../kit/outcome-emoji.js';

/** "approved by <@U1>", "expired": for the workflow's recent decisions. */
export const shortOutcome = (request: Request): string => text.shortOutcome(request, slackText);

/** `<!date^…>` shows the time in each reader's own time zone; the fallback is UTC. */
export function slackDate(iso: string, format = '{time}'): string {
  const ms = Date.parse(iso);
  if (Number.isNaN(ms)) return escapeMrkdwn(iso);
  const d = new Date(ms);
  const hhmm = `${String(d.getUTCHours()).padStart(2, '0')}:${String(d.getUTCMinutes()).padStart(2, '0')}`;
  const fallback = format === '{time}' ? `${hhmm} UTC` : `${d.toISOString().slice(0, 10)} ${hhmm} UTC`;
  return `<!date^${Math.floor(ms / 1000)}^${format}|${fallback}>`;
}

/** One line: "✅ Approved by <@U1> · 14:02", "⌛ Expired · 14:02", "🚫 Cancelled · 14:02". */
export function outcomeLine(request: Request, outcome: Outcome): string {
  const at = request.closed_at ?? outcome.response?.responded_at ?? new Date().toISOString();
  const closed = { ...request, state: outcome.state, response: outcome.response };
  return `${outcomeEmoji(closed)} ${text.outcomeLine(request, outcome, slackText, slackDate(at))}`;
}

/** For someone who clicked after the request closed: "Already rejected by Ana via Telegram." */
export const closedNotice = (request: Request): string => text.closedReason(request, slackText);
