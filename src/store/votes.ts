import { responderActor } from '../domain/actors.js';
import type { Request, Response } from '../domain/types.js';
import type { Db } from './db.js';
import { claimRequest, type Claim, type Claimed } from './requests.js';

export type VoteOutcome =
  | 'closed'
  | { decided: false; duplicate: boolean }
  | { decided: true; claimed: Claimed | undefined };

/**
 * Quorum > 1: the request row is locked so concurrent votes are counted one at a time; one vote
 * per responder; the vote that reaches the quorum claims the request in the same transaction.
 */
export async function castVote(
  db: Db,
  request: Request,
  response: Response,
  settings: Pick<Claim, 'callbackBackstopMs' | 'holdJobsMs'>,
): Promise<VoteOutcome> {
  return db.sql.begin(async (tx) => {
    const [row] = await tx<{ state: string; open: boolean }[]>`
      select state, (expires_at is null or expires_at > now()) as open from requests where id = ${request.id} for update`;
    if (row?.state !== 'pending' || !row.open) return 'closed' as const;
    const inserted = await tx`
      insert into responses (request_id, value, comment, fields, responder_channel, responder_id, responder_name)
      values (${request.id}, ${response.value}, ${response.comment}, ${tx.json(response.fields)},
        ${response.responder.channel}, ${response.responder.id}, ${response.responder.name ?? null})
      on conflict (request_id, responder_channel, responder_id) do nothing
      returning id`;
    const [{ count } = { count: 0 }] = await tx<{ count: number }[]>`
      select count(*)::int as count from responses where request_id = ${request.id} and value = ${response.value}`;
    if (count < request.quorum) {
      if (inserted.length > 0) {
        await tx`insert into events (request_id, type, data)
          values (${request.id}, 'answer.counted', ${tx.json({ responder: response.responder, votes: count, actor: responderActor(response.responder) } as never)})`;
      }
      return { decided: false as const, duplicate: inserted.length === 0 };
    }
    const claimed = await claimRequest(tx as never, {
      id: request.id,
      state: 'resolved',
      response,
      recordResponse: false,
      eventType: 'request.resolved',
      eventData: { responder: response.responder, value: response.value, votes: count, actor: responderActor(response.responder) },
      ...settings,
    });
    return { decided: true as const, claimed };
  });
}
