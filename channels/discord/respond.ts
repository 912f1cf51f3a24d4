// What an interaction does and what Discord is answered: a click on an option button or a select, the
// Answer button (opens the modal), and the modal's submission. The request, option and channel are
// checked against the hub; the person is Discord's own `member.user` (in a guild) or `user` (in a DM).
import {
  type APIModalInteractionResponseCallbackData,
  ComponentType,
  InteractionResponseType,
  InteractionType,
} from 'discord-api-types/v10';
import type { Logger } from 'pino';
import { isApprover } from '../../src/domain/identity.js';
import * as words from '../../src/domain/outcome-text.js';
import { type Answer, outcomeOf, type Outcome, type Request, type RespondResult } from '../../src/domain/types.js';
import type { Hub } from '../channel.js';
import { answerReply } from '../kit/reply.js';
import { type DiscordUser, parseAction, parseFieldInput, parseIndex, reaches, responderOf, TEXT_INPUT_ID } from './codec.js';
import { type DiscordMessage, discordText, ephemeral, fitsModal, renderModal } from './render.js';

/** The parts of an interaction the channel reads (discord.com/developers/docs/interactions/receiving-and-responding). */
export interface Interaction {
  id: string;
  type: InteractionType;
  token: string;
  application_id?: string;
  channel_id?: string;
  channel?: { id?: string };
  guild_id?: string;
  member?: { user?: DiscordUser; nick?: string | null };
  user?: DiscordUser;
  message?: { id?: string; channel_id?: string };
  data?: { custom_id?: unknown; component_type?: number; values?: unknown; components?: unknown };
}

export type Reply =
  | { type: InteractionResponseType.UpdateMessage; data: DiscordMessage }
  | { type: InteractionResponseType.ChannelMessageWithSource; data: ReturnType<typeof ephemeral> }
  | { type: InteractionResponseType.Modal; data: APIModalInteractionResponseCallbackData }
  | { type: InteractionResponseType.DeferredMessageUpdate };

/** What the handlers need: the hub, and the message for a request as it stands. */
export interface Respond {
  hub: Hub;
  log: Logger;
  render(request: Request, outcome?: Outcome): Promise<DiscordMessage>;
}

export const NOTICE = {
  unknown: 'Switchboard does not recognise this. Ask for a new request.',
  tampered: 'This does not belong to a Switchboard request sent to this channel, so nothing was recorded.',
  noRequest: 'This request no longer exists, so nothing was recorded.',
  tooLong: 'This form is too long for Discord: answer it through the request\'s web page.',
  failed: 'Switchboard could not record your answer just now; please try again in a moment.',
  slow: 'Switchboard took too long to open the form; press Answer again.',
} as const;

const say = (text: string): Reply => ({ type: InteractionResponseType.ChannelMessageWithSource, data: ephemeral(text) });

export async function onInteraction(ctx: Respond, i: Interaction): Promise<Reply> {
  const user = i.member?.user ?? i.user;
  const action = parseAction(i.data?.custom_id);
  if (!user || typeof user.id !== 'string' || !action) return say(NOTICE.unknown);
  const request = await ctx.hub.get(action.requestId);
  if (!request) return say(NOTICE.noRequest);
  const channelId = i.channel_id ?? i.channel?.id ?? i.message?.channel_id;
  if (!reaches(request, channelId)) {
    ctx.log.warn({ requestId: request.id, channelId }, 'discord: refused an interaction from a channel the request was not sent to');
    return say(NOTICE.tampered);
  }
  const responder = responderOf(user, i.member?.nick);

  if (i.type === InteractionType.MessageComponent) {
    if (action.kind === 'answer') return openModal(request, responder);
    const index = action.kind === 'option' ? action.index : action.kind === 'select' ? parseIndex(firstValue(i.data?.values)) : undefined;
    const option = index === undefined ? undefined : request.options[index];
    if (!option || (request.type !== 'approval' && request.type !== 'choice')) return say(NOTICE.tampered);
    return answered(ctx, await ctx.hub.respond({ requestId: request.id, value: option.value, responder }, request), !!i.message);
  }
  if (i.type === InteractionType.ModalSubmit && action.kind === 'modal') {
    const answer = modalAnswer(request, responder, inputsOf(i.data?.components));
    if (!answer) return say(NOTICE.tampered);
    return answered(ctx, await ctx.hub.respond(answer, request), !!i.message);
  }
  return say(NOTICE.unknown);
}

function openModal(request: Request, responder: Answer['responder']): Reply {
  if (request.type !== 'text' && request.type !== 'form') return say(NOTICE.tampered);
  if (request.state !== 'pending') return say(words.closedReason(request, discordText));
  if (!isApprover(request, responder)) return say(words.NOT_APPROVER);
  if (!fitsModal(request)) return say(NOTICE.tooLong);
  return { type: InteractionResponseType.Modal, data: renderModal(request) };
}

/** The click or submission that decided (or counted) shows the request as it now stands; anything else is told why, privately. */
async function answered(ctx: Respond, result: RespondResult, fromMessage: boolean): Promise<Reply> {
  ctx.log.info({ requestId: result.request.id, status: result.status }, 'discord: answer');
  if ((result.status === 'won' || result.status === 'counted') && fromMessage) {
    const request = result.status === 'counted' ? ((await ctx.hub.get(result.request.id)) ?? result.request) : result.request;
    return { type: InteractionResponseType.UpdateMessage, data: await ctx.render(request, outcomeOf(request)) };
  }
  return say(answerReply(result, discordText).text);
}

function firstValue(values: unknown): unknown {
  return Array.isArray(values) ? values[0] : undefined;
}

/** A modal submission's text inputs by custom_id: in action rows (type 1), or in labels (type 18). */
export function inputsOf(components: unknown): Map<string, string> {
  const out = new Map<string, string>();
  const visit = (c: unknown): void => {
    if (!c || typeof c !== 'object') return;
    const o = c as { type?: unknown; custom_id?: unknown; value?: unknown; components?: unknown; component?: unknown };
    if (o.type === ComponentType.TextInput && typeof o.custom_id === 'string' && typeof o.value === 'string') out.set(o.custom_id, o.value);
    if (Array.isArray(o.components)) o.components.forEach(visit);
    if (o.component) visit(o.component);
  };
  if (Array.isArray(components)) components.forEach(visit);
  return out;
}

function modalAnswer(request: Request, responder: Answer['responder'], inputs: Map<string, string>): Answer | undefined {
  if (request.type === 'text') {
    const value = inputs.get(TEXT_INPUT_ID);
    return value === undefined ? undefined : { requestId: request.id, responder, value };
  }
  if (request.type !== 'form') return undefined;
  const fields: Record<string, string> = {};
  for (const [id, value] of inputs) {
    const index = parseFieldInput(id);
    const field = index === undefined ? undefined : request.fields[index];
    if (field && value.trim()) fields[field.name] = field.type === 'select' ? selectValue(field.options ?? [], value) : value.trim();
  }
  return { requestId: request.id, responder, fields };
}

/** A select field typed into a text input: an option's value or its label. */
function selectValue(options: { value: string; label: string }[], typed: string): string {
  const t = typed.trim().toLowerCase();
  return (options.find((o) => o.value.toLowerCase() === t) ?? options.find((o) => o.label.toLowerCase() === t))?.value ?? typed.trim();
}
