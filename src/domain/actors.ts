import type { Responder } from './types.js';

// Who did what, as the audit log names them (events.data.actor): a person or key by their identity
// (identity.ts, "channel:id"), a channel by its name for what it did on its platform (delivered,
// failed, settled), and the hub itself for what no one asked for (an expiry, a webhook attempt).

/** What the hub does on its own: expiries, webhook attempts. */
export const HUB_ACTOR = 'hub';

/** A responder as an actor: the identity quorum and approvers count, "slack:U0ANA". */
export const responderActor = (r: Pick<Responder, 'channel' | 'id'>): string => `${r.channel}:${r.id}`;

/** An API key as an actor: "api:<key name>", the identity its answers have too. */
export const apiKeyActor = (keyName: string): string => `api:${keyName}`;
