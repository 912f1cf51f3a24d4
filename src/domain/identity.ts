import type { Recipient, Request, Responder } from './types.js';

// Who answered is proven by the channel, never taken from the answer's say-so (ARCHITECTURE.md).
// Identities are "channel:id"; quorum counts one vote per identity and `approvers` match them.
//
//   api      api:<key name>           the API key that sent the answer
//   web      web:page                 the request's own page (links.web): one voter, whoever holds the link
//            web:<to>                 the link of web recipient { channel: "web", to }
//            web:#<index>             the link of a web recipient without `to`
//            web:operator:<key name>  an operator answering in the console (/ui), signed in with that API key
//   others   <channel>:<to>           a link (capability token) issued to that recipient, e.g. email:ana@example.com
//            <channel>:<platform id>  a signed platform callback, e.g. slack:U0123

export const APPROVER_PATTERN = /^(slack|discord|telegram|email|sqs|web|api):.+$/;

/** An API key's name is its voters' identity (api:<name>): short, printable, no spaces. */
export const KEY_NAME = /^[A-Za-z0-9][A-Za-z0-9._@:-]{0,99}$/;

export function keyNameProblem(name: string): string | undefined {
  return KEY_NAME.test(name) ? undefined : 'a key name is 1..100 letters, digits, ".", "_", "@", ":" or "-", starting with a letter or digit';
}

/** The web page link's identity: everyone holding links.web is one voter. */
export const WEB_PAGE_ID = 'page';

/** A web recipient's identity: its `to`, or `#<index>` when it has none. */
export function webRecipientId(recipient: Recipient, index: number): string {
  return recipient.to ?? `#${index}`;
}

/** The console's operators answer as web:operator:<key name>; no web recipient may take that name. */
export const OPERATOR_PREFIX = 'operator:';

export function operatorResponder(keyName: string): Responder {
  return { channel: 'web', id: `${OPERATOR_PREFIX}${keyName}`, name: keyName };
}

/** Who a capability link answers as: the page (`'web'`) or recipient `index`; undefined if it names no recipient. */
export function linkIdentity(request: Pick<Request, 'recipients'>, link: number | 'web'): Pick<Responder, 'channel' | 'id'> | undefined {
  if (link === 'web') return { channel: 'web', id: WEB_PAGE_ID };
  const r = request.recipients[link];
  if (!r) return undefined;
  if (r.channel === 'web') return { channel: 'web', id: webRecipientId(r, link) };
  return r.to ? { channel: r.channel, id: r.to } : undefined;
}

/** An API answer is the key's, by name; what the body says about its responder is display data only. */
export function apiResponder(keyName: string, display?: { id?: string; name?: string }): Responder {
  const name = display?.name ?? display?.id;
  return { channel: 'api', id: keyName, ...(name ? { name } : {}) };
}

/** Approvers are "channel:id"; "channel:*" admits anyone answering through that channel. */
export function isApprover(request: Pick<Request, 'approvers'>, responder: Responder): boolean {
  if (request.approvers.length === 0) return true;
  const id = responder.channel === 'email' ? responder.id.toLowerCase() : responder.id;
  return request.approvers.some((a) => {
    const [channel, ...rest] = a.split(':');
    const who = rest.join(':');
    if (channel !== responder.channel) return false;
    if (who === '*') return true;
    return (channel === 'email' ? who.toLowerCase() : who) === id;
  });
}

export interface IdentityIssue {
  path: (string | number)[];
  message: string;
}

/**
 * Rules that keep web identities unambiguous: a web recipient's `to` is unique among web recipients
 * and cannot look like another web identity; a `web:` approver names one of this request's web links.
 */
export function identityIssues(r: { recipients: Recipient[]; approvers?: string[] }): IdentityIssue[] {
  const issues: IdentityIssue[] = [];
  const webIds = new Set([WEB_PAGE_ID]);
  r.recipients.forEach((rec, i) => {
    if (rec.channel !== 'web') return;
    const id = webRecipientId(rec, i);
    if (rec.to !== undefined && (rec.to === WEB_PAGE_ID || rec.to === '*' || rec.to.startsWith('#') || rec.to.startsWith(OPERATOR_PREFIX))) {
      issues.push({ path: ['recipients', i, 'to'], message: `"${WEB_PAGE_ID}", "*" and names starting with "#" or "${OPERATOR_PREFIX}" are reserved for web links and operators` });
    } else if (webIds.has(id)) {
      issues.push({ path: ['recipients', i, 'to'], message: 'web recipients need different names' });
    }
    webIds.add(id);
  });
  (r.approvers ?? []).forEach((a, i) => {
    if (!a.startsWith('web:') || a === 'web:*' || webIds.has(a.slice(4)) || a.startsWith(`web:${OPERATOR_PREFIX}`)) return;
    issues.push({
      path: ['approvers', i],
      message: `not a web link of this request: use "web:*", "web:${WEB_PAGE_ID}", "web:${OPERATOR_PREFIX}<key name>" or "web:<to>" of a web recipient`,
    });
  });
  return issues;
}
