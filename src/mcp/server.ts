import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { registerTools } from './tools.js';
import type { SwitchboardApi } from './waiting.js';

export interface McpServerOptions {
  /** Switchboard as the tools' caller sees it: a client with that caller's API key. */
  api: SwitchboardApi;
  /** Aborts when the serving process shuts down: waiting tools return "pending" at once. */
  shutdown?: AbortSignal;
  /** Progress notifications while a tool waits (default every 5 s). */
  progressIntervalMs?: number;
}

const INSTRUCTIONS = `Switchboard puts a human in the loop. Call request_approval before an action that needs a person's OK, and ask_human when you need a person's answer.
Each call waits at most wait_seconds; if no one has answered by then it returns state "pending" with an id. Then call check_request with that id (again, until the state is no longer pending) before you act.
Unless recipients are given, only the request's web page is made: give its link (web_url) to the person who should answer.`;

/** An MCP server offering Switchboard's tools to one client. */
export function createMcpServer(o: McpServerOptions): McpServer {
  const server = new McpServer({ name: 'switchboard', title: 'Switchboard', version: '1.0.0' }, { instructions: INSTRUCTIONS });
  registerTools(server, o.api, { shutdown: o.shutdown, progressIntervalMs: o.progressIntervalMs ?? 5000 });
  return server;
}
