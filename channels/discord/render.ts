// Pure rendering of a request for Discord: the pending message (an embed, and buttons, a select menu or an
// Answer button), the closed message (the shared outcome text from src/domain/outcome-text.ts, no
// components), the answer modal, and the ephemeral replies. Discord speaks Markdown, so the body keeps
// its Markdown and everything else is escaped. No I/O; unit-tested on its own.
import {
  type APIActionRowComponent,
  type APIButtonComponent,
  type APIComponentInMessageActionRow,
  type APIEmbed,
  type APIEmbedField,
  type APIModalInteractionResponseCallbackData,
  type APIStringSelectComponent,
  type APITextInputComponent,
  ButtonStyle,
  ComponentType,
  MessageFlags,
  TextInputStyle,
} from 'discord-api-types/v10';
import { approversLine, chunk, votesLine } from '../kit/status-lines.js';
import * as parts from '../kit/message-parts.js';
import type * as words from '../../src/domain/outcome-text.js';
import type { Field, Option, Outcome, Request } from '../../src/domain/types.js';
import { outcomeEmoji } from '../kit/outcome-emoji.js';
import { answerId, fieldInputId, modalId, optionId, selectId, TEXT_INPUT_ID } from './codec.js';

/** Discord's documented limits (discord.com/developers/docs: embeds, message components, modals). */
export const LIMITS = {
  embedTitle: 256,
  embedDescription: 4096,
  embedFields: 25,
  fieldName: 256,
  fieldValue: 1024,
  /** All of an embed's text together. */
  embedTotal: 6000,
  buttonsPerRow: 5,
  rows: 5,
  buttonLabel: 80,
  selectOptions: 25,
  selectLabel: 100,
  modalTitle: 45,
  modalInputs: 5,
  inputLabel: 45,
  inputPlaceholder: 100,
  inputValue: 4000,
  content: 2000,
} as const;

const BODY_MAX = 3000;
const CONTEXT_FIELDS = 15;
const ANSWER_SHOWN = 1000;
const COMMENT_SHOWN = 500;

const COLOR = { pending: 0x5865f2, approved: 0x57f287, rejected: 0xed4245, closed: 0x99aab5 } as const;

/** Discord Markdown's special characters, escaped so names and values show as typed. */
export function escapeMarkdown(text: string): string {
  return text.replace(/[\\*_~`|>#[\]()<@:-]/g, (c) => `\\${c}`);
}

const truncate = parts.truncate;

/** How outcome words are marked up for Discord: bold, escaped, and Discord users as mentions. */
export const discordText: words.TextStyle = {
  escape: escapeMarkdown,
  strong: (t) => `**${escapeMarkdown(t)}**`,
  person: (r) => (r.channel === 'discord' && /^\d+$/.test(r.id) ? `<@${r.id}> via Discord` : undefined),
  // Backticks inside a code span would end it: they are shown as a look-alike.
  code: (t) => `\`${t.replace(/`/g, 'ˋ')}\``,
  quote: (t) => escapeMarkdown(t).split('\n').map((l) => `> ${l}`).join('\n'),
};

export interface RenderOptions {
  /** Recent closed requests of the same workflow, newest first (from hub.history). */
  history?: Request[];
  /** The recipient's own link to the request's web page (forms): a link button. */
  formUrl?: string;
}

export type ActionRow = APIActionRowComponent<APIComponentInMessageActionRow>;

/** A message as posted or edited: one embed, its components (none once closed), and no pings. */
export interface DiscordMessage {
  embeds: APIEmbed[];
  components: ActionRow[];
  allowed_mentions: { parse: [] };
}

export function renderPending(request: Request, opts: RenderOptions = {}): DiscordMessage {
  const status = [deadlineLine(request), approversLine(request), votesLine(request, discordText), hint(request, opts.formUrl)].filter((l): l is string => !!l);
  return message(embed(request, opts.history ?? [], status, COLOR.pending), components(request, opts.formUrl));
}

export function renderClosed(request: Request, outcome: Outcome, opts: RenderOptions = {}): DiscordMessage {
  return message(embed(request, opts.history ?? [], outcomeLines(request, outcome), colorOf(request, outcome)), []);
}

