// What Switchboard puts into Telegram and reads back. Buttons carry only a compact request id and an
// option index (callback_data, at most 64 bytes); the server looks the request up and checks the
// option, the state and the approver before anything counts. Every parser treats its input as hostile:
// anything unexpected is `undefined`, never an exception.
//
//   callback_data  o:<requestId>:<index>   pick option <index> (approval, choice)
//                  a:<requestId>           answer a text or form request: the bot sends a ForceReply prompt
//   prompt         the bot's own message whose last line is "Request <requestId>"; a person's reply to it
//                  (message.reply_to_message, sent by this bot) answers that request
import type { User } from 'grammy/types';
import type { Request, Responder } from '../../src/domain/types.js';

/** Telegram's limit on an inline button's callback_data, in bytes. */
export const CALLBACK_DATA_MAX_BYTES = 64;

const REQUEST_ID = /^[a-z]{1,10}_[0-9a-z]{1,40}$/;
const MAX_OPTIONS = 100;

export type Tap = { kind: 'option'; requestId: string; index: number } | { kind: 'answer'; requestId: string };

export function optionData(requestId: string, index: number): string {
  return fits(`o:${requestId}:${index}`);
}

export function answerData(requestId: string): string {
  return fits(`a:${requestId}`);
}

/** Request ids are short by construction; one that would overflow callback_data is a bug, not a message to send. */
function fits(data: string): string {
  if (Buffer.byteLength(data) > CALLBACK_DATA_MAX_BYTES) throw new Error(`callback_data over ${CALLBACK_DATA_MAX_BYTES} bytes: ${data}`);
  return data;
}

export function parseTap(data: unknown): Tap | undefined {
  if (typeof data !== 'string' || data.length > CALLBACK_DATA_MAX_BYTES) return undefined;
  const option = /^o:([^:]+):(\d{1,3})$/.exec(data);
  if (option && REQUEST_ID.test(option[1]!) && Number(option[2]) < MAX_OPTIONS) return { kind: 'option', requestId: option[1]!, index: Number(option[2]) };
  const answer = /^a:([^:]+)$/.exec(data);
  if (answer && REQUEST_ID.test(answer[1]!)) return { kind: 'answer', requestId: answer[1]! };
  return undefined;
}

/** The prompt's last line: binds a reply to its request. */
export const promptFooter = (requestId: string) => `Request ${requestId}`;

/** The request a prompt of ours names, read from the replied-to message's text. */
export function promptedRequest(text: string | undefined): string | undefined {
  const last = text?.trimEnd().split('\n').pop() ?? '';
  const m = /^Request ([a-z]{1,10}_[0-9a-z]{1,40})$/.exec(last.trim());
  return m?.[1];
}

/** A chat: its numeric id (users positive, groups negative, supergroups and channels -100…) or @channelusername. */
export type ChatTarget = number | `@${string}`;

const CHAT_ID = /^-?[1-9]\d{0,15}$/;
const USERNAME = /^@[A-Za-z][A-Za-z0-9_]{4,31}$/;

/** What a recipient's `to` means in Telegram, or why it means nothing. */
export function chatTarget(to: string | undefined): { chat: ChatTarget } | { error: string } {
  const t = to?.trim() ?? '';
  if (CHAT_ID.test(t) && Number.isSafeInteger(Number(t))) return { chat: Number(t) };
  if (USERNAME.test(t)) return { chat: t as `@${string}` };
  return { error: `not a Telegram recipient: ${JSON.stringify(t.slice(0, 100))} (use a chat id such as 123456789 or -1001234567890, or @channelusername)` };
}

/** A chat a MessageRef names: numeric, as Telegram returned it when the message was sent. */
export function refChat(value: unknown): number | undefined {
  const n = typeof value === 'string' && CHAT_ID.test(value) ? Number(value) : value;
  return typeof n === 'number' && Number.isSafeInteger(n) && n !== 0 ? n : undefined;
}

export function refMessage(value: unknown): number | undefined {
  const n = typeof value === 'string' && /^\d{1,12}$/.test(value) ? Number(value) : value;
  return typeof n === 'number' && Number.isSafeInteger(n) && n > 0 ? n : undefined;
}

/**
 * Whether a tap in `chat` may answer `request`: the chat is one the request was addressed to (its numeric
 * id or public @username) or delivered to (a recorded message). Telegram warns that a client can send any
 * callback_data, so the data alone proves nothing; the chat of the tapped message comes from Telegram.
 */
export function reaches(request: Pick<Request, 'recipients' | 'deliveries'>, chat: { id: number; username?: string }): boolean {
  const name = chat.username ? `@${chat.username.toLowerCase()}` : undefined;
  const addressed = request.recipients.some((r) => r.channel === 'telegram' && (refChat(r.to) === chat.id || (!!name && r.to?.toLowerCase() === name)));
  return addressed || request.deliveries.some((d) => d.channel === 'telegram' && refChat(d.ref?.chat_id) === chat.id);
}

/** Groups, supergroups and channels have negative ids or a public @name; users positive ids. */
export const isGroupChat = (chat: ChatTarget): boolean => typeof chat === 'string' || chat < 0;

/** The identity Telegram proved (the sender of a callback or a message): telegram:<numeric user id>. */
export function responderOf(user: Pick<User, 'id' | 'username' | 'first_name'>): Responder {
  const name = user.username || user.first_name || undefined;
  return { channel: 'telegram', id: String(user.id), ...(name ? { name } : {}) };
}

/** The bot's own user id: the part of its token before the colon (Telegram's token format). */
export function botIdOf(token: string): number {
  return Number(token.slice(0, token.indexOf(':')));
}
