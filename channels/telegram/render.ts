// Pure rendering of a request for Telegram (HTML parse mode, everything escaped): the pending message with
// its inline keyboard, the closed message with its outcome (worded by src/domain/outcome-text.ts) and no
// keyboard, and the ForceReply prompt for text and form answers. No I/O; unit-tested on its own.
import type { ForceReply, InlineKeyboardButton, InlineKeyboardMarkup, User } from 'grammy/types';
import { approversLine, chunk, votesLine } from '../kit/status-lines.js';
import * as parts from '../kit/message-parts.js';
import type * as words from '../../src/domain/outcome-text.js';
import type { Field, Option, Outcome, Request } from '../../src/domain/types.js';
import { answerData, CALLBACK_DATA_MAX_BYTES, optionData, promptFooter } from './codec.js';
import { escapeHtml, markdownToTelegramHtml, truncate, truncateHtml, visibleLength } from './html.js';

/** Telegram's documented limits (core.telegram.org/bots/api), enforced here. */
export const LIMITS = {
  /** sendMessage / editMessageText: 1-4096 characters after entity parsing. */
  text: 4096,
  callbackData: CALLBACK_DATA_MAX_BYTES,
  /** answerCallbackQuery: 0-200 characters. */
  callbackAnswer: 200,
  /** ForceReply.input_field_placeholder: 1-64 characters. */
  placeholder: 64,
} as const;

const TITLE_MAX = 200;
const BODY_MAX = 3000;
const CONTEXT_KEY_MAX = 100;
const CONTEXT_VALUE_MAX = 300;
const HISTORY_LINE_MAX = 150;
/** Status or outcome lines (an answer, a comment, a form's fields) take at most this much. */
const TAIL_MAX = 2400;
/** Room the body leaves for context lines, when there are any. */
const CONTEXT_MIN = 400;
const ANSWER_SHOWN = 1500;
const COMMENT_SHOWN = 500;
/** Labels up to this long sit two to a row; longer ones get a row each so Telegram does not cut them. */
const SHORT_LABEL = 20;

const code = (t: string) => `<code>${escapeHtml(t)}</code>`;

/** How outcome words are marked up in Telegram HTML. */
export const telegramText: words.TextStyle = {
  escape: escapeHtml,
  strong: (t) => `<b>${escapeHtml(t)}</b>`,
  code,
  quote: (t) => `<blockquote>${escapeHtml(t)}</blockquote>`,
};

export interface RenderOptions {
  /** Recent closed requests of the same workflow, newest first (from hub.history). */
  history?: Request[];
  /** The recipient's own link to the request's web page (forms): a URL button. */
  formUrl?: string;
}

export interface TelegramMessage {
  /** HTML (parse_mode HTML). */
  text: string;
  /** Absent on a closed message: editMessageText without reply_markup removes the keyboard. */
  keyboard?: InlineKeyboardMarkup;
}

/** The message as first delivered: everything a reviewer needs, and the buttons to decide. */
export function renderPending(request: Request, opts: RenderOptions = {}): TelegramMessage {
  const status = [deadlineLine(request), approversLine(request), votesLine(request, telegramText), replyHint(request, !!opts.formUrl)];
  return { text: compose(request, opts, status.filter((l): l is string => !!l)), keyboard: keyboard(request, opts.formUrl) };
}

/** The message after the request closed: the same description, the outcome, no keyboard. */
export function renderClosed(request: Request, outcome: Outcome, opts: RenderOptions = {}): TelegramMessage {
  return { text: compose(request, { history: opts.history }, outcomeLines(request, outcome)) };
}

/** "✅ Approved by Ana via Slack · 14:02 UTC", in the shared wording. */
export function outcomeLine(request: Request, outcome: Outcome): string {
  return parts.outcomeLine(request, outcome, telegramText);
}

/**
 * Title, body, context and the workflow's recent decisions, then `tail` (status or outcome lines), within
 * Telegram's 4,096 characters: the title and the tail come first, the body takes what is left, then
 * context lines fill the rest.
 */
function compose(request: Request, opts: RenderOptions, tail: string[]): string {
  const sep = 2;
  const title = `<b>${escapeHtml(truncate(request.title, TITLE_MAX))}</b>`;
  const end = [...workflowLines(request, opts.history ?? []), truncateHtml(tail.join('\n'), TAIL_MAX)].filter(Boolean).join('\n');
  let room = LIMITS.text - visibleLength(title) - (end ? visibleLength(end) + sep : 0);
  const sections = [title];
  const body = request.body?.trim();
  if (body) {
    const html = markdownToTelegramHtml(truncate(body, Math.max(0, Math.min(BODY_MAX, room - sep - CONTEXT_MIN))));
    if (html) {
      sections.push(html);
      room -= visibleLength(html) + sep;
    }
  }
  const context = contextLines(request.context, room - sep);
  if (context) sections.push(context);
  if (end) sections.push(end);
  return truncateHtml(sections.join('\n\n'), LIMITS.text);
}

