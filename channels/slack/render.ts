// Pure Block Kit rendering of a request: the pending message with its buttons, and the settled message
// with its outcome (worded by src/domain/outcome-text.ts, marked up in outcome.ts). No I/O; unit-tested on its own.
import type { types } from '@slack/bolt';
import type { Option, Outcome, Request } from '../../src/domain/types.js';
import { ACTION, isUserId, optionValue } from './codec.js';
import { labelOf } from '../../src/domain/outcome-text.js';
import { votesLine } from '../kit/status-lines.js';
import { outcomeEmoji, outcomeLine, shortOutcome, slackDate, slackText } from './outcome.js';
import { chunkText, escapeMrkdwn, markdownToMrkdwn, truncate } from './mrkdwn.js';

type Block = types.KnownBlock;

/** Slack's documented limits, enforced here so a request can never produce a message Slack refuses. */
export const LIMITS = {
  blocks: 50,
  sectionText: 3000,
  fieldText: 2000,
  fieldsPerSection: 10,
  headerText: 150,
  buttonText: 75,
  buttonValue: 2000,
  actionId: 255,
  actionsElements: 25,
  selectOptions: 100,
  optionText: 75,
  optionValue: 150,
  contextElements: 10,
  /** Top-level `text`: Slack truncates past 40,000; notifications need far less. */
  fallbackText: 3000,
} as const;

/** More options than this and a choice becomes a static select. */
export const MAX_BUTTONS = 5;
const MAX_BODY_SECTIONS = 4;
const MAX_FIELD_SECTIONS = 2;
const HISTORY_SHOWN = 3;

export interface RenderOptions {
  /** Recent closed requests of the same workflow, newest first (from hub.history). */
  history?: Request[];
}

export interface SlackMessage {
  text: string;
  blocks: Block[];
}

const mrkdwn = (text: string): types.MrkdwnElement => ({ type: 'mrkdwn', text });
const plain = (text: string, max: number): types.PlainTextElement => ({ type: 'plain_text', text: truncate(text, max), emoji: true });

/** The message as first delivered: everything a reviewer needs, and the buttons to decide. */
export function renderPending(request: Request, opts: RenderOptions = {}): SlackMessage {
  const status = [deadlineLine(request), approversLine(request), votesLine(request, slackText)].filter(Boolean) as string[];
  const blocks = [
    ...describe(request, opts),
    ...(status.length ? [{ type: 'context', elements: status.map(mrkdwn) } as Block] : []),
    actionsBlock(request),
  ];
  return { text: truncate(`${request.title} — ${askVerb(request)}`, LIMITS.fallbackText), blocks };
}

/** The message after the request closed: same description, the outcome, no buttons. */
export function renderClosed(request: Request, outcome: Outcome, opts: RenderOptions = {}): SlackMessage {
  const blocks = [...describe(request, opts), { type: 'divider' } as Block, ...outcomeBlocks(request, outcome)];
  return { text: truncate(`${request.title} — ${shortOutcome({ ...request, state: outcome.state, response: outcome.response })}`, LIMITS.fallbackText), blocks };
}

function askVerb(request: Request): string {
  return request.type === 'approval' ? 'approval requested' : request.type === 'choice' ? 'please choose' : 'answer requested';
}

/** Title, body, context fields and the workflow line: shared by the pending and the closed message. */
function describe(request: Request, opts: RenderOptions): Block[] {
  const blocks: Block[] = [];
  if (request.title.length <= LIMITS.headerText) blocks.push({ type: 'header', text: plain(request.title, LIMITS.headerText) });
  else blocks.push({ type: 'section', text: mrkdwn(`*${escapeMrkdwn(request.title)}*`) });
  if (request.body?.trim()) {
    const chunks = chunkText(markdownToMrkdwn(request.body), LIMITS.sectionText);
    const shown = chunks.slice(0, MAX_BODY_SECTIONS);
    if (chunks.length > shown.length) shown[shown.length - 1] = truncate(shown[shown.length - 1]!, LIMITS.sectionText - 2) + '\n…';
    for (const chunk of shown) blocks.push({ type: 'section', text: mrkdwn(chunk) });
  }
  blocks.push(...contextFields(request.context));
  const workflow = workflowLine(request, opts.history ?? []);
  if (workflow.length) blocks.push({ type: 'context', elements: workflow.map(mrkdwn) });
  return blocks;
}

function contextFields(context: Record<string, unknown>): Block[] {
  const entries = Object.entries(context ?? {});
  const perSection = LIMITS.fieldsPerSection;
  const shown = entries.slice(0, perSection * MAX_FIELD_SECTIONS);
  const blocks: Block[] = [];
  for (let i = 0; i < shown.length; i += perSection) {
    const fields = shown.slice(i, i + perSection).map(([k, v]) =>
      mrkdwn(truncate(`*${escapeMrkdwn(k)}*\n${formatValue(v)}`, LIMITS.fieldText)),
    );
    blocks.push({ type: 'section', fields });
  }
  if (entries.length > shown.length) {
    blocks.push({ type: 'context', elements: [mrkdwn(`…and ${entries.length - shown.length} more context fields`)] });
  }
  return blocks;
}

