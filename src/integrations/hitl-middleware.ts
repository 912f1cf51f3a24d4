// LangChain's humanInTheLoopMiddleware (the `langchain` package, v1): each tool call it interrupts for
// (`actionRequests[i]`, reviewed under the `reviewConfigs` entry of its name) as a Switchboard request,
// and the finished request as the decision the middleware resumes with. Structural copies of its types.
import type { CreateRequestInput } from '../client/index.js';
import { readReview, reviewRequest, type FinishedRequest, type ReviewDecision, type ReviewRequestOptions, type ReviewSpec } from './review-form.js';

export type HitlDecisionType = 'approve' | 'edit' | 'reject';

export interface HitlActionRequest {
  name: string;
  // `any`, as in LangChain's own type: arguments typed by an interface (no index signature) fit too.
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  args: Record<string, any>;
  description?: string;
}

export interface HitlReviewConfig {
  actionName: string;
  allowedDecisions: HitlDecisionType[];
  argsSchema?: Record<string, unknown>;
}

/** The interrupt's value: `result.__interrupt__[0].value`. */
export interface HitlRequest {
  actionRequests: HitlActionRequest[];
  reviewConfigs: HitlReviewConfig[];
}

export type HitlDecision =
  | { type: 'approve' }
  | { type: 'edit'; editedAction: { name: string; args: Record<string, unknown> } }
  | { type: 'reject'; message?: string };

/** What `new Command({ resume })` takes. */
export interface HitlResponse {
  decisions: HitlDecision[];
}

const APPROVE: ReviewDecision = { value: 'approve', label: 'Approve', style: 'primary', needs: 'plain' };
const EDIT: ReviewDecision = { value: 'edit', label: 'Edit', selectLabel: 'Edit (use the values below)', needs: 'edit' };
const REJECT: ReviewDecision = { value: 'reject', label: 'Reject', style: 'danger', needs: 'plain' };
const BY_TYPE: Record<HitlDecisionType, ReviewDecision> = { approve: APPROVE, edit: EDIT, reject: REJECT };

function specOf(action: HitlActionRequest, review: HitlReviewConfig): ReviewSpec {
  const allowed = new Set(review.allowedDecisions);
  return {
    title: `Run ${action.name}?`,
    description: action.description,
    args: action.args ?? {},
    decisions: (['approve', 'edit', 'reject'] as const).filter((t) => allowed.has(t)).map((t) => BY_TYPE[t]),
    fallback: REJECT,
    note: { field: 'message', label: 'Reason, if you reject (the model sees it)', decision: REJECT.value },
  };
}

/**
 * The create-request body for one tool call: approve and reject alone make an approval (a reject's
 * comment becomes its message); with edit, a form with a `decision` select, a `message` textarea and
 * one field per argument. Only approve allowed: Reject is offered too, and the middleware refuses it.
 */
export function hitlToRequest(action: HitlActionRequest, review: HitlReviewConfig, opts: ReviewRequestOptions): CreateRequestInput {
  return reviewRequest(specOf(action, review), opts);
}

/** The middleware's decision for a finished request; no answer (expired, cancelled) rejects, saying so. */
export function outcomeToDecision(action: HitlActionRequest, review: HitlReviewConfig, request: FinishedRequest): HitlDecision {
  const answer = readReview(specOf(action, review), request);
  if (!answer) return { type: 'reject', message: `No reviewer answered: Switchboard request ${request.id} ${request.state}.` };
  switch (answer.decision) {
    case APPROVE.value:
      return { type: 'approve' };
    case EDIT.value:
      return { type: 'edit', editedAction: { name: action.name, args: answer.args } };
    default:
      return { type: 'reject', ...(answer.note ? { message: answer.note } : {}) };
  }
}

/** The interrupt's value checked to be a HITLRequest (`__interrupt__` values are typed `unknown`). */
export function asHitlRequest(value: unknown): HitlRequest {
  const v = value as Partial<HitlRequest> | null;
  const actionsOk = Array.isArray(v?.actionRequests) && v.actionRequests.every((a) => typeof a?.name === 'string');
  if (actionsOk && Array.isArray(v?.reviewConfigs)) return v as HitlRequest;
  const keys = v && typeof v === 'object' ? Object.keys(v).join(', ') : typeof v;
  const hint = v && typeof v === 'object' && 'value' in v ? ' (pass the interrupt\'s `value`, not the Interrupt itself)' : '';
  throw new TypeError(`expected a HITLRequest { actionRequests: [{ name, args }], reviewConfigs }, got: ${keys}${hint}`);
}

/** The review config for action `index`: the one named after it, else the one in its place. */
export function reviewConfigFor(value: HitlRequest, index: number): HitlReviewConfig {
  const action = value.actionRequests[index];
  const config = value.reviewConfigs.find((c) => c.actionName === action?.name) ?? value.reviewConfigs[index];
  if (!action || !config) throw new TypeError(`the HITL interrupt has no action request or review config for action ${index}`);
  return config;
}
