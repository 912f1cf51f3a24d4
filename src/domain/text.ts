import { z } from 'zod';

// Postgres refuses U+0000 in text and in jsonb, and jsonb refuses an unpaired UTF-16 surrogate
// (text would silently turn it into U+FFFD). Either would be a 500 at insert time, so every string
// that may reach the database is checked here first.
const UNPAIRED_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

/** Why Postgres could not store `s` (as text or inside jsonb), or undefined if it can. */
export function unstorableText(s: string): string | undefined {
  if (s.includes('\u0000')) return 'must not contain the NUL character (\\u0000)';
  if (UNPAIRED_SURROGATE.test(s)) return 'must be well-formed Unicode (it has an unpaired surrogate)';
  return undefined;
}

export const tooLong = (max: number) => `must be at most ${max} characters`;

/** What is wrong with `s` as a string of at most `max` characters that Postgres can store, if anything. */
export function textProblem(s: string, max: number): string | undefined {
  return s.length > max ? tooLong(max) : unstorableText(s);
}

/** A zod string of at most `max` characters that Postgres can store. */
export function text(max: number, opts: { min?: number; trim?: boolean } = {}) {
  let schema = z.string();
  if (opts.trim) schema = schema.trim();
  if (opts.min) schema = schema.min(opts.min);
  return schema.max(max, tooLong(max)).superRefine((s, ctx) => {
    const problem = unstorableText(s);
    if (problem) ctx.addIssue({ code: 'custom', message: problem });
  });
}

/** A shortened, storable copy of untrusted text for the audit log: never refused, never large. */
export function auditText(s: string, max: number): string {
  let end = Math.min(s.length, max);
  if (end < s.length && /[\ud800-\udbff]/.test(s[end - 1]!)) end--; // never cut a surrogate pair in two
  const kept = s.slice(0, end);
  const clean = kept.replaceAll('\u0000', '\ufffd').replace(new RegExp(UNPAIRED_SURROGATE, 'g'), '\ufffd');
  return kept === s ? clean : `${clean}…`;
}
