// LangGraph's agent-inbox interrupt (`interrupt(humanInterrupt)`, types from @langchain/langgraph/prebuilt)
// as a Switchboard request, and the finished request as the HumanResponse that `new Command({ resume })`
// hands back to the graph. Structural copies of the types: no runtime dependency on LangGraph.
import type { CreateRequestInput } from '../client/index.js';
import { readReview, reviewRequest, type FinishedRequest, type ReviewDecision, type ReviewRequestOptions, type ReviewSpec } from './review-form.js';

export interface ActionRequest {
  action: string;
  // `any`, as in LangGraph's own type: arguments typed by an interface (no index signature) fit too.
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  args: Record<string, any>;
}

export interface HumanInterruptConfig {
  allow_ignore: boolean;
  allow_respond: boolean;
  allow_edit: boolean;
  allow_accept: boolean;
}

export interface HumanInterrupt {
  action_request: ActionRequest;
  config: HumanInterruptConfig;
  description?: string;
}

export interface HumanResponse {
  type: 'accept' | 'ignore' | 'response' | 'edit';
  args: null | string | ActionRequest;
}

const ACCEPT: ReviewDecision = { value: 'accept', label: 'Accept', style: 'primary', needs: 'plain' };
const EDIT: ReviewDecision = { value: 'edit', label: 'Edit', selectLabel: 'Edit (use the values below)', needs: 'edit' };
const RESPOND: ReviewDecision = { value: 'response', label: 'Respond', selectLabel: 'Respond (with the response below)', needs: 'text' };
const IGNORE: ReviewDecision = { value: 'ignore', label: 'Ignore', style: 'danger', needs: 'plain' };

function specOf(interrupt: HumanInterrupt): ReviewSpec {
  checkShape(interrupt);
  const { config, action_request: action } = interrupt;
  const allowed: [boolean, ReviewDecision][] = [
    [config.allow_accept, ACCEPT],
    [config.allow_edit, EDIT],
    [config.allow_respond, RESPOND],
    [config.allow_ignore, IGNORE],
  ];
  return {
    title: action.action,
    description: interrupt.description,
    args: action.args ?? {},
    decisions: allowed.filter(([allow]) => allow).map(([, d]) => d),
    fallback: IGNORE,
    note: { field: 'response', label: 'Response', decision: RESPOND.value },
  };
}

/**
 * The create-request body for a HumanInterrupt: accept and ignore alone make an approval (Accept, Ignore);
 * respond alone a text request; otherwise a form (a `decision` select, a `response` textarea when respond
 * is allowed, one field per argument when edit is). Current argument values go in the context.
 */
export function interruptToRequest(interrupt: HumanInterrupt, opts: ReviewRequestOptions): CreateRequestInput {
  return reviewRequest(specOf(interrupt), opts);
}

/**
 * The HumanResponse for a finished request made by interruptToRequest: accept → `{ type: 'accept' }`,
 * respond → the text, edit → the action with its edited (typed) arguments; expired or cancelled without
 * an answer → `{ type: 'ignore' }`.
 */
export function outcomeToHumanResponse(interrupt: HumanInterrupt, request: FinishedRequest): HumanResponse {
  const answer = readReview(specOf(interrupt), request);
  switch (answer?.decision) {
    case ACCEPT.value:
      return { type: 'accept', args: null };
    case RESPOND.value:
      return { type: 'response', args: answer.note ?? '' };
    case EDIT.value:
      return { type: 'edit', args: { action: interrupt.action_request.action, args: answer.args } };
    default:
      return { type: 'ignore', args: null };
  }
}

function checkShape(interrupt: HumanInterrupt): void {
  const value = interrupt as Partial<HumanInterrupt> | null;
  if (typeof value?.action_request?.action === 'string' && typeof value.config === 'object' && value.config !== null) return;
  const keys = value && typeof value === 'object' ? Object.keys(value).join(', ') : typeof value;
  const hint = value && typeof value === 'object' && 'value' in value ? ' (pass the interrupt\'s `value`, not the Interrupt itself)' : '';
  throw new TypeError(`expected a HumanInterrupt { action_request: { action, args }, config }, got: ${keys}${hint}`);
}
