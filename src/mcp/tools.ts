// The three tools, written once for both transports (stdio and /mcp): they talk to Switchboard
// through its typed client, so validation, scopes and errors are exactly the API's.
import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import type { z } from 'zod';
import type { CreateRequestInput } from '../client/index.js';
import { LIMITS } from '../domain/limits.js';
import { errorResult, requestResult } from './results.js';
import { askHumanInput, checkRequestInput, requestApprovalInput, toolResultSchema } from './schemas.js';
import { waitAtMost, type SwitchboardApi, type ToolExtra, type WaitSettings } from './waiting.js';

type Args<Shape extends z.ZodRawShape> = z.infer<z.ZodObject<Shape>>;

const WEB_PAGE_ONLY = [{ channel: 'web' as const }];
const MCP_METADATA = { source: 'mcp' };

export function registerTools(server: McpServer, api: SwitchboardApi, settings: WaitSettings): void {
  // Creates, then waits: once created, the request's id always comes back, answered or not.
  const ask = async (request: CreateRequestInput, waitSeconds: number, extra: ToolExtra): Promise<CallToolResult> => {
    const created = await api.create(request, { idempotencyKey: crypto.randomUUID(), signal: extra.signal });
    try {
      return requestResult(await waitAtMost(api, created, waitSeconds, extra, settings));
    } catch (err) {
      return errorResult(err, created.id);
    }
  };

  server.registerTool(
    'request_approval',
    {
      title: 'Request approval from a human',
      description:
        'Asks a human to approve or reject an action before you take it, through Slack, email, Telegram, Discord or a web page, and waits for the answer (at most wait_seconds). Returns the decision with the approver\'s comment; if still pending, call check_request with the returned id.',
      inputSchema: requestApprovalInput,
      outputSchema: toolResultSchema,
    },
    (args: Args<typeof requestApprovalInput>, extra) =>
      guarded(() =>
        ask(
          {
            type: 'approval', title: args.title, body: args.body, context: args.context, recipients: args.recipients ?? WEB_PAGE_ONLY,
            approvers: args.approvers, timeout_seconds: args.timeout_seconds, on_timeout: args.on_timeout, metadata: MCP_METADATA,
          },
          args.wait_seconds,
          extra,
        ),
      ),
  );

  server.registerTool(
    'ask_human',
    {
      title: 'Ask a human a question',
      description:
        'Asks a human a question, answered in free text or by picking one of `choices`, and waits for the answer (at most wait_seconds). If still pending, call check_request with the returned id.',
      inputSchema: askHumanInput,
      outputSchema: toolResultSchema,
    },
    (args: Args<typeof askHumanInput>, extra) => guarded(() => ask(questionRequest(args), args.wait_seconds, extra)),
  );

  server.registerTool(
    'check_request',
    {
      title: 'Check a request for its answer',
      description: 'Returns the answer to a request made earlier (by request_approval or ask_human), waiting for it at most wait_seconds.',
      inputSchema: checkRequestInput,
      outputSchema: toolResultSchema,
      annotations: { readOnlyHint: true },
    },
    (args: Args<typeof checkRequestInput>, extra) =>
      guarded(async () => requestResult(await waitAtMost(api, await api.get(args.id, { signal: extra.signal }), args.wait_seconds, extra, settings))),
  );
}

/** A question as a request: a choice when it has choices, else a free-text one; a long question goes in the body. */
function questionRequest(args: Args<typeof askHumanInput>): CreateRequestInput {
  const { question, choices } = args;
  const long = question.length > LIMITS.title;
  return {
    type: choices ? 'choice' : 'text',
    title: long ? `${question.slice(0, LIMITS.title - 1)}…` : question,
    body: long ? question : undefined,
    options: choices?.map((c) => ({ value: c, label: c })),
    recipients: args.recipients ?? WEB_PAGE_ONLY,
    timeout_seconds: args.timeout_seconds,
    metadata: MCP_METADATA,
  };
}

async function guarded(call: () => Promise<CallToolResult>): Promise<CallToolResult> {
  try {
    return await call();
  } catch (err) {
    return errorResult(err);
  }
}
