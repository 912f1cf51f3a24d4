// A delivery started again (the process died mid-post, or a post timed out) may already be in Slack:
// before posting once more, look through the conversation's recent history for our own message whose
// metadata names this delivery. Without a history scope, or in a channel the bot is not a member of
// (chat:write.public posts without joining), there is nothing to look at: post anyway. The worst case
// is then a second copy, and every copy works.
import type { Logger } from 'pino';
import type { MessageRef, Request } from '../../src/domain/types.js';
import type { DeliveryAttempt } from '../channel.js';
import { type SlackApi, SlackApiError } from './client.js';
import { isConversationId, readRequestMetadata } from './codec.js';

/** History pages read at most, and their size (Slack caps non-Marketplace apps at 15 a page). */
const PAGES = 3;
const PAGE_SIZE = 100;
/** Clocks differ: look a little before the request was created. */
const SKEW_S = 60;

export async function findEarlierPost(api: SlackApi, log: Logger, request: Request, channel: string, deliveryId: string): Promise<MessageRef | undefined> {
  if (!isConversationId(channel)) {
    log.info({ deliveryId, channel }, 'slack: a #name cannot be searched; posting again (recipients given as channel ids are)');
    return undefined;
  }
  const created = Math.floor(Date.parse(request.created_at) / 1000);
  const oldest = Number.isFinite(created) ? String(created - SKEW_S) : undefined;
  try {
    const us = await api.identity();
    let cursor: string | undefined;
    for (let page = 0; page < PAGES; page++) {
      const { messages, nextCursor } = await api.history(channel, { oldest, limit: PAGE_SIZE, cursor, ticket: deliveryId });
      const ours = messages.find(
        (m) => (m.user === us.userId || (!!us.botId && m.bot_id === us.botId)) && readRequestMetadata(m.metadata)?.deliveryId === deliveryId,
      );
      if (ours?.ts) {
        log.info({ deliveryId, channel, ts: ours.ts }, 'slack: found the earlier post of this delivery; not posting again');
        return { channel, ts: ours.ts };
      }
      if (!nextCursor) return undefined;
      cursor = nextCursor;
    }
    return undefined;
  } catch (err) {
    // Retryable trouble (rate limits, network) is retried; not being able to look is not.
    if (err instanceof SlackApiError && !err.retryable) {
      log.warn({ deliveryId, channel, err: err.message }, 'slack: cannot look for an earlier post of this delivery; posting again');
      return undefined;
    }
    throw err;
  }
}

/**
 * Starts of a delivery this process saw end without posting (refused by the rate gate, or answered
 * with an error by Slack), so a delivery retried for a rate limit does not search history every time.
 * Only a post that timed out or met a 5xx may have gone through unseen.
 */
export class UnpostedStarts {
  private readonly known = new Map<string, number>();

  constructor(private readonly max = 10_000) {}

  /** Could an earlier start have posted? Yes unless every earlier start is known here to have ended cleanly. */
  mayHavePosted(d: DeliveryAttempt): boolean {
    return d.attempt > (this.known.get(d.id) ?? 0);
  }

  /** History was searched (or could not be) before this start posts: the earlier starts are accounted for. */
  searched(d: DeliveryAttempt): void {
    this.set(d.id, d.attempt);
  }

  failed(d: DeliveryAttempt, err: unknown): void {
    const unseen = err instanceof SlackApiError && (err.slackCode === 'request_error' || err.slackCode.startsWith('http_'));
    if (!unseen && !this.mayHavePosted(d)) this.set(d.id, d.attempt + 1);
  }

  /** Delivered: nothing more to remember. */
  done(d: DeliveryAttempt): void {
    this.known.delete(d.id);
  }

  private set(id: string, starts: number): void {
    this.known.delete(id);
    this.known.set(id, starts);
    if (this.known.size > this.max) this.known.delete(this.known.keys().next().value!);
  }
}
