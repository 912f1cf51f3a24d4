// `switchboard mcp`: the MCP server over stdio, for a hub reached at SWITCHBOARD_URL. stdout carries
// only MCP messages; anything for a person goes to stderr.
import { StdioServerTransport } from '@modelcontextprotocol/sdk/server/stdio.js';
import { Switchboard } from '../client/index.js';
import { ConfigError } from '../config.js';
import { createMcpServer } from './server.js';

function clientFromEnv(env: Record<string, string | undefined>): Switchboard {
  const url = env.SWITCHBOARD_URL?.trim();
  const apiKey = env.SWITCHBOARD_API_KEY?.trim();
  const named = [!url && 'SWITCHBOARD_URL (the hub\'s base URL, e.g. http://localhost:8080)', !apiKey && 'SWITCHBOARD_API_KEY (an API key of that hub)'].filter(
    (m): m is string => typeof m === 'string',
  );
  if (named.length > 0) throw new ConfigError(`mcp needs ${named.join(' and ')} in the environment`);
  try {
    return new Switchboard({ url: url!, apiKey: apiKey! });
  } catch (err) {
    // The client's own messages name the problem and never the key.
    throw new ConfigError(`mcp: ${err instanceof Error ? err.message.replace(/^Switchboard: /, '') : String(err)} (SWITCHBOARD_URL)`);
  }
}

/** Serves MCP on stdin/stdout until stdin ends; resolves with the exit code. */
export async function serveMcpStdio(env: Record<string, string | undefined> = process.env): Promise<number> {
  const api = clientFromEnv(env);
  const shutdown = new AbortController();
  const server = createMcpServer({ api, shutdown: shutdown.signal });
  const closed = new Promise<void>((resolve) => {
    server.server.onclose = () => resolve();
  });
  await server.connect(new StdioServerTransport());
  process.stdin.once('end', () => {
    shutdown.abort();
    void server.close();
  });
  process.stderr.write(`switchboard mcp: serving on stdio for ${new URL(env.SWITCHBOARD_URL!.trim()).origin}\n`);
  await closed;
  return 0;
}
