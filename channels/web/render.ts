import { escapeHtml as e, markdownToHtml } from '../../src/domain/markdown.js';
import { approvalsSoFar, outcomeSentence, type TextStyle } from '../../src/domain/outcome-text.js';
import type { Field, Option, Request } from '../../src/domain/types.js';

export interface PageNotice {
  kind: 'ok' | 'error' | 'info';
  text: string;
}

export interface PageOptions {
  /** The CSRF token the form must send back (see CapabilityTokens.formToken). */
  formToken: string;
  notice?: PageNotice;
  /** Who this link answers as, shown to the person holding it. */
  linkNote?: string;
  /** An option's value the link came with (an email's button): the form asks to confirm it. Unknown values are ignored. */
  preselect?: string;
}

const STYLE = `body{font:16px/1.5 system-ui,sans-serif;max-width:40rem;margin:2rem auto;padding:0 1rem;color:#1d1d1f}
h1{font-size:1.5rem;margin:0 0 .5rem}dl{display:grid;grid-template-columns:max-content 1fr;gap:.25rem 1rem}
dt{color:#666}dd{margin:0;word-break:break-word}.notice{padding:.75rem 1rem;border-radius:.5rem;margin:1rem 0}
.ok{background:#e6f4ea}.error{background:#fce8e6}.info{background:#e8f0fe}label{display:block;margin:.75rem 0 .25rem}
input[type=text],input[type=number],textarea,select{width:100%;padding:.5rem;box-sizing:border-box;font:inherit}
.actions{display:flex;gap:.5rem;flex-wrap:wrap;margin-top:1rem}button{font:inherit;padding:.5rem 1.25rem;border-radius:.4rem;border:1px solid #999;background:#fff;cursor:pointer}
button.primary{background:#1a73e8;color:#fff;border-color:#1a73e8}button.danger{background:#d93025;color:#fff;border-color:#d93025}
.meta{color:#666;font-size:.9rem}.comment{margin:.5rem 0 0;padding-left:.75rem;border-left:3px solid #999;white-space:pre-wrap}`;

function fieldInput(f: Field): string {
  const name = `f.${e(f.name)}`;
  const req = f.required ? ' required' : '';
  const label = `<label for="${name}">${e(f.label)}${f.required ? ' *' : ''}</label>`;
  switch (f.type) {
    case 'textarea':
      return `${label}<textarea id="${name}" name="${name}" rows="4"${req}></textarea>`;
    case 'number':
      return `${label}<input type="number" step="any" id="${name}" name="${name}"${req}>`;
    case 'boolean':
      // The hidden "false" goes first, so an unticked box still answers (the last value wins).
      return `<input type="hidden" name="${name}" value="false"><label><input type="checkbox" name="${name}" value="true"> ${e(f.label)}</label>`;
    case 'select':
      return `${label}<select id="${name}" name="${name}"${req}><option value=""></option>${(f.options ?? [])
        .map((o) => `<option value="${e(o.value)}">${e(o.label)}</option>`)
        .join('')}</select>`;
    default:
      return `${label}<input type="text" id="${name}" name="${name}"${req}>`;
  }
}

const optionButton = (o: Option, label = o.label, style = o.style ?? 'default') =>
  `<button type="submit" name="value" value="${e(o.value)}" class="${e(style)}">${e(label)}</button>`;

const commentBox = '<label for="comment">Comment (optional)</label><textarea id="comment" name="comment" rows="2"></textarea>';
const nameBox = '<label for="name">Your name (optional, shown with your answer)</label><input type="text" id="name" name="name" maxlength="200">';
const tokenInput = (formToken: string) => `<input type="hidden" name="form_token" value="${e(formToken)}">`;

/**
 * The form for an option chosen in advance (an email's button): one primary "Confirm: Approve" button,
 * which Enter also presses as the form's first, and the other options set apart. Only posting it decides.
 */
