// What Switchboard puts into Slack's interactive payloads and reads back. Buttons carry only a compact
// request id and an option index; everything else is looked up through the hub. Every parser here
// treats its input as hostile: anything unexpected is `undefined`, never an exception.

export const ACTION = {
  /** `sb:opt:<index>` — one button per option; value `<requestId>:<index>`. */
  optionPrefix: 'sb:opt:',
  /** Static select of all options (choices with more than five); option values `<requestId>:<index>`. */
  select: 'sb:select',
  /** Opens the answer modal (text and form requests); value `<requestId>`. */
  answer: 'sb:answer',
  /** Opens the approve/reject-with-comment modal (approvals); value `<requestId>`. */
  comment: 'sb:comment',
} as const;

/** Modal kinds, used as the view's callback_id. */
export const VIEW = { approval: 'sb:view:approval', text: 'sb:view:text', form: 'sb:view:form' } as const;
export type ViewKind = keyof typeof VIEW;

const REQUEST_ID = /^[a-z]{1,10}_[0-9a-z]{1,64}$/;
const MAX_OPTIONS = 100;

export type ParsedAction =
  | { kind: 'option'; requestId: string; index: number }
  | { kind: 'answer' | 'comment'; requestId: string }
  | { kind: 'unknown' }
  | { kind: 'tampered' };

export function optionValue(requestId: string, index: number): string {
  return `${requestId}:${index}`;
}

function parseOptionValue(value: unknown): { requestId: string; index: number } | undefined {
  if (typeof value !== 'string') return undefined;
  const m = /^([^:]+):(\d{1,3})$/.exec(value);
  if (!m || !REQUEST_ID.test(m[1]!)) return undefined;
  const index = Number(m[2]);
  return index < MAX_OPTIONS ? { requestId: m[1]!, index } : undefined;
}

/** Reads one element of a block_actions payload's `actions` array. */
export function parseAction(action: unknown): ParsedAction {
  if (!action || typeof action !== 'object') return { kind: 'unknown' };
  const a = action as { action_id?: unknown; value?: unknown; selected_option?: { value?: unknown } | null };
  const id = typeof a.action_id === 'string' ? a.action_id : '';
  if (id.startsWith(ACTION.optionPrefix)) {
    const parsed = parseOptionValue(a.value);
    if (!parsed || id !== `${ACTION.optionPrefix}${parsed.index}`) return { kind: 'tampered' };
    return { kind: 'option', ...parsed };
  }
  if (id === ACTION.select) {
    const parsed = parseOptionValue(a.selected_option?.value);
    return parsed ? { kind: 'option', ...parsed } : { kind: 'tampered' };
  }
  if (id === ACTION.answer || id === ACTION.comment) {
    if (typeof a.value !== 'string' || !REQUEST_ID.test(a.value)) return { kind: 'tampered' };
    return { kind: id === ACTION.answer ? 'answer' : 'comment', requestId: a.value };
  }
  return { kind: 'unknown' };
}

/** Where a modal was opened from, so its submission can update that message. */
export interface ViewOrigin {
  requestId: string;
  channel: string;
  ts: string;
}

export function encodeOrigin(origin: ViewOrigin): string {
  return JSON.stringify({ r: origin.requestId, c: origin.channel, t: origin.ts });
}

export function decodeOrigin(metadata: unknown): ViewOrigin | undefined {
  if (typeof metadata !== 'string' || metadata.length > 3000) return undefined;
  try {
    const o = JSON.parse(metadata) as { r?: unknown; c?: unknown; t?: unknown };
    if (typeof o.r !== 'string' || !REQUEST_ID.test(o.r)) return undefined;
    if (typeof o.c !== 'string' || !isConversationId(o.c)) return undefined;
    if (typeof o.t !== 'string' || !isTs(o.t)) return undefined;
    return { requestId: o.r, channel: o.c, ts: o.t };
  } catch {
    return undefined;
  }
}

export function viewKindOf(callbackId: unknown): ViewKind | undefined {
  for (const [kind, id] of Object.entries(VIEW)) if (id === callbackId) return kind as ViewKind;
  return undefined;
}

/** C… public, G… private (legacy), D… direct message. */
export function isConversationId(s: string): boolean {
  return /^[CGD][A-Z0-9]{2,20}$/.test(s);
}

/** U… or W… (Enterprise Grid). */
export function isUserId(s: string): boolean {
  return /^[UW][A-Z0-9]{2,20}$/.test(s);
}

export function isTs(s: string): boolean {
  return /^\d{1,12}\.\d{1,8}$/.test(s);
}

/** Message metadata on every request Switchboard posts, so a retried delivery can find its earlier post. */
export const METADATA_EVENT = 'switchboard_request';

export interface RequestMetadata {
  event_type: typeof METADATA_EVENT;
  event_payload: { request_id: string; delivery_id?: string };
}

export function requestMetadata(requestId: string, deliveryId?: string): RequestMetadata {
  return { event_type: METADATA_EVENT, event_payload: { request_id: requestId, ...(deliveryId ? { delivery_id: deliveryId } : {}) } };
}

/** Reads a message's `metadata` (as conversations.history returns it) back; undefined unless it is ours. */
export function readRequestMetadata(metadata: unknown): { requestId: string; deliveryId?: string } | undefined {
  if (!metadata || typeof metadata !== 'object') return undefined;
  const m = metadata as { event_type?: unknown; event_payload?: { request_id?: unknown; delivery_id?: unknown } | null };
  if (m.event_type !== METADATA_EVENT || !m.event_payload || typeof m.event_payload !== 'object') return undefined;
  const { request_id: requestId, delivery_id: deliveryId } = m.event_payload;
  if (typeof requestId !== 'string' || !REQUEST_ID.test(requestId)) return undefined;
  return typeof deliveryId === 'string' && deliveryId ? { requestId, deliveryId } : { requestId };
}
