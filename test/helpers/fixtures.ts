import { defaultOptions } from '../../src/domain/request-schema.js';
import type { Request } from '../../src/domain/types.js';

let counter = 0;

/** A pending request as the hub returns it, for pure tests; override any field. */
export function makeRequest(over: Partial<Request> = {}): Request {
  counter += 1;
  const type = over.type ?? 'approval';
  return {
    id: `req_${String(counter).padStart(4, '0')}${'x'.repeat(22)}`,
    state: 'pending',
    type,
    title: 'Deploy v2.3 to production?',
    body: null,
    context: {},
    options: defaultOptions(type),
    fields: [],
    recipients: [{ channel: 'web' }],
    approvers: [],
    quorum: 1,
    timeout_seconds: null,
    on_timeout: null,
    callback_url: null,
    workflow_id: null,
    checkpoint_id: null,
    metadata: {},
    created_at: '2024-01-01T00:00:00.000Z',
    expires_at: null,
    closed_at: null,
    response: null,
    votes: [],
    deliveries: [],
    callback: null,
    reminders: [],
    ...over,
  };
}
