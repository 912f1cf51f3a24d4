// Telegram's objects as the Bot API sends them (https://core.telegram.org/bots/api#available-types),
// for the fake Bot API (test/fakes/telegram.ts): users, chats, messages with their entities and
// inline keyboards, callback queries and updates, and the HTML parse mode turned into text + entities
// the way Telegram's own parser does it (tdlib's parse_html: the same tags, the same errors with the
// same byte offsets), so what a person would see is exactly what the fake stores.

export interface TgUser {
  id: number;
  is_bot: boolean;
  first_name: string;
  last_name?: string;
  username?: string;
  language_code?: string;
}

export type ChatType = 'private' | 'group' | 'supergroup' | 'channel';

export interface TgChat {
  id: number;
  type: ChatType;
  /** Groups, supergroups and channels. */
  title?: string;
  /** Private chats, supergroups and channels (a public @username). */
  username?: string;
  /** Private chats. */
  first_name?: string;
  last_name?: string;
}

export interface TgEntity {
  type: 'bold' | 'italic' | 'underline' | 'strikethrough' | 'spoiler' | 'code' | 'pre' | 'text_link' | 'text_mention' | 'blockquote' | 'custom_emoji';
  /** In UTF-16 code units, as the Bot API counts. */
  offset: number;
  length: number;
  url?: string;
  language?: string;
  user?: TgUser;
  custom_emoji_id?: string;
}

export interface InlineButton {
  text: string;
  callback_data?: string;
  url?: string;
  [other: string]: unknown;
}

export interface InlineKeyboard {
  inline_keyboard: InlineButton[][];
}

export interface TgMessage {
  message_id: number;
  /** Absent for posts in channels (see sender_chat). */
  from?: TgUser;
  sender_chat?: TgChat;
  chat: TgChat;
  date: number;
  edit_date?: number;
  text?: string;
  entities?: TgEntity[];
  /** Only an inline keyboard ever shows here (a ForceReply is not echoed). */
  reply_markup?: InlineKeyboard;
  /** One level deep: the replied-to message never carries its own reply_to_message. */
  reply_to_message?: TgMessage;
}

export interface TgCallbackQuery {
  id: string;
  from: TgUser;
  message?: TgMessage;
  chat_instance: string;
  data?: string;
}

export interface TgUpdate {
  update_id: number;
  message?: TgMessage;
  edited_message?: TgMessage;
  channel_post?: TgMessage;
  callback_query?: TgCallbackQuery;
  [other: string]: unknown;
}

/** The kind of an update: the name of its one field besides update_id (what allowed_updates lists). */
export function updateType(update: TgUpdate): string {
  return Object.keys(update).find((k) => k !== 'update_id') ?? 'unknown';
}

export const unixNow = () => Math.floor(Date.now() / 1000);

/** A copy of a message as it sits in a reply_to_message or a callback query: one level, no nested reply. */
export function quoted(message: TgMessage): TgMessage {
  const copy = structuredClone(message);
  delete copy.reply_to_message;
  return copy;
}

/** A tap on an inline button: the update Telegram sends for it. */
export function callbackQueryUpdate(o: { updateId: number; queryId: string; from: TgUser; message: TgMessage; chatInstance: string; data: string }): TgUpdate {
  return {
    update_id: o.updateId,
    callback_query: { id: o.queryId, from: o.from, message: quoted(o.message), chat_instance: o.chatInstance, data: o.data },
  };
}

/** A message a person wrote (in a private chat or a group), optionally a reply to another message. */
export function messageUpdate(o: { updateId: number; message: TgMessage }): TgUpdate {
  return { update_id: o.updateId, message: structuredClone(o.message) };
}

export type Parsed = { text: string; entities: TgEntity[] } | { error: string };

const TAGS = new Set(['a', 'b', 'strong', 'i', 'em', 's', 'strike', 'del', 'u', 'ins', 'tg-spoiler', 'tg-emoji', 'span', 'pre', 'code', 'blockquote']);
const SPACE = new Set([0x20, 0x09, 0x0d, 0x0a, 0x0b, 0x0c, 0x00]);
const LT = 0x3c;
const GT = 0x3e;
const AMP = 0x26;
const SLASH = 0x2f;
const EQ = 0x3d;

const isAlpha = (c: number) => (c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a);
const isDigit = (c: number) => c >= 0x30 && c <= 0x39;
const isHex = (c: number) => isDigit(c) || (c >= 0x41 && c <= 0x46) || (c >= 0x61 && c <= 0x66);
/** The first byte of a UTF-8 character (not a continuation byte). */
const isFirstUnit = (c: number) => (c & 0xc0) !== 0x80;

