// Messages no person wrote: out-of-office replies, vacation responders, mailing-list copies and bounces.
// They never answer a request and are never answered (RFC 3834 §2: no automatic reply to an automatic
// message), so the reply handler drops them before anything else. Reads mailparser's header map:
// lowercase keys; List-* headers folded into one "list" entry; address headers parsed into
// { value, text }; Content-Type as { value, params }. Pure.
import type { ParsedMail } from 'mailparser';

type Headers = ParsedMail['headers'];

const BULK_PRECEDENCE = ['bulk', 'list', 'junk'];

/** Why this message is automatic ("Auto-Submitted: auto-replied", "empty Return-Path", …), or undefined for a person's. */
export function autoReplyReason(headers: Headers, contentType?: string): string | undefined {
  const autoSubmitted = text(headers.get('auto-submitted'));
  // The value may carry parameters ("auto-replied; owner-email=…"): only its keyword counts.
  if (autoSubmitted && keyword(autoSubmitted) !== 'no') return `Auto-Submitted: ${keyword(autoSubmitted)}`;
  const precedence = keyword(text(headers.get('precedence')) ?? '');
  if (BULK_PRECEDENCE.includes(precedence)) return `Precedence: ${precedence}`;
  if (headers.has('x-autoreply')) return 'X-Autoreply';
  if (headers.has('x-autorespond')) return 'X-Autorespond';
  if (headers.has('return-path') && !returnPath(headers.get('return-path'))) return 'empty Return-Path';
  if (listId(headers.get('list'))) return 'List-Id';
  if (isReport(contentType ?? headers.get('content-type'))) return 'a delivery status notification (multipart/report)';
  return undefined;
}

const keyword = (value: string) => value.split(';')[0]!.trim().toLowerCase();

function text(value: unknown): string | undefined {
  if (Array.isArray(value)) return text(value[0]);
  return typeof value === 'string' ? value : undefined;
}

/** The Return-Path's address: "" for the null path "<>" (bounces and other automatic mail use it). */
function returnPath(value: unknown): string {
  const first: unknown = Array.isArray(value) ? value[0] : value;
  if (typeof first === 'string') return first.replace(/[<>\s]/g, '');
  return (first as { value?: { address?: string }[] } | undefined)?.value?.find((a) => a.address)?.address ?? '';
}

function listId(value: unknown): boolean {
  const lists = Array.isArray(value) ? value : [value];
  return lists.some((l) => typeof l === 'object' && l !== null && 'id' in l);
}

function isReport(value: unknown): boolean {
  const type = typeof value === 'string' ? value : (value as { value?: string } | undefined)?.value;
  return keyword(type ?? '') === 'multipart/report';
}