function confirmForm(r: Request, chosen: Option, formToken: string): string {
  const others = r.options.filter((o) => o !== chosen);
  const elsewhere = others.length ? `<div class="meta"><p>Or choose another answer:</p><div class="actions">${others.map((o) => optionButton(o)).join('')}</div></div>` : '';
  return `<form method="post">${tokenInput(formToken)}<p class="notice info">You are answering <strong>${e(chosen.label)}</strong>.</p>${commentBox}
${nameBox}
<div class="actions">${optionButton(chosen, `Confirm: ${chosen.label}`, 'primary')}</div>${elsewhere}</form>`;
}

function answerForm(r: Request, formToken: string): string {
  const buttons = r.type === 'approval' || r.type === 'choice' ? r.options.map((o) => optionButton(o)).join('') : '<button type="submit" class="primary">Submit</button>';
  const main =
    r.type === 'text'
      ? '<label for="value">Your answer *</label><textarea id="value" name="value" rows="4" required></textarea>'
      : r.type === 'form'
        ? r.fields.map(fieldInput).join('\n')
        : '';
  const comment = r.type === 'text' ? '' : commentBox;
  return `<form method="post">${tokenInput(formToken)}${main}${comment}
${nameBox}
<div class="actions">${buttons}</div></form>`;
}

const html: TextStyle = { escape: e, strong: (t) => `<strong>${e(t)}</strong>` };

/** "Approved by Ana via Slack." (every approval of a quorum), when, in UTC, and the deciding answer's comment. */
function outcomeText(r: Request): string {
  const at = r.closed_at ? ` <span class="meta">${e(utc(r.closed_at))}</span>` : '';
  const comment = r.response?.comment ? `<blockquote class="comment">${e(r.response.comment)}</blockquote>` : '';
  return `${outcomeSentence(r, html)}${at}${comment}`;
}

const utc = (iso: string) => (Number.isNaN(Date.parse(iso)) ? iso : `${new Date(iso).toISOString().slice(0, 16).replace('T', ' ')} UTC`);

/** The request's own page: what is asked, and the form while it is pending. */
export function renderPage(r: Request, { formToken, notice, linkNote, preselect }: PageOptions): string {
  const context = Object.entries(r.context);
  const contextHtml = context.length
    ? `<dl>${context.map(([k, v]) => `<dt>${e(k)}</dt><dd>${e(typeof v === 'string' ? v : JSON.stringify(v))}</dd>`).join('')}</dl>`
    : '';
  const votes = r.quorum > 1 && r.state === 'pending' ? `<p class="meta">${approvalsSoFar(r, html)}</p>` : '';
  const deadline = r.expires_at && r.state === 'pending' ? `<p class="meta">Answer by ${e(r.expires_at)}</p>` : '';
  const note = linkNote && r.state === 'pending' ? `<p class="meta">${e(linkNote)}</p>` : '';
  const chosen = preselect === undefined || r.type === 'text' || r.type === 'form' ? undefined : r.options.find((o) => o.value === preselect);
  const form = chosen ? confirmForm(r, chosen, formToken) : answerForm(r, formToken);
  const state = r.state === 'pending' ? form : `<div class="notice info">${outcomeText(r)}</div>`;
  const noticeHtml = notice ? `<div class="notice ${notice.kind}" role="status">${e(notice.text)}</div>` : '';
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<meta name="robots" content="noindex"><title>${e(r.title)} · Switchboard</title><style>${STYLE}</style></head><body>
<h1>${e(r.title)}</h1>${r.workflow_id ? `<p class="meta">Workflow ${e(r.workflow_id)}</p>` : ''}
${noticeHtml}${r.body ? markdownToHtml(r.body) : ''}${contextHtml}${votes}${deadline}${note}${state}</body></html>`;
}

export function renderMessage(title: string, text: string): string {
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>${e(title)}</title><style>${STYLE}</style></head>
<body><h1>${e(title)}</h1><p>${e(text)}</p></body></html>`;
}