/**
 * Telegram's HTML parse mode: the text a person sees and its entities, or the error Telegram gives
 * ("Unsupported start tag \"foo\" at byte offset 3"; the Bot API prefixes "can't parse entities: ").
 * Only &lt; &gt; &amp; &quot; and numeric references are entities; any other `&` is text.
 */
export function parseHtml(html: string): Parsed {
  const b = Buffer.from(html, 'utf8');
  const at = (i: number) => (i < b.length ? b[i]! : 0);
  const out: number[] = [];
  const entities: TgEntity[] = [];
  const open: { tag: string; argument: string; offset: number; begin: number }[] = [];
  let utf16 = 0;
  let badSurrogate = false;

  /** Decodes an entity at `pos` (an '&'): the code point and where the text goes on, or 0 when it is not one. */
  const entityAt = (pos: number): { code: number; next: number } => {
    let end = pos + 1;
    let code = 0;
    if (at(pos + 1) === 0x23) {
      end++;
      if (at(pos + 2) === 0x78) {
        end++;
        while (isHex(at(end))) code = code * 16 + Number.parseInt(String.fromCharCode(at(end++)), 16);
      } else {
        while (isDigit(at(end))) code = code * 10 + (at(end++) - 0x30);
      }
      if (code === 0 || code >= 0x10ffff || end - pos >= 10) return { code: 0, next: pos };
    } else {
      while (isAlpha(at(end))) end++;
      const name = b.subarray(pos + 1, end).toString('latin1');
      code = ({ lt: 0x3c, gt: 0x3e, amp: 0x26, quot: 0x22 } as Record<string, number>)[name] ?? 0;
      if (!code) return { code: 0, next: pos };
    }
    return { code, next: at(end) === 0x3b ? end + 1 : end };
  };
  const append = (code: number) => {
    if (code >= 0xd800 && code <= 0xdfff) badSurrogate = true;
    out.push(...Buffer.from(String.fromCodePoint(code), 'utf8'));
    utf16 += code > 0xffff ? 2 : 1;
  };

  let i = 0;
  while (i < b.length) {
    const c = b[i]!;
    if (c === AMP) {
      const { code, next } = entityAt(i);
      if (code) {
        append(code);
        i = next;
        continue;
      }
    }
    if (c !== LT) {
      if (isFirstUnit(c)) utf16 += 1 + (c >= 0xf0 ? 1 : 0);
      out.push(c);
      i++;
      continue;
    }
    const begin = i++;
    if (at(i) !== SLASH) {
      while (!SPACE.has(at(i)) && at(i) !== GT) i++;
      if (at(i) === 0) return { error: `Unclosed start tag at byte offset ${begin}` };
      const tag = b.subarray(begin + 1, i).toString('utf8').toLowerCase();
      if (!TAGS.has(tag)) return { error: `Unsupported start tag "${tag}" at byte offset ${begin}` };
      let argument = '';
      while (at(i) !== GT) {
        while (at(i) !== 0 && SPACE.has(at(i))) i++;
        if (at(i) === GT) break;
        const nameBegin = i;
        while (!SPACE.has(at(i)) && at(i) !== EQ) i++;
        const name = b.subarray(nameBegin, i).toString('utf8');
        if (!name) return { error: `Empty attribute name in the tag "${tag}" at byte offset ${begin}` };
        while (at(i) !== 0 && SPACE.has(at(i))) i++;
        if (at(i) !== EQ) return { error: `Expected equal sign in declaration of an attribute of the tag "${tag}" at byte offset ${begin}` };
        i++;
        while (at(i) !== 0 && SPACE.has(at(i))) i++;
        if (at(i) === 0) return { error: `Unclosed start tag "${tag}" at byte offset ${begin}` };
        let value: string;
        if (at(i) !== 0x27 && at(i) !== 0x22) {
          const tokenBegin = i;
          while (isAlpha(at(i)) || isDigit(at(i)) || at(i) === 0x2e || at(i) === 0x2d) i++;
          value = b.subarray(tokenBegin, i).toString('utf8').toLowerCase();
          if (!SPACE.has(at(i)) && at(i) !== GT) return { error: `Unexpected end of name token at byte offset ${tokenBegin}` };
        } else {
          const quote = at(i++);
          const bytes: number[] = [];
          while (at(i) !== quote && at(i) !== 0) {
            if (at(i) === AMP) {
              const { code, next } = entityAt(i);
              if (code) {
                bytes.push(...Buffer.from(String.fromCodePoint(code), 'utf8'));
                i = next;
                continue;
              }
            }
            bytes.push(at(i++));
          }
          if (at(i) === quote) i++;
          value = Buffer.from(bytes).toString('utf8');
        }
        if (at(i) === 0) return { error: `Unclosed start tag at byte offset ${begin}` };
        if (tag === 'a' && name === 'href') argument = value;
        else if (tag === 'code' && name === 'class' && value.startsWith('language-')) argument = value.slice(9);
        else if (tag === 'span' && name === 'class' && value.startsWith('tg-')) argument = value.slice(3);
        else if (tag === 'tg-emoji' && name === 'emoji-id') argument = value;
      }
      if (tag === 'span' && argument !== 'spoiler') return { error: `Tag "span" must have class "tg-spoiler" at byte offset ${begin}` };
      open.push({ tag, argument, offset: utf16, begin: out.length });
      i++;
      continue;
    }
    if (!open.length) return { error: `Unexpected end tag at byte offset ${begin}` };
    while (!SPACE.has(at(i)) && at(i) !== GT) i++;
    const endTag = b.subarray(begin + 2, i).toString('utf8').toLowerCase();
    while (SPACE.has(at(i)) && at(i) !== 0) i++;
    if (at(i) !== GT) return { error: `Unclosed end tag at byte offset ${begin}` };
    i++;
    const top = open.pop()!;
    if (endTag && endTag !== top.tag) return { error: `Unmatched end tag at byte offset ${begin}, expected "</${top.tag}>", found "</${endTag}>"` };
    const length = utf16 - top.offset;
    if (length <= 0) continue;
    const entity = closeEntity(top, length, Buffer.from(out.slice(top.begin)).toString('utf8'), entities);
    if ('error' in entity) return entity;
    if (entity.entity) entities.push(entity.entity);
  }
  if (open.length) return { error: `Can't find end tag corresponding to start tag ${open.at(-1)!.tag}` };
  if (badSurrogate) return { error: 'Text contains invalid Unicode characters after decoding HTML entities, check for unmatched surrogate code units' };
  for (const e of entities) if (e.type === 'code') delete e.language;
  entities.sort((x, y) => x.offset - y.offset || y.length - x.length);
  return { text: Buffer.from(out).toString('utf8'), entities };
}