/** "<b>key</b> value" a line, as many as fit in `room` visible characters, then how many were left out. */
function contextLines(context: Record<string, unknown>, room: number): string {
  const entries = Object.entries(context ?? {});
  const lines: string[] = [];
  let used = 0;
  for (const [i, [k, v]] of entries.entries()) {
    const line = `${telegramText.strong(truncate(k, CONTEXT_KEY_MAX))} ${parts.formatValue(v, telegramText, CONTEXT_VALUE_MAX)}`;
    const left = entries.length - i - 1;
    const more = left ? 40 : 0; // room for the "…and n more" line
    if (used + visibleLength(line) + 1 + more > room) {
      const rest = entries.length - i;
      const note = `…and ${rest} more context field${rest === 1 ? '' : 's'}`;
      if (used + note.length + 1 <= room) lines.push(`<i>${note}</i>`);
      break;
    }
    lines.push(line);
    used += visibleLength(line) + 1;
  }
  return lines.join('\n');
}

function workflowLines(request: Request, history: Request[]): string[] {
  const lines: string[] = [];
  if (request.workflow_id) lines.push(`Workflow ${code(truncate(request.workflow_id, 80))}`);
  const recent = parts.recentClosed(request, history);
  if (recent.length) {
    lines.push('Recent decisions:');
    for (const h of recent) lines.push(truncateHtml(parts.recentLine(h, telegramText), HISTORY_LINE_MAX));
  }
  return lines;
}

function deadlineLine(request: Request): string | undefined {
  if (!request.expires_at) return undefined;
  return `⏳ Answer by ${utcDateTime(request.expires_at)}${parts.timeoutFallback(request, telegramText)}`;
}

function replyHint(request: Request, formLink: boolean): string | undefined {
  if (request.type === 'text') return '✍️ Tap Answer, then reply to the message I send you.';
  if (request.type === 'form') return `✍️ Tap Answer, then reply with one field a line (name: value)${formLink ? ', or open the form' : ''}.`;
  return undefined;
}

const outcomeLines = (request: Request, outcome: Outcome) =>
  parts.outcomeLines(request, outcome, telegramText, { answer: ANSWER_SHOWN, comment: COMMENT_SHOWN, label: CONTEXT_KEY_MAX });

/** Options as buttons (approve and reject side by side; choices in rows), or Answer (and the form's link). */
function keyboard(request: Request, formUrl?: string): InlineKeyboardMarkup {
  if (request.type === 'approval' || request.type === 'choice') {
    const buttons = request.options.map((o, i) => optionButton(request.id, o, i));
    const perRow = request.type === 'approval' || request.options.every((o) => o.label.length <= SHORT_LABEL) ? 2 : 1;
    return { inline_keyboard: chunk(buttons, request.type === 'approval' && buttons.length <= 3 ? buttons.length : perRow) };
  }
  const answer: InlineKeyboardButton[] = [{ text: '✍️ Answer', callback_data: answerData(request.id) }];
  const link: InlineKeyboardButton[][] = request.type === 'form' && formUrl ? [[{ text: '🔗 Open the form', url: formUrl }]] : [];
  return { inline_keyboard: [answer, ...link] };
}

function optionButton(requestId: string, option: Option, index: number): InlineKeyboardButton.CallbackButton {
  return { text: option.label, callback_data: optionData(requestId, index) };
}


export interface Prompt {
  text: string;
  markup: ForceReply;
}

/**
 * The ForceReply prompt for a text or form answer, addressed to the person who tapped Answer (in a group,
 * `selective` opens the reply field for them only). Its last line binds the reply to the request.
 */
export function renderPrompt(request: Request, user: User): Prompt {
  const who = `<a href="tg://user?id=${user.id}">${escapeHtml(truncate(user.first_name || user.username || 'you', 64))}</a>`;
  const title = `<b>${escapeHtml(truncate(request.title, TITLE_MAX))}</b>`;
  const lines =
    request.type === 'form'
      ? [`✍️ ${who}, reply to this message to answer ${title}, one field a line:`, ...request.fields.map(fieldLine)]
      : [`✍️ ${who}, reply to this message with your answer to ${title}.`];
  const placeholder = request.type === 'form' ? `${request.fields[0]?.name ?? 'name'}: …` : 'Your answer';
  return {
    text: [...lines, '', escapeHtml(promptFooter(request.id))].join('\n'),
    markup: { force_reply: true, selective: true, input_field_placeholder: truncate(placeholder, LIMITS.placeholder) },
  };
}

function fieldLine(field: Field): string {
  const notes = [field.required ? 'required' : 'optional', parts.fieldTypeHint(field)].filter(Boolean).join(', ');
  return `${code(`${field.name}:`)} ${escapeHtml(truncate(field.label, CONTEXT_KEY_MAX))} (${escapeHtml(notes)})`;
}

/** "2024-03-02 09:00 UTC". */
export const utcDateTime = (iso: string): string => parts.utcDateTime(iso, telegramText);