function formatValue(v: unknown): string {
  if (v === null || v === undefined || v === '') return '—';
  if (typeof v === 'string') return escapeMrkdwn(v);
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  return '`' + escapeMrkdwn(JSON.stringify(v)).replace(/`/g, "'") + '`';
}

function workflowLine(request: Request, history: Request[]): string[] {
  const parts: string[] = [];
  if (request.workflow_id) parts.push(`Workflow \`${escapeMrkdwn(truncate(request.workflow_id, 80)).replace(/`/g, "'")}\``);
  const recent = history.filter((h) => h.id !== request.id && h.state !== 'pending').slice(0, HISTORY_SHOWN);
  if (recent.length) {
    const items = recent.map((h) => `${outcomeEmoji(h)} ${escapeMrkdwn(truncate(h.title, 60))} (${shortOutcome(h)})`);
    parts.push(`Recent: ${items.join(' · ')}`);
  }
  return parts;
}

function deadlineLine(request: Request): string | undefined {
  if (!request.expires_at) return undefined;
  const when = slackDate(request.expires_at, '{date_short_pretty} at {time}');
  const fallback = request.on_timeout ? ` · then ${slackText.strong(labelOf(request, request.on_timeout.value))}` : '';
  return `⏳ Answer by ${when}${fallback}`;
}

function approversLine(request: Request): string | undefined {
  if (!request.approvers.length) return undefined;
  const slack = request.approvers.filter((a) => a.startsWith('slack:')).map((a) => a.slice(6));
  const named = slack.map((id) => (id === '*' ? 'anyone in Slack' : isUserId(id) ? `<@${id}>` : escapeMrkdwn(id)));
  const others = request.approvers.length - slack.length;
  const list = named.join(', ') + (others ? `${named.length ? ' ' : ''}(+${others} on other channels)` : '');
  return `🔒 Approvers: ${list}`;
}


function actionsBlock(request: Request): Block {
  const elements: types.ActionsBlockElement[] = [];
  if (request.type === 'approval' || request.type === 'choice') {
    const options = request.options.slice(0, LIMITS.selectOptions);
    if (options.length > MAX_BUTTONS) elements.push(optionSelect(request.id, options));
    else options.forEach((o, i) => elements.push(optionButton(request.id, o, i)));
    if (request.type === 'approval') {
      elements.push({ type: 'button', action_id: ACTION.comment, value: request.id, text: plain('Comment…', LIMITS.buttonText) });
    }
  } else {
    elements.push({ type: 'button', action_id: ACTION.answer, value: request.id, style: 'primary', text: plain('Answer…', LIMITS.buttonText) });
  }
  return { type: 'actions', block_id: 'sb:actions', elements: elements.slice(0, LIMITS.actionsElements) };
}

function optionButton(requestId: string, option: Option, index: number): types.Button {
  const button: types.Button = {
    type: 'button',
    action_id: `${ACTION.optionPrefix}${index}`,
    value: optionValue(requestId, index),
    text: plain(option.label, LIMITS.buttonText),
  };
  if (option.style === 'primary' || option.style === 'danger') button.style = option.style;
  return button;
}

function optionSelect(requestId: string, options: Option[]): types.StaticSelect {
  return {
    type: 'static_select',
    action_id: ACTION.select,
    placeholder: plain('Choose…', LIMITS.optionText),
    options: options.map((o, i) => ({ text: plain(o.label, LIMITS.optionText), value: optionValue(requestId, i) })),
  };
}

function outcomeBlocks(request: Request, outcome: Outcome): Block[] {
  const lines = [outcomeLine(request, outcome)];
  const r = outcome.state === 'resolved' ? outcome.response : undefined;
  if (r && request.type === 'text' && r.value) lines.push(quote(r.value));
  if (r?.comment) lines.push(quote(r.comment));
  const blocks: Block[] = [{ type: 'section', text: mrkdwn(truncate(lines.join('\n'), LIMITS.sectionText)) }];
  if (r && request.type === 'form') {
    const labels = new Map(request.fields.map((f) => [f.name, f.label]));
    const fields = Object.entries(r.fields).slice(0, LIMITS.fieldsPerSection * MAX_FIELD_SECTIONS);
    for (let i = 0; i < fields.length; i += LIMITS.fieldsPerSection) {
      blocks.push({
        type: 'section',
        fields: fields
          .slice(i, i + LIMITS.fieldsPerSection)
          .map(([k, v]) => mrkdwn(truncate(`*${escapeMrkdwn(labels.get(k) ?? k)}*\n${formatValue(v)}`, LIMITS.fieldText))),
      });
    }
  }
  return blocks;
}

function quote(text: string): string {
  return truncate(text, 1500)
    .split('\n')
    .map((l) => `>${escapeMrkdwn(l)}`)
    .join('\n');
}
