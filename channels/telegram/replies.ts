// A person's message: a reply to one of the bot's answer prompts (reply_to_message, sent by this bot,
// naming its request) answers that request as whoever sent it — a text request with the text, a form
// with `name: value` lines. A form reply that does not fill the required fields gets a short correction
// and decides nothing. Every outcome is told as a reply to the person's message. Anything else is
// ignored, except in a private chat or for a setup command (/start, /whoami, /chatid), where the bot
// says how to answer, who the person is to it and which chat this is.
import type { Message } from 'grammy/types';
import { isApprover } from '../../src/domain/identity.js';
import type { Answer } from '../../src/domain/types.js';
import { answerReply } from '../kit/reply.js';
import { promptedRequest, responderOf } from './codec.js';
import { parseFormReply } from './form-reply.js';
import { escapeHtml } from './html.js';
import type { InboundContext } from './inbound-context.js';
import { telegramText } from './render.js';
import { NOTICE } from './taps.js';

export const REPLY_NOTICE = {
  textOnly: 'Reply with text: Switchboard reads only the words of your answer.',
  notAPrompt: 'This prompt is not one Switchboard can answer any more; tap Answer on the request again.',
} as const;

/** The request a message answers: it replies to a prompt this bot sent. */
export function answeredRequest(m: Message, botId: number): string | undefined {
  const prompt = m.reply_to_message;
  return prompt?.from?.id === botId ? promptedRequest(prompt.text) : undefined;
}

export async function onMessage(ctx: InboundContext, m: Message): Promise<void> {
  if (!m.from || m.from.is_bot) return;
  const requestId = answeredRequest(m, ctx.botId);
  if (!requestId) return greet(ctx, m);
  const tell = (html: string) => reply(ctx, m, html);
  const text = m.text ?? m.caption;
  if (!text?.trim()) return tell(escapeHtml(REPLY_NOTICE.textOnly));
  const request = await ctx.hub.get(requestId);
  if (!request) return tell(escapeHtml(NOTICE.noRequest));
  if (request.type !== 'text' && request.type !== 'form') return tell(escapeHtml(REPLY_NOTICE.notAPrompt));

  const responder = responderOf(m.from);
  let answer: Answer = { requestId, responder, value: text };
  // Only a form answer that could count is read as one: a closed request or a non-approver hears that from the hub.
  if (request.type === 'form') {
    answer = { requestId, responder, fields: {} };
    if (request.state === 'pending' && isApprover(request, responder)) {
      const parsed = parseFormReply(request, text);
      if (!parsed.ok) return tell(escapeHtml(parsed.problem));
      answer.fields = parsed.fields;
    }
  }
  const result = await ctx.hub.respond(answer);
  ctx.log.info({ requestId, status: result.status }, 'telegram: reply');
  await tell(answerReply(result, telegramText).text);
}

/** /start, /whoami, /chatid (also as /whoami@thebot in a group). */
const SETUP_COMMAND = /^\/(start|whoami|chatid)(@\w+)?(\s|$)/i;

/**
 * A message that answers nothing: in a private chat, or for a setup command in a group, the bot says how
 * to answer, who the person is for `approvers`, and which chat this is for `recipients`.
 */
async function greet(ctx: InboundContext, m: Message): Promise<void> {
  if (!m.from || (m.chat.type !== 'private' && !SETUP_COMMAND.test(m.text ?? ''))) return;
  const identity = `${responderOf(m.from).channel}:${m.from.id}`;
  const lines = [
    'Switchboard sends requests for decisions here. Tap a button to decide; for a written answer, tap Answer and reply to the message I send.',
    '',
    `Your identity for <code>approvers</code>: <code>${escapeHtml(identity)}</code>`,
    `This chat for <code>recipients</code>: <code>${m.chat.id}</code>`,
  ];
  await reply(ctx, m, lines.join('\n'));
}

async function reply(ctx: InboundContext, m: Message, html: string): Promise<void> {
  await ctx.api.reply(m.chat.id, html, m.message_id).catch((err: Error) => ctx.log.warn({ err: err.message }, 'telegram: could not reply'));
}