/** The entity a closed tag makes; `pre` and `code` around the same text merge into one pre with a language. */
function closeEntity(
  top: { tag: string; argument: string; offset: number },
  length: number,
  inner: string,
  entities: TgEntity[],
): { entity?: TgEntity } | { error: string } {
  const { tag, argument, offset } = top;
  const last = entities.at(-1);
  const same = last && last.offset === offset && last.length === length;
  switch (tag) {
    case 'b':
    case 'strong':
      return { entity: { type: 'bold', offset, length } };
    case 'i':
    case 'em':
      return { entity: { type: 'italic', offset, length } };
    case 'u':
    case 'ins':
      return { entity: { type: 'underline', offset, length } };
    case 's':
    case 'strike':
    case 'del':
      return { entity: { type: 'strikethrough', offset, length } };
    case 'tg-spoiler':
    case 'span':
      return { entity: { type: 'spoiler', offset, length } };
    case 'blockquote':
      return { entity: { type: 'blockquote', offset, length } };
    case 'tg-emoji':
      if (!/^[1-9]\d*$/.test(argument)) return { error: 'Invalid custom emoji identifier specified' };
      return { entity: { type: 'custom_emoji', offset, length, custom_emoji_id: argument } };
    case 'a': {
      const url = checkedLink(argument || inner);
      return url ? { entity: { type: 'text_link', offset, length, url } } : {};
    }
    case 'pre':
      if (same && last.type === 'code' && last.language) {
        last.type = 'pre';
        return {};
      }
      return { entity: { type: 'pre', offset, length } };
    case 'code':
      if (same && last.type === 'pre' && argument) {
        last.language = argument;
        return {};
      }
      return { entity: { type: 'code', offset, length, ...(argument ? { language: argument } : {}) } };
    default:
      return {};
  }
}

/** A link Telegram keeps (http, https, tg:), "http://" added when the scheme is missing; anything else is dropped. */
function checkedLink(raw: string): string | undefined {
  for (const candidate of [raw, `http://${raw}`]) {
    try {
      const url = new URL(candidate);
      if (['http:', 'https:', 'tg:'].includes(url.protocol) && (url.protocol === 'tg:' || url.hostname)) return url.href;
    } catch {
      // not a URL
    }
  }
  return undefined;
}

/** Whitespace Telegram trims from the ends of a message, entities clipped to what is left. */
export function trimmed(parsed: { text: string; entities: TgEntity[] }): { text: string; entities: TgEntity[] } {
  const start = parsed.text.length - parsed.text.trimStart().length;
  const text = parsed.text.trim();
  const entities: TgEntity[] = [];
  for (const e of parsed.entities) {
    const from = Math.max(e.offset - start, 0);
    const to = Math.min(e.offset + e.length - start, text.length);
    if (to > from) entities.push({ ...e, offset: from, length: to - from });
  }
  return { text, entities };
}
