// switchboard/langgraph: answer LangGraph interrupts through Switchboard. The agent-inbox HumanInterrupt
// (`interrupt(humanInterrupt)` → `new Command({ resume: humanResponse })`) and LangChain's
// humanInTheLoopMiddleware (`__interrupt__[0].value` → `new Command({ resume: { decisions } })`).
// Runtime code uses only the typed client it is given; LangGraph and LangChain are never imported.
import type { Switchboard, WaitOptions } from '../client/index.js';
import { asHitlRequest, hitlToRequest, outcomeToDecision, reviewConfigFor, type HitlResponse } from './hitl-middleware.js';
import { interruptToRequest, outcomeToHumanResponse, type HumanInterrupt, type HumanResponse } from './human-interrupt.js';
import type { ReviewRequestOptions } from './review-form.js';

export * from './human-interrupt.js';
export * from './hitl-middleware.js';
export type { FinishedRequest, ReviewRequestOptions } from './review-form.js';

/** What the helpers need of the client: `new Switchboard({ url, apiKey })` from switchboard/client. */
export type AskingClient = Pick<Switchboard, 'ask'>;

/** The request's settings (recipients at least; workflow_id and checkpoint_id make asking again safe) and how long to wait. */
export type AskHumanOptions = ReviewRequestOptions & Pick<WaitOptions, 'signal' | 'timeoutMs'>;

/**
 * Asks a person through Switchboard and returns the HumanResponse to resume with. A list (the
 * agent-inbox convention `interrupt([humanInterrupt])`) gets a list back, one request per item.
 */
export async function askHuman(client: AskingClient, interrupt: HumanInterrupt, opts: AskHumanOptions): Promise<HumanResponse>;
export async function askHuman(client: AskingClient, interrupt: HumanInterrupt[], opts: AskHumanOptions): Promise<HumanResponse[]>;
export async function askHuman(client: AskingClient, interrupt: HumanInterrupt | HumanInterrupt[], opts: AskHumanOptions): Promise<HumanResponse | HumanResponse[]> {
  const { signal, timeoutMs, ...request } = opts;
  const askOne = async (item: HumanInterrupt, index: number, count: number) => {
    const finished = await client.ask(interruptToRequest(item, itemOptions(request, index, count)), { signal, timeoutMs });
    return outcomeToHumanResponse(item, finished);
  };
  if (!Array.isArray(interrupt)) return askOne(interrupt, 0, 1);
  return Promise.all(interrupt.map((item, i) => askOne(item, i, interrupt.length)));
}

/**
 * Reviews every tool call of a humanInTheLoopMiddleware interrupt through Switchboard (one request
 * each, asked at once) and returns what to resume with: `new Command({ resume: await reviewWithSwitchboard(…) })`.
 * `interruptValue` is `result.__interrupt__[0].value`, a HITLRequest (checked, so no cast is needed).
 */
export async function reviewWithSwitchboard(client: AskingClient, interruptValue: unknown, opts: AskHumanOptions): Promise<HitlResponse> {
  const value = asHitlRequest(interruptValue);
  const { signal, timeoutMs, ...request } = opts;
  const count = value.actionRequests.length;
  const decisions = await Promise.all(
    value.actionRequests.map(async (action, i) => {
      const review = reviewConfigFor(value, i);
      const finished = await client.ask(hitlToRequest(action, review, itemOptions(request, i, count)), { signal, timeoutMs });
      return outcomeToDecision(action, review, finished);
    }),
  );
  return { decisions };
}

/** Several requests for one checkpoint: each gets its own checkpoint_id, so each has its own idempotency key. */
function itemOptions(opts: ReviewRequestOptions, index: number, count: number): ReviewRequestOptions {
  if (count === 1 || opts.checkpoint_id === undefined) return opts;
  return { ...opts, checkpoint_id: `${opts.checkpoint_id}#${index + 1}` };
}
