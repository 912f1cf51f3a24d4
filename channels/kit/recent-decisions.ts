import type { Logger } from 'pino';
import type { Request } from '../../src/domain/types.js';
import type { Hub } from '../channel.js';

/**
 * The decisions of a request's workflow made before it was created, newest first (for "recent decisions"
 * lines). Later ones are left out so a settled copy shows what the reviewer saw. Empty without a workflow,
 * or when the hub cannot say: the message goes out without them.
 */
export async function recentDecisions(hub: Hub | undefined, request: Request, limit: number, log: Logger): Promise<Request[]> {
  if (!request.workflow_id || !hub) return [];
  const before = Date.parse(request.created_at);
  try {
    const list = await hub.history(request.workflow_id, limit);
    return list.filter((h) => h.id !== request.id && h.closed_at !== null && Date.parse(h.closed_at) <= before);
  } catch (err) {
    log.warn({ err: (err as Error).message }, 'workflow history unavailable');
    return [];
  }
}
