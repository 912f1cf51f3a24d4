// Pure rendering of Switchboard's mail: the request (a text part and an HTML part with the same content,
// its buttons the recipient's own links to the web page with the option preselected), the follow-up once
// the request closed (the shared outcome wording), and short notices. Email has room: the body, the
// context and answers go in whole (the create schema's limits bound them). No I/O.
import { LIMITS } from '../../src/domain/limits.js';
import { escapeHtml, markdownToHtml } from '../../src/domain/markdown.js';
import { followUpText, PLAIN, type TextStyle } from '../../src/domain/outcome-text.js';
import type { Outcome, Request } from '../../src/domain/types.js';
import * as parts from '../kit/message-parts.js';
import { outcomeEmoji } from '../kit/outcome-emoji.js';
import { approversLine, votesLine } from '../kit/status-lines.js';
import { howToAnswer } from './answer-words.js';
import * as html from './render-html.js';

export interface MailContent {
  subject: string;
  text: string;
  html: string;
}

export interface RequestMailOptions {
  /** One per option (approval/choice): the recipient's own link to the web page with the option preselected. For text/form: one "Answer" link. */
  links: html.MailButton[];
  /** hub.history(workflow_id): recent decisions, newest first. */
  history?: Request[];
  /** Replies are read (IMAP on): say how to answer by reply. */
  replies: boolean;
  /** The address the links answer as, named in the footer. */
  to?: string;
}

const SUBJECT_MAX = 200;
const PREHEADER_MAX = 140;
/** Email shows answers whole: the largest a request or an answer may be. */
const WHOLE = { answer: LIMITS.answerText, comment: LIMITS.comment, label: LIMITS.fieldLabel, value: LIMITS.fieldValue };

/** Plain text: the shared PLAIN words, with quoted answers marked as mail quotes. */
const plainText: TextStyle = { ...PLAIN, quote: (t) => t.split('\n').map((l) => `> ${l}`).join('\n') };

/** The title as a subject: one line, no control characters, at most 200 characters. */
export function mailSubject(title: string): string {
  const line = title.replace(/[\p{Cc}\u2028\u2029]+/gu, ' ').replace(/\s+/g, ' ').trim();
  return parts.truncate(line || 'Request', SUBJECT_MAX);
}

/** The request as first sent: what is asked, its context, the deadline, recent decisions, and one button per option. */
export function renderRequestMail(request: Request, o: RequestMailOptions): MailContent {
  const body = request.body?.trim() ?? '';
  const context = Object.entries(request.context ?? {});
  const recent = (style: TextStyle) => parts.recentClosed(request, o.history ?? []).map((h) => parts.recentLine(h, style, SUBJECT_MAX));
  const footerText = o.to ? `These links answer as ${o.to}; do not forward this email.` : 'These links are yours alone and answer as you; do not forward this email.';
  const hint = o.replies ? replyHint(request) : undefined;

  const text = [
    request.title,
    body,
    context.length ? ['Context:', ...context.map(([k, v]) => `  ${k}: ${parts.formatValue(v, plainText, LIMITS.jsonBytes)}`)].join('\n') : '',
    statusLines(request, plainText).join('\n'),
    workflowLines(request, recent(plainText), plainText).join('\n'),
    ['Answer by opening your link:', ...o.links.map((l) => `  ${l.label}: ${l.url}`)].join('\n'),
    hint ?? '',
    `-- \n${footerText}`,
  ];

  const recentHtml = recent(html.htmlText);
  const content = [
    html.heading(request.title),
    body ? markdownToHtml(body) : '',
    context.length ? html.keyValueTable(context.map(([k, v]) => [k, parts.formatValue(v, html.htmlText, LIMITS.jsonBytes)])) : '',
    html.lines(statusLines(request, html.htmlText)),
    request.workflow_id ? html.paragraph(`Workflow ${html.code(request.workflow_id)}`, true) : '',
    recentHtml.length ? `${html.subheading('Recent decisions')}${html.lines(recentHtml)}` : '',
    html.buttons(o.links),
    hint ? html.paragraph(escapeHtml(hint).replace(/\n/g, '<br>'), true) : '',
    html.footer(footerText),
  ];
  return { subject: mailSubject(request.title), text: join(text), html: html.htmlDocument(request.title, preheader(request), content.filter(Boolean)) };
}

/**
 * The follow-up after the request closed, in the recipient's thread: to the person who decided, a
 * confirmation ("Your answer was recorded: Approved …"); to everyone else, "Approved by Ana via Slack —
 * no action needed". What was answered follows.
 */
export function renderOutcomeMail(request: Request, outcome: Outcome, o: { decidedHere: boolean; pageUrl?: string }): MailContent {
  const at = parts.utcTime(parts.closedAt(request, outcome));
  const emoji = outcomeEmoji(parts.closedAs(request, outcome));
  const headline = (style: TextStyle) => `${emoji} ${followUpText(request, outcome, o.decidedHere, style, at)}`;
  const text = [headline(plainText), ...parts.answerLines(request, outcome, plainText, WHOLE), o.pageUrl ? `The request: ${o.pageUrl}` : ''];
  const content = [
    html.heading(request.title),
    html.paragraph(headline(html.htmlText)),
    html.lines(parts.answerLines(request, outcome, html.htmlText, WHOLE)),
    o.pageUrl ? html.paragraph(`<a href="${escapeHtml(o.pageUrl)}" target="_blank" rel="noopener" style="color:#1a73e8;">See the request</a>`, true) : '',
  ];
  return { subject: `Re: ${mailSubject(request.title)}`, text: join(text), html: html.htmlDocument(request.title, headline(PLAIN), content.filter(Boolean)) };
}

/** A short notice (how to answer, why a reply was refused): the text as it is, and the same in minimal HTML. */
export function renderNotice(text: string): Pick<MailContent, 'text' | 'html'> {
  const paragraphs = text.trim().split(/\n{2,}/).map((p) => html.paragraph(escapeHtml(p).replace(/\n/g, '<br>')));
  return { text: text.trim(), html: html.htmlDocument('Switchboard', text.trim().split('\n')[0] ?? '', paragraphs) };
}

/** The deadline with what happens then, who may answer, and the votes so far. */
function statusLines(request: Request, style: TextStyle): string[] {
  const deadline = request.expires_at
    ? `⏳ Answer by ${parts.utcDateTime(request.expires_at, style)}${parts.timeoutFallback(request, style) || ' · then the request expires unanswered'}`
    : undefined;
  return [deadline, approversLine(request), votesLine(request, style)].filter((l): l is string => !!l);
}

function workflowLines(request: Request, recent: string[], style: TextStyle): string[] {
  if (!request.workflow_id) return [];
  return [`Workflow ${style.escape(request.workflow_id)}`, ...(recent.length ? ['Recent decisions:', ...recent.map((l) => `  ${l}`)] : [])];
}

/** How to answer by replying; the reply reader (answer-words.ts) understands exactly this. */
function replyHint(request: Request): string {
  return `You can also answer by replying to this email. ${howToAnswer(request)}`;
}

/** The line inboxes show after the subject: the start of the body, or what is asked. */
function preheader(request: Request): string {
  const start = (request.body ?? '').replace(/[#*_`>[\]()]/g, '').replace(/\s+/g, ' ').trim();
  return parts.truncate(start || (request.type === 'approval' ? 'Your approval is requested.' : 'Your answer is requested.'), PREHEADER_MAX);
}

const join = (sections: string[]) => `${sections.filter((s) => s.trim()).join('\n\n')}\n`;
