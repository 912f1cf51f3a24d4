// A tap on an inline button (callback_query): the request and option the callback_data names are
// checked against the hub, the chat against where the request went, and the tapper is Telegram's own
// `from`. The answer to the tap (a toast, or an alert when refused) is acked as soon as it is known;
// a tap that changed the request then edits the tapped message in place. Text and form requests get a
// ForceReply prompt instead, whose reply answers them (replies.ts).
import type { CallbackQuery } from 'grammy/types';
import { isApprover } from '../../src/domain/identity.js';
import * as words from '../../src/domain/outcome-text.js';
import { outcomeOf, type Request, type RespondResult } from '../../src/domain/types.js';
import { answerReply } from '../kit/reply.js';
import { parseTap, reaches, responderOf } from './codec.js';
import type { InboundContext } from './inbound-context.js';
import { truncate } from './html.js';
import { LIMITS, renderPrompt } from './render.js';

/** What the tapper is shown: a toast, or an alert they must dismiss. */
export interface Toast {
  text: string;
  alert?: boolean;
}

export const NOTICE = {
  unknownButton: 'Switchboard does not recognise this button. Ask for a new request.',
  tampered: 'This button does not belong to a Switchboard request sent to this chat, so nothing was recorded.',
  noRequest: 'This request no longer exists, so nothing was recorded.',
  prompted: 'Reply to the message I just sent with your answer.',
  noPrompt: 'Telegram would not let me send you the answer prompt. Open a private chat with me, press Start, then tap Answer again.',
  failed: 'Switchboard could not record your answer just now; please try again in a moment.',
} as const;

const toast = (text: string, alert = false): Toast => ({ text: truncate(text, LIMITS.callbackAnswer), ...(alert ? { alert } : {}) });

/** Where the tapped message is: Telegram's own record of it, not anything the client sent. */
function tappedMessage(q: CallbackQuery): { chat: number; chatName?: string; message: number; chatType: string } | undefined {
  const m = q.message;
  if (!m) return undefined;
  const name = 'username' in m.chat ? m.chat.username : undefined;
  return { chat: m.chat.id, ...(name ? { chatName: name } : {}), message: m.message_id, chatType: m.chat.type };
}

export async function onTap(ctx: InboundContext, q: CallbackQuery, ack: (t: Toast) => void): Promise<void> {
  const tap = parseTap(q.data);
  const where = tappedMessage(q);
  if (!tap || !where) return ack(toast(NOTICE.unknownButton, true));
  const request = await ctx.hub.get(tap.requestId);
  if (!request) return ack(toast(NOTICE.noRequest, true));
  if (!reaches(request, { id: where.chat, username: where.chatName })) {
    ctx.log.warn({ requestId: request.id, chat: where.chat }, 'telegram: refused a tap from a chat the request was not sent to');
    return ack(toast(NOTICE.tampered, true));
  }
  const responder = responderOf(q.from);

  if (tap.kind === 'option') {
    const option = request.options[tap.index];
    if (!option || (request.type !== 'approval' && request.type !== 'choice')) return ack(toast(NOTICE.tampered, true));
    const result = await ctx.hub.respond({ requestId: request.id, value: option.value, responder }, request);
    ctx.log.info({ requestId: request.id, status: result.status }, 'telegram: tap');
    ack(toastFor(result));
    if (answerReply(result).refresh) await show(ctx, where, await current(ctx, result));
    return;
  }

  if (request.type !== 'text' && request.type !== 'form') return ack(toast(NOTICE.tampered, true));
  if (request.state !== 'pending') {
    ack(toast(words.closedReason(request)));
    return show(ctx, where, request);
  }
  if (!isApprover(request, responder)) return ack(toast(words.NOT_APPROVER, true));
  // Nobody can reply in a channel: the prompt goes to the tapper's private chat with the bot there.
  const inChannel = where.chatType === 'channel';
  const prompt = renderPrompt(request, q.from);
  try {
    await ctx.api.reply(inChannel ? q.from.id : where.chat, prompt.text, inChannel ? undefined : where.message, prompt.markup);
  } catch (err) {
    ctx.log.warn({ requestId: request.id, err: (err as Error).message }, 'telegram: could not send the answer prompt');
    return ack(toast(NOTICE.noPrompt, true));
  }
  ack(toast(NOTICE.prompted));
}

/** "Approved by ana via Telegram" for the tap that decided; the shared reply text for anything else. */
function toastFor(result: RespondResult): Toast {
  const outcome = outcomeOf(result.request);
  if (result.status === 'won' && outcome) return toast(words.outcomeLine(result.request, outcome));
  const reply = answerReply(result);
  return toast(reply.text, reply.tone === 'error');
}

/** A counted vote re-read: a vote from elsewhere may have closed the request since, and a stale render must not win. */
async function current(ctx: InboundContext, result: RespondResult): Promise<Request> {
  return result.status === 'counted' ? ((await ctx.hub.get(result.request.id)) ?? result.request) : result.request;
}

/** The tapped message, shown again as the request now stands. */
async function show(ctx: InboundContext, where: { chat: number; message: number }, request: Request): Promise<void> {
  try {
    await ctx.api.edit(where.chat, where.message, await ctx.render(request, outcomeOf(request)), { patience: 'interactive' });
  } catch (err) {
    ctx.log.warn({ requestId: request.id, err: (err as Error).message }, 'telegram: in-place edit failed; the settle job edits it');
  }
}
