import { markdownToHtml } from '../../domain/markdown.js';
import { outcomeSentence, type TextStyle } from '../../domain/outcome-text.js';
import type { Request, Response } from '../../domain/types.js';
import type { AuditEntry } from '../../store/audit-log.js';
import type { WebhookAttemptRow } from '../../store/console.js';
import { withoutTokens } from '../audit-log.js';
import { operatorAnswerForm } from './answer-form.js';
import { badge, e, layout, noticeHtml, timeHtml, tokenInput, type Notice, type Signed } from './layout.js';

export interface RequestPageData {
  request: Request;
  audit: AuditEntry[];
  attempts: WebhookAttemptRow[];
  /** What this operator's key may do here. */
  can: { answer: boolean; write: boolean };
  operatorId: string;
  notice?: Notice;
}

const html: TextStyle = { escape: e, strong: (t) => `<strong>${e(t)}</strong>` };
const json = (v: unknown) => `<pre>${e(JSON.stringify(v, null, 1))}</pre>`;
/** An event's data as `key: value` lines, nested values as compact JSON. */
const details = (data: unknown) =>
  `<pre>${e(Object.entries(data as Record<string, unknown>).map(([k, v]) => `${k}: ${typeof v === 'string' ? v : JSON.stringify(v)}`).join('\n'))}</pre>`;
const who = (r: Response['responder']) => `${e(r.name ?? r.id)} <span class="meta">${e(`${r.channel}:${r.id}`)}</span>`;

function table(caption: string, head: string[], rows: string[][], empty: string): string {
  if (!rows.length) return `<h2>${e(caption)}</h2><p class="meta">${e(empty)}</p>`;
  const th = head.map((h) => `<th scope="col">${e(h)}</th>`).join('');
  const body = rows.map((cells) => `<tr>${cells.map((c) => `<td>${c}</td>`).join('')}</tr>`).join('');
  return `<h2>${e(caption)}</h2><table aria-label="${e(caption)}"><thead><tr>${th}</tr></thead><tbody>${body}</tbody></table>`;
}

function actions(d: RequestPageData, formToken: string): string {
  const r = d.request;
  const out: string[] = [];
  if (r.state === 'pending' && d.can.answer) out.push(operatorAnswerForm(r, formToken, d.operatorId));
  if (r.state === 'pending' && d.can.write) {
    out.push(`<section class="panel" aria-labelledby="cancel-h"><h2 id="cancel-h">Cancel</h2><form method="post" action="/ui/requests/${e(r.id)}/cancel">${tokenInput(formToken)}
<p><label for="reason">Reason (optional)</label><br><input type="text" id="reason" name="reason" maxlength="500" size="50"></p>
<button type="submit" class="danger">Cancel request</button></form></section>`);
  }
  return out.join('');
}

function webhookSection(d: RequestPageData, formToken: string): string {
  const cb = d.request.callback;
  if (!cb) return '<h2>Webhook</h2><p class="meta">This request has no callback_url.</p>';
  const redeliver = d.can.write && d.request.state !== 'pending' && cb.status !== 'pending'
    ? `<form method="post" action="/ui/requests/${e(d.request.id)}/redeliver">${tokenInput(formToken)}<button type="submit">Redeliver webhook</button></form>`
    : '';
  const rows = d.attempts.map((a) => [String(a.attempt), a.status === null ? 'no answer' : badge(a.status < 300 ? 'ok' : 'error') + ` ${a.status}`,
    `${a.latency_ms} ms`, e(a.error ?? ''), timeHtml(a.at)]);
  return `<h2>Webhook</h2><p>${e(cb.url)} ${badge(cb.status)}</p>${redeliver}` +
    table('Webhook attempts', ['Attempt', 'Status', 'Latency', 'Error', 'At'], rows, 'No attempts yet.');
}

/** One request: what was asked, where it went, who answered, what happened, and what the operator may do. */
export function requestPage(d: RequestPageData, signed: Signed): string {
  const r = d.request;
  const context = Object.entries(r.context);
  const facts: [string, string][] = [
    ['State', badge(r.state)], ['Type', e(r.type)], ['Id', `<code>${e(r.id)}</code>`], ['Created', timeHtml(r.created_at)],
    ...(r.expires_at ? [['Expires', timeHtml(r.expires_at)] as [string, string]] : []),
    ...(r.closed_at ? [['Closed', timeHtml(r.closed_at)] as [string, string]] : []),
    ...(r.workflow_id ? [['Workflow', e(r.workflow_id)] as [string, string]] : []),
    ...(r.approvers.length ? [['Approvers', e(r.approvers.join(', '))] as [string, string]] : []),
    ...(r.quorum > 1 ? [['Quorum', `${r.votes.length} of ${r.quorum}`] as [string, string]] : []),
  ];
  const body = `<p><a href="/ui">← All requests</a> · <a href="/ui/requests/${e(r.id)}">Refresh</a></p>
<h1>${e(r.title)}</h1>${noticeHtml(d.notice)}
<dl>${facts.map(([k, v]) => `<dt>${k}</dt><dd>${v}</dd>`).join('')}</dl>
${r.body ? `<div class="panel">${markdownToHtml(r.body)}</div>` : ''}
${context.length ? `<h2>Context</h2><dl>${context.map(([k, v]) => `<dt>${e(k)}</dt><dd>${e(typeof v === 'string' ? v : JSON.stringify(v))}</dd>`).join('')}</dl>` : ''}
${r.state === 'pending' ? '' : `<h2>Response</h2><p class="notice info">${outcomeSentence(r, html)}</p>${r.response?.comment ? `<p>Comment: ${e(r.response.comment)}</p>` : ''}${r.response && Object.keys(r.response.fields).length ? json(r.response.fields) : ''}`}
${actions(d, signed.formToken)}
${table('Deliveries', ['Channel', 'To', 'Status', 'Error'], r.deliveries.map((x) => [e(x.channel), e(x.to ?? ''), badge(x.status), e(x.error ?? '')]), 'No deliveries.')}
${table('Votes', ['Who', 'Value', 'Comment', 'At'], r.votes.map((v) => [who(v.responder), e(v.value ?? ''), e(v.comment ?? ''), timeHtml(v.responded_at)]), 'No votes yet.')}
${webhookSection(d, signed.formToken)}
${table('Audit trail', ['At', 'Event', 'Actor', 'Details'], d.audit.map((a) => [timeHtml(a.at), `<code>${e(a.type)}</code>`, e(a.actor ?? ''), details(withoutTokens(a.data))]), 'No events.')}`;
  return layout(r.title, body, signed);
}
