import type { CreateRequestInput } from './types.js';

/**
 * The Idempotency-Key `ask` creates with: derived from workflow_id and checkpoint_id when both are
 * given (so a workflow that re-runs a step finds the request it made before), else random (so only
 * this call's own retries are folded together).
 */
export async function askIdempotencyKey(request: Pick<CreateRequestInput, 'workflow_id' | 'checkpoint_id'>): Promise<string> {
  const { workflow_id: workflow, checkpoint_id: checkpoint } = request;
  if (workflow === undefined || checkpoint === undefined) return `ask:${crypto.randomUUID()}`;
  // NUL cannot occur in either id (the server refuses it), so the pair maps to one string only.
  const digest = await crypto.subtle.digest('SHA-256', new TextEncoder().encode(`${workflow}\0${checkpoint}`));
  return `ask:${toHex(new Uint8Array(digest))}`;
}

const toHex = (bytes: Uint8Array) => Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
