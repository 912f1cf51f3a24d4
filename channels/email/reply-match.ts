// Which delivery a reply answers: the token in the plus-address it was sent to (To, Cc, Delivered-To,
// X-Original-To) or, failing that, in the Message-IDs it replies to (In-Reply-To, References). A token
// is only a claim until the hub verifies it, and it must be one issued to an email recipient.
import type { AddressObject, ParsedMail } from 'mailparser';
import type { Request } from '../../src/domain/types.js';
import type { Hub } from '../channel.js';
import { tokenInAddress, tokensInMessageIds } from './address.js';

export interface RepliedDelivery {
  /** The compact token the reply carried. */
  token: string;
  request: Request;
  recipient: number;
  /** The address the delivery (and so the token) went to, as the request names it. */
  issuedTo: string;
}

const RECIPIENT_HEADERS = ['to', 'cc', 'delivered-to', 'x-original-to'];

/** Tokens the reply carries, most telling first: plus-addresses, then the Message-IDs it answers, nearest first. */
export function tokenCandidates(mail: ParsedMail, replyTo: string): string[] {
  const addresses = RECIPIENT_HEADERS.flatMap((name) => addressesIn(mail.headers.get(name)));
  const plus = addresses.map((a) => tokenInAddress(a, replyTo)).filter((t): t is string => !!t);
  const threaded = tokensInMessageIds([...referencesOf(mail), ...(mail.inReplyTo ? [mail.inReplyTo] : [])]);
  return [...new Set([...plus.map((t) => t.toLowerCase()), ...threaded])];
}

/** The first candidate that verifies and names an email delivery of a request that exists. */
export async function repliedDelivery(hub: Hub, candidates: string[]): Promise<RepliedDelivery | undefined> {
  for (const token of candidates) {
    const link = hub.tokens.verify(token);
    if (!link || link.recipient === 'web') continue;
    const request = await hub.get(link.requestId);
    const recipient = request?.recipients[link.recipient];
    if (request && recipient?.channel === 'email' && recipient.to) return { token, request, recipient: link.recipient, issuedTo: recipient.to };
  }
  return undefined;
}

/** The References header's Message-IDs, oldest first. */
export function referencesOf(mail: ParsedMail): string[] {
  return typeof mail.references === 'string' ? [mail.references] : (mail.references ?? []);
}

/** Addresses in a header as mailparser gives it: parsed address objects (with groups), or raw text. */
function addressesIn(value: unknown): string[] {
  if (Array.isArray(value)) return value.flatMap(addressesIn);
  if (typeof value === 'string') return value.match(/[^\s<>,;:"]+@[^\s<>,;:"]+/g) ?? [];
  const entries = (value as AddressObject | undefined)?.value ?? [];
  return entries.flatMap((e) => [...(e.address ? [e.address] : []), ...(e.group ?? []).flatMap((g) => (g.address ? [g.address] : []))]);
}
