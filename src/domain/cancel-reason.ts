import { LIMITS } from './limits.js';
import { auditText, unstorableText } from './text.js';

/**
 * The optional `reason` of a cancel, for the audit log: anything but a string is ignored; a string
 * Postgres cannot store is refused; a long one is cut to LIMITS.cancelReason characters.
 */
export function cancelReason(raw: unknown): { ok: true; reason?: string } | { ok: false; message: string } {
  if (typeof raw !== 'string') return { ok: true };
  const problem = unstorableText(raw);
  if (problem) return { ok: false, message: problem };
  return { ok: true, reason: auditText(raw, LIMITS.cancelReason) };
}
