// A form answered in a chat, as a reply to the bot's prompt: the shared `name: value` reader
// (channels/kit/form-lines.ts), its corrections worded for Telegram.
import type { Request } from '../../src/domain/types.js';
import { parseFormLines, type FormLines } from '../kit/form-lines.js';

export type FormReply = FormLines;

export function parseFormReply(request: Pick<Request, 'fields'>, text: string): FormReply {
  return parseFormLines(request, text, 'Reply to the prompt again');
}
