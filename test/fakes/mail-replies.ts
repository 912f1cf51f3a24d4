// Replies as mail clients write them, as raw RFC 5322 text for tests to APPEND into the test IMAP
// server: the answer on top, the original quoted below an "On … wrote:" line (Gmail and Apple Mail
// style), In-Reply-To and References naming the original, sent to its Reply-To (else its From).
import { randomBytes } from 'node:crypto';
import type { ParsedMail } from 'mailparser';

export interface Person {
  name: string;
  address: string;
}

export interface ReplyOptions {
  from: Person;
  /** The new text, written above the quote. */
  text: string;
  /** Quote the original below the answer (default true). */
  quote?: boolean;
  /** Send to this address instead of the original's Reply-To. */
  to?: string;
  /** Leave out In-Reply-To and References (a reply matched by its plus-address alone). */
  noThreadHeaders?: boolean;
  /** Extra header lines, e.g. { 'Auto-Submitted': 'auto-replied' }. */
  headers?: Record<string, string>;
  /** The reply's own Message-ID (default: a new one). */
  messageId?: string;
}

const first = (v: ParsedMail['to'] | ParsedMail['replyTo']) => (Array.isArray(v) ? v[0] : v)?.value[0]?.address;

/** Who a reply to `original` goes to: its Reply-To, else its From. */
export function replyAddressOf(original: ParsedMail): string {
  const to = first(original.replyTo) ?? first(original.from);
  if (!to) throw new Error('the original has neither Reply-To nor From');
  return to;
}

export function composeReply(original: ParsedMail, o: ReplyOptions): string {
  const messageId = o.messageId ?? `<${randomBytes(8).toString('hex')}@mail.example.com>`;
  const refs = [...(typeof original.references === 'string' ? [original.references] : (original.references ?? [])), original.messageId].filter(Boolean).join(' ');
  const date = new Date().toUTCString();
  const quoted = (o.quote ?? true) && original.text
    ? `\r\n\r\nOn ${date}, Switchboard <${first(original.from) ?? ''}> wrote:\r\n${original.text.split(/\r?\n/).map((l) => `> ${l}`).join('\r\n')}`
    : '';
  const headers: Record<string, string> = {
    From: `"${o.from.name}" <${o.from.address}>`,
    To: o.to ?? replyAddressOf(original),
    Subject: `Re: ${original.subject ?? ''}`,
    Date: date,
    'Message-ID': messageId,
    ...(o.noThreadHeaders ? {} : { 'In-Reply-To': original.messageId ?? '', References: refs }),
    'MIME-Version': '1.0',
    'Content-Type': 'text/plain; charset=utf-8',
    'Content-Transfer-Encoding': '8bit',
    ...o.headers,
  };
  const head = Object.entries(headers).map(([k, v]) => `${k}: ${v}`).join('\r\n');
  return `${head}\r\n\r\n${o.text.replace(/\r?\n/g, '\r\n')}${quoted}\r\n`;
}
