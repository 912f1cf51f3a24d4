// Where an email's capability token travels: the plus-address of the reply address
// (approvals+<token>@example.com) and Switchboard's own Message-IDs (<<token>.<kind>@domain>), so a
// reply is matched to its delivery by either one alone. Tokens are the hub's compact capability tokens
// (lowercase, ≤ 51 characters): they survive servers that fold the case of addresses, and the
// local part stays within RFC 5321's 64 octets. Pure functions.

/** RFC 5321 limits: a whole address, and its local part. */
const MAX_ADDRESS = 254;
const MAX_LOCAL = 64;
/** A plain addr-spec (no display name, no quoted local part, no IP literal), as recipients are written. */
const ADDRESS = /^[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+@[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)+$/;
/** A compact capability token (src/tokens.ts) as it appears in a plus-address or a Message-ID. */
const TOKEN = /[0-9a-z]{26}-(?:w|\d{1,3})-[0-9a-z]{20}/i;

/** Why `to` is not an address a request can be sent to, or undefined. */
export function addressProblem(to: string | undefined): string | undefined {
  if (!to) return 'an email recipient needs "to": an address such as ana@example.com';
  if (to.length > MAX_ADDRESS) return `an email address is at most ${MAX_ADDRESS} characters`;
  if (!ADDRESS.test(to) || to.includes('..') || to.startsWith('.') || to.split('@')[0]!.endsWith('.')) return `"${to}" is not an email address such as ana@example.com`;
  if (to.split('@')[0]!.length > MAX_LOCAL) return `the part before "@" is at most ${MAX_LOCAL} characters`;
  return undefined;
}

/** The same mailbox whatever its case: addresses compare lowercased (local parts are case-insensitive in practice). */
export const normalizeAddress = (address: string) => address.trim().toLowerCase();

export function domainOf(address: string): string {
  return address.slice(address.lastIndexOf('@') + 1).toLowerCase();
}

/** approvals@example.com and a token → approvals+<token>@example.com. */
export function replyAddress(replyTo: string, token: string): string {
  const at = replyTo.lastIndexOf('@');
  return `${replyTo.slice(0, at)}+${token}${replyTo.slice(at)}`;
}

/** The token of a plus-address of `replyTo`'s mailbox (approvals+<token>@example.com), else undefined. */
export function tokenInAddress(address: string, replyTo: string): string | undefined {
  const a = normalizeAddress(address);
  const mailbox = normalizeAddress(replyTo);
  const at = mailbox.lastIndexOf('@');
  const prefix = `${mailbox.slice(0, at)}+`;
  if (!a.startsWith(prefix) || !a.endsWith(mailbox.slice(at))) return undefined;
  const token = a.slice(prefix.length, a.length - (mailbox.length - at));
  return new RegExp(`^${TOKEN.source}$`, 'i').test(token) ? token : undefined;
}

/** What a message of Switchboard's is, within a delivery's thread. */
export type MessageKind = 'request' | 'outcome' | 'notice';

/** `<<token>.<kind>[.<n>]@<domain>>`: Switchboard's own Message-ID for a delivery's message. */
export function messageId(token: string, kind: MessageKind, domain: string, n?: number | string): string {
  return `<${token}.${kind}${n === undefined ? '' : `.${n}`}@${domain}>`;
}

/**
 * The tokens carried by Message-IDs in In-Reply-To or References (any order, with or without <>),
 * nearest first as those headers list them oldest first. Each still has to verify: a token is only a
 * claim until its MAC is checked.
 */
export function tokensInMessageIds(ids: readonly string[]): string[] {
  const found: string[] = [];
  for (const id of [...ids].reverse()) {
    const m = new RegExp(`^<?(${TOKEN.source})\\.(?:request|outcome|notice)(?:\\.[\\w-]+)?@[^>]+>?$`, 'i').exec(id.trim());
    if (m && !found.includes(m[1]!.toLowerCase())) found.push(m[1]!.toLowerCase());
  }
  return found;
}
