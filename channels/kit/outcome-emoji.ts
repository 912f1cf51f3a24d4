import { verdictOf } from '../../src/domain/outcome-text.js';
import type { Request } from '../../src/domain/types.js';

/** The emoji a chat channel puts before an outcome: ✅ approved or chosen, ❌ rejected (or a danger option), ⌛ expired, 🚫 cancelled. */
export function outcomeEmoji(request: Request): string {
  if (request.state === 'expired') return '⌛';
  if (request.state === 'cancelled') return '🚫';
  const r = request.response;
  if (!r) return '✅';
  const verdict = verdictOf(request, r.value);
  if (verdict === 'approved' || verdict === 'rejected') return verdict === 'approved' ? '✅' : '❌';
  return request.options.find((o) => o.value === r.value)?.style === 'danger' ? '❌' : '✅';
}
