import type { CapabilityTokens } from '../../channels/channel.js';
import type { Request } from '../domain/types.js';

/** The request object of API.md. */
export function presentRequest(r: Request, publicUrl: string, tokens: CapabilityTokens) {
  return {
    id: r.id,
    state: r.state,
    type: r.type,
    title: r.title,
    body: r.body,
    context: r.context,
    options: r.options,
    fields: r.fields,
    recipients: r.recipients,
    approvers: r.approvers,
    quorum: r.quorum,
    timeout_seconds: r.timeout_seconds,
    on_timeout: r.on_timeout,
    workflow_id: r.workflow_id,
    checkpoint_id: r.checkpoint_id,
    metadata: r.metadata,
    created_at: r.created_at,
    expires_at: r.expires_at,
    closed_at: r.closed_at,
    deliveries: r.deliveries.map((d) => ({ channel: d.channel, to: d.to, status: d.status, error: d.error })),
    votes: r.votes,
    response: r.response,
    callback: r.callback,
    links: { self: `/v1/requests/${r.id}`, web: `${publicUrl}/r/${tokens.issue(r.id, 'web')}` },
  };
}

export type PresentedRequest = ReturnType<typeof presentRequest>;
