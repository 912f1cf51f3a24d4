// What a tool call returns: the request's state worded for a model (text) and as structured content.
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { NetworkError, SwitchboardError, type SwitchboardRequest } from '../client/index.js';
import { outcomeSentence, verdictOf } from '../domain/outcome-text.js';
import type { Request } from '../domain/types.js';
import type { ToolResult } from './schemas.js';

/** The wording helpers take the domain's Request; the API's request object has all they read. */
function asDomainRequest(r: SwitchboardRequest): Request {
  return { ...r, callback_url: r.callback?.url ?? null, deliveries: [] };
}

export const pendingInstruction = (id: string) => `Call check_request with id "${id}" to wait for the answer.`;

/** "Approved by Ana via Slack: ship it", "Answered by Ana via the web page: use blue", "This request has expired." */
export function outcomeText(r: SwitchboardRequest): string {
  const sentence = outcomeSentence(asDomainRequest(r));
  const response = r.response;
  if (!response) return sentence;
  const lines: string[] = [];
  if (r.type === 'text' && response.value) lines.push(response.value);
  if (r.type === 'form') lines.push(...Object.entries(response.fields).map(([name, value]) => `${name}: ${String(value)}`));
  if (response.comment) lines.push(lines.length > 0 ? `Comment: ${response.comment}` : response.comment);
  if (lines.length === 0) return sentence;
  const head = sentence.replace(/\.$/, '');
  const inline = lines.length === 1 && r.type !== 'form' && !lines[0]!.includes('\n');
  return inline ? `${head}: ${lines[0]}` : `${head}:\n${lines.join('\n')}`;
}

export function structuredResult(r: SwitchboardRequest): ToolResult {
  const webUrl = r.links.web;
  const base: ToolResult = { id: r.id, state: r.state, type: r.type, title: r.title, ...(webUrl ? { web_url: webUrl } : {}) };
  if (r.state === 'pending') return { ...base, instruction: pendingInstruction(r.id) };
  const response = r.response;
  if (!response) return r.type === 'approval' ? { ...base, approved: false } : base;
  const verdict = verdictOf(asDomainRequest(r), response.value);
  return {
    ...base,
    ...(r.type === 'approval' ? { approved: verdict === 'approved' } : {}),
    outcome: { verdict, value: response.value, comment: response.comment, fields: response.fields, responder: response.responder, responded_at: response.responded_at },
  };
}

/** The tool's answer for a request as it stands: final, or pending with what to do next. */
export function requestResult(r: SwitchboardRequest): CallToolResult {
  const structured = structuredResult(r);
  const lines =
    r.state === 'pending'
      ? [`Still pending (id ${r.id}): no answer yet.`, pendingInstruction(r.id), ...(structured.web_url ? [`The person can answer at ${structured.web_url}`] : [])]
      : [outcomeText(r), `(request ${r.id})`];
  return { content: [{ type: 'text', text: lines.join('\n') }], structuredContent: structured };
}

/**
 * A refusal by the hub, or no hub to talk to, as a tool error the model can read; anything else is
 * thrown on. `createdId` names a request that exists although waiting for it failed.
 */
export function errorResult(err: unknown, createdId?: string): CallToolResult {
  const lines: string[] = [];
  if (err instanceof SwitchboardError) {
    lines.push(`Switchboard refused the call (${err.status} ${err.title}): ${err.detail}`, ...err.errors.map((e) => `- ${e.path || '(body)'}: ${e.message}`));
  } else if (err instanceof NetworkError) {
    lines.push(`Could not reach Switchboard: ${err.message}`);
  } else {
    throw err;
  }
  if (createdId) lines.push(`The request ${createdId} was created. ${pendingInstruction(createdId)}`);
  return { content: [{ type: 'text', text: lines.join('\n') }], isError: true };
}