const message = (e: APIEmbed, components: ActionRow[]): DiscordMessage => ({ embeds: [e], components, allowed_mentions: { parse: [] } });

/** "✅ Approved by <@1234> via Discord · 14:02 UTC", in the shared wording. */
export function outcomeLine(request: Request, outcome: Outcome): string {
  return parts.outcomeLine(request, outcome, discordText);
}

function colorOf(request: Request, outcome: Outcome): number {
  const emoji = outcomeEmoji(parts.closedAs(request, outcome));
  return emoji === '✅' ? COLOR.approved : emoji === '❌' ? COLOR.rejected : COLOR.closed;
}

/** Title; body (Markdown kept) and the status or outcome lines in the description; context and recent decisions as fields. */
function embed(request: Request, history: Request[], tail: string[], color: number): APIEmbed {
  const title = truncate(request.title, LIMITS.embedTitle);
  const end = truncate(tail.join('\n'), 1500);
  const body = request.body?.trim() ? truncate(request.body.trim(), Math.min(BODY_MAX, LIMITS.embedDescription - end.length - 2)) : '';
  const description = [body, end].filter(Boolean).join('\n\n');
  let room = LIMITS.embedTotal - title.length - description.length - 100;
  const fields: APIEmbedField[] = [];
  const add = (field: APIEmbedField): boolean => {
    const size = field.name.length + field.value.length;
    if (size > room || fields.length >= LIMITS.embedFields) return false;
    fields.push(field);
    room -= size;
    return true;
  };
  for (const field of workflowFields(request, history)) add(field);
  const entries = Object.entries(request.context ?? {});
  for (const [i, [k, v]] of entries.entries()) {
    const left = entries.length - i;
    if (i >= CONTEXT_FIELDS || !add({ name: truncate(k, 100), value: parts.formatValue(v, discordText), inline: true })) {
      add({ name: '…', value: `and ${left} more context field${left === 1 ? '' : 's'}` });
      break;
    }
  }
  return { title, ...(description ? { description } : {}), color, ...(fields.length ? { fields } : {}), footer: { text: `Request ${request.id}` } };
}

function workflowFields(request: Request, history: Request[]): APIEmbedField[] {
  if (!request.workflow_id) return [];
  const fields: APIEmbedField[] = [{ name: 'Workflow', value: escapeMarkdown(truncate(request.workflow_id, 200)), inline: true }];
  const recent = parts.recentClosed(request, history);
  if (recent.length) {
    const lines = recent.map((h) => truncate(parts.recentLine(h, discordText), 300));
    fields.push({ name: 'Recent decisions', value: truncate(lines.join('\n'), LIMITS.fieldValue) });
  }
  return fields;
}

function deadlineLine(request: Request): string | undefined {
  if (!request.expires_at) return undefined;
  const seconds = Math.floor(Date.parse(request.expires_at) / 1000);
  // <t:…:f> shows in each reader's own time zone; <t:…:R> as "in 2 hours".
  return Number.isFinite(seconds) ? `⏳ Answer by <t:${seconds}:f> (<t:${seconds}:R>)${parts.timeoutFallback(request, discordText)}` : undefined;
}

function hint(request: Request, formUrl: string | undefined): string | undefined {
  if (request.type === 'text') return '✍️ Press Answer to type your answer.';
  if (request.type !== 'form') return undefined;
  if (fitsModal(request)) return '✍️ Press Answer to fill in the form.';
  return formUrl ? '✍️ This form is too long for Discord: open it on the web page.' : '✍️ This form is too long for Discord: answer it through the request\'s web page.';
}

const outcomeLines = (request: Request, outcome: Outcome) =>
  parts.outcomeLines(request, outcome, discordText, { answer: ANSWER_SHOWN, comment: COMMENT_SHOWN, label: 100 });

/** A form fits a modal when it has at most five fields. */
export const fitsModal = (request: Pick<Request, 'type' | 'fields'>) => request.type === 'text' || (request.type === 'form' && request.fields.length <= LIMITS.modalInputs);

