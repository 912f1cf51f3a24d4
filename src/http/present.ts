import type { CapabilityTokens } from '../../channels/channel.js';
import type { Request } from '../domain/types.js';

export interface PresentOptions {
  /**
   * Include the capability links (links.web, deliveries[].url). They can decide the request, so only
   * keys that may create requests see them; a read-only key must not be able to answer through them.
   */
  links?: boolean;
}

/** The request object of API.md. */
export function presentRequest(r: Request, publicUrl: string, tokens: CapabilityTokens, opts: PresentOptions = {}) {
  const links = opts.links ?? true;
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
    // Deliveries line up with recipients (one each, in order); a web recipient's `url` is its own link.
    deliveries: r.deliveries.map((d, i) => ({
      channel: d.channel, to: d.to, status: d.status, error: d.error,
      ...(links && d.channel === 'web' ? { url: `${publicUrl}/r/${tokens.issue(r.id, i)}` } : {}),
    })),
    votes: r.votes,
    response: r.response,
    callback: r.callback,
    reminders: r.reminders.map((s) => ({ after_seconds: s.after_seconds, ...(s.recipients ? { recipients: s.recipients } : {}), due_at: s.due_at, sent_at: s.sent_at })),
    links: { self: `/v1/requests/${r.id}`, ...(links ? { web: `${publicUrl}/r/${tokens.issue(r.id, 'web')}` } : {}) },
  };
}

export type PresentedRequest = ReturnType<typeof presentRequest>;
