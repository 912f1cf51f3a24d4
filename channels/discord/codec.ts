// What Switchboard puts into Discord and reads back. Components carry only the request id and an option
// or field index (custom_id, at most 100 characters); the server looks the request up and checks the
// option, the state, the approver and the channel before anything counts. Parsers treat their input as
// hostile: anything unexpected is `undefined`, never an exception.
//
//   custom_id  sb:o:<requestId>:<index>   button: pick option <index> (approval, choice)
//              sb:s:<requestId>:<n>       string select n (25 options each): its one value is an option index
//              sb:a:<requestId>           button: open the answer modal (text, short forms)
//              sb:m:<requestId>           the modal's submission
//              v | f:<index>              a modal text input: the text answer, or form field <index>
import type { Request, Responder } from '../../src/domain/types.js';
import { SNOWFLAKE } from './config.js';

/** Discord's limit on a component's custom_id. */
export const CUSTOM_ID_MAX = 100;

const REQUEST_ID = /^[a-z]{1,10}_[0-9a-z]{1,40}$/;
const MAX_INDEX = 100;

export type Action =
  | { kind: 'option'; requestId: string; index: number }
  | { kind: 'select'; requestId: string }
  | { kind: 'answer'; requestId: string }
  | { kind: 'modal'; requestId: string };

const fits = (id: string): string => {
  if (id.length > CUSTOM_ID_MAX) throw new Error(`custom_id over ${CUSTOM_ID_MAX} characters: ${id}`);
  return id;
};

export const optionId = (requestId: string, index: number) => fits(`sb:o:${requestId}:${index}`);
export const selectId = (requestId: string, n: number) => fits(`sb:s:${requestId}:${n}`);
export const answerId = (requestId: string) => fits(`sb:a:${requestId}`);
export const modalId = (requestId: string) => fits(`sb:m:${requestId}`);
export const TEXT_INPUT_ID = 'v';
export const fieldInputId = (index: number) => `f:${index}`;

export function parseAction(customId: unknown): Action | undefined {
  if (typeof customId !== 'string' || customId.length > CUSTOM_ID_MAX) return undefined;
  const m = /^sb:([osam]):([^:]+)(?::(\d{1,3}))?$/.exec(customId);
  if (!m || !REQUEST_ID.test(m[2]!)) return undefined;
  const requestId = m[2]!;
  const indexed = m[3] !== undefined && Number(m[3]) < MAX_INDEX;
  if (m[1] === 'o') return indexed ? { kind: 'option', requestId, index: Number(m[3]) } : undefined;
  if (m[1] === 's') return indexed ? { kind: 'select', requestId } : undefined;
  if (m[3] !== undefined) return undefined;
  return { kind: m[1] === 'a' ? 'answer' : 'modal', requestId };
}

/** An option index from a select menu's value. */
export function parseIndex(value: unknown): number | undefined {
  return typeof value === 'string' && /^\d{1,3}$/.test(value) && Number(value) < MAX_INDEX ? Number(value) : undefined;
}

/** A field index from a modal text input's custom_id. */
export function parseFieldInput(customId: unknown): number | undefined {
  const m = typeof customId === 'string' ? /^f:(\d{1,3})$/.exec(customId) : null;
  return m ? Number(m[1]) : undefined;
}

/** Where a recipient's `to` sends the message: a channel (a snowflake), or a person's DM channel (`user:<id>`). */
export type Target = { channel: string } | { user: string };

export function discordTarget(to: string | undefined): Target | { error: string } {
  const t = to?.trim() ?? '';
  if (SNOWFLAKE.test(t)) return { channel: t };
  const user = /^user:(\d+)$/.exec(t);
  if (user && SNOWFLAKE.test(user[1]!)) return { user: user[1]! };
  return { error: `not a Discord recipient: ${JSON.stringify(t.slice(0, 100))} (use a channel id such as 123456789012345678, or user:<user id> for a direct message)` };
}

export const isSnowflake = (v: unknown): v is string => typeof v === 'string' && SNOWFLAKE.test(v);

/**
 * Whether an interaction in `channelId` may answer `request`: the channel is one the request was addressed
 * to or delivered to (a DM's channel is known once delivered). Discord tells us the channel, the client
 * does not choose it; the custom_id alone proves nothing.
 */
export function reaches(request: Pick<Request, 'recipients' | 'deliveries'>, channelId: string | undefined): boolean {
  if (!channelId) return false;
  const addressed = request.recipients.some((r) => r.channel === 'discord' && r.to?.trim() === channelId);
  return addressed || request.deliveries.some((d) => d.channel === 'discord' && String(d.ref?.channel_id) === channelId);
}

export interface DiscordUser {
  id: string;
  username?: string;
  global_name?: string | null;
}

/** The identity Discord proved: discord:<user id>, named by the member's nick, else the global name, else the username. */
export function responderOf(user: DiscordUser, nick?: string | null): Responder {
  const name = nick || user.global_name || user.username || undefined;
  return { channel: 'discord', id: user.id, ...(name ? { name } : {}) };
}