/** Buttons (five a row, five rows), string selects when the options do not fit, or Answer and the form's link. */
function components(request: Request, formUrl?: string): ActionRow[] {
  if (request.type === 'approval' || request.type === 'choice') {
    if (request.options.length > LIMITS.buttonsPerRow * LIMITS.rows) return selects(request);
    const buttons = request.options.map((o, i) => optionButton(request, o, i));
    return chunk(buttons, LIMITS.buttonsPerRow).map(row);
  }
  const buttons: APIButtonComponent[] = [];
  if (fitsModal(request)) buttons.push({ type: ComponentType.Button, style: ButtonStyle.Primary, label: 'Answer', emoji: { name: '✍️' }, custom_id: answerId(request.id) });
  if (request.type === 'form' && formUrl) buttons.push({ type: ComponentType.Button, style: ButtonStyle.Link, label: 'Open the form', url: formUrl });
  return buttons.length ? [row(buttons)] : [];
}

function optionButton(request: Request, option: Option, index: number): APIButtonComponent {
  const style =
    option.style === 'danger' ? ButtonStyle.Danger : request.type === 'approval' && index === 0 ? ButtonStyle.Success : option.style === 'primary' ? ButtonStyle.Primary : ButtonStyle.Secondary;
  return { type: ComponentType.Button, style, label: truncate(option.label, LIMITS.buttonLabel), custom_id: optionId(request.id, index) };
}

function selects(request: Request): ActionRow[] {
  const groups = chunk(request.options.map((o, i) => ({ o, i })), LIMITS.selectOptions).slice(0, LIMITS.rows);
  return groups.map((group, n) => {
    const menu: APIStringSelectComponent = {
      type: ComponentType.StringSelect,
      custom_id: selectId(request.id, n),
      placeholder: groups.length > 1 ? `Choose (${group[0]!.i + 1}–${group[group.length - 1]!.i + 1})` : 'Choose',
      min_values: 1,
      max_values: 1,
      options: group.map(({ o, i }) => ({ label: truncate(o.label, LIMITS.selectLabel), value: String(i) })),
    };
    return row([menu]);
  });
}

const row = (components: APIComponentInMessageActionRow[]): ActionRow => ({ type: ComponentType.ActionRow, components });


/** The modal a text or short form request opens: one paragraph for a text answer, one input per form field. */
export function renderModal(request: Request): APIModalInteractionResponseCallbackData {
  const inputs: APITextInputComponent[] =
    request.type === 'form'
      ? request.fields.slice(0, LIMITS.modalInputs).map((f, i) => fieldInput(f, i))
      : [{ type: ComponentType.TextInput, custom_id: TEXT_INPUT_ID, style: TextInputStyle.Paragraph, label: 'Your answer', required: true, max_length: LIMITS.inputValue }];
  return {
    custom_id: modalId(request.id),
    title: truncate(request.title, LIMITS.modalTitle),
    components: inputs.map((input) => ({ type: ComponentType.ActionRow, components: [input] })),
  };
}

function fieldInput(field: Field, index: number): APITextInputComponent {
  // A paragraph input shows it runs over several lines by itself.
  const placeholder = field.type === 'textarea' ? undefined : parts.fieldTypeHint(field);
  return {
    type: ComponentType.TextInput,
    custom_id: fieldInputId(index),
    style: field.type === 'textarea' ? TextInputStyle.Paragraph : TextInputStyle.Short,
    label: truncate(field.label || field.name, LIMITS.inputLabel),
    required: !!field.required,
    max_length: LIMITS.inputValue,
    ...(placeholder ? { placeholder: truncate(placeholder, LIMITS.inputPlaceholder) } : {}),
  };
}

/** A reply only the person who clicked sees (flags 64). */
export function ephemeral(text: string): { content: string; flags: MessageFlags.Ephemeral; allowed_mentions: { parse: [] } } {
  return { content: truncate(text, LIMITS.content), flags: MessageFlags.Ephemeral, allowed_mentions: { parse: [] } };
}

