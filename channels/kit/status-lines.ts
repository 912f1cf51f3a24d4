import * as words from '../../src/domain/outcome-text.js';
import type { Request } from '../../src/domain/types.js';

// Status lines a chat channel shows under a pending request, worded once for every channel; the
// channel supplies its markup as a TextStyle.

/** "🗳️ 1 of 2 approvals: Ana" while a quorum is being gathered. */
export function votesLine(request: Request, style: words.TextStyle): string | undefined {
  if (request.quorum <= 1) return undefined;
  const voters = request.votes.map((v) => words.who(v.responder, style)).join(', ');
  return `🗳️ ${request.votes.length} of ${request.quorum} approvals${voters ? `: ${voters}` : ''}`;
}

/** Said when only named approvers may answer (who they are is the platform's to show, if it can). */
export function approversLine(request: Request): string | undefined {
  return request.approvers.length ? '🔒 Only the named approvers can answer' : undefined;
}

/** `items` in groups of at most `size` (button rows, select menus). */
export function chunk<T>(items: T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}
