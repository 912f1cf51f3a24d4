// /mcp on the hub: MCP over streamable HTTP, stateless (a fresh server per POST), Bearer API key.
//
// The tools use the same typed client as the stdio server, with a fetch that hands each call to this
// process's own /v1 routes (fastify.inject) with the caller's key: one implementation of the tools,
// and validation, scopes, errors, long-polls and draining are exactly the API's. A loopback TCP
// connection would do the same but must find the listening address, and an aborted call during a
// drain could leave an idle-but-unused socket that holds the server's close.
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import type { FastifyInstance } from 'fastify';
import { Switchboard } from '../client/index.js';
import { apiKeyAuth, bearerKey, needs } from '../http/api-key-auth.js';
import { sendProblem } from '../http/problem.js';
import type { VerifiedKey } from '../store/api-keys.js';
import { injectFetch } from './inject-fetch.js';
import { createMcpServer } from './server.js';

export interface McpRouteDeps {
  verifyKey: (key: string) => Promise<VerifiedKey | undefined>;
  /** Aborts when the process starts draining: waiting tools answer "pending" at once. */
  shutdown?: AbortSignal;
}

/** Any base URL will do: injectFetch serves only the path. */
const IN_PROCESS_URL = 'http://switchboard.in-process';

export async function registerMcp(app: FastifyInstance, d: McpRouteDeps): Promise<void> {
  const fetch = injectFetch(app);
  await app.register((mcp, _opts, done) => {
    mcp.addHook('onRequest', apiKeyAuth(d.verifyKey));

    mcp.post('/mcp', needs('requests:write'), async (req, reply) => {
      const api = new Switchboard({ url: IN_PROCESS_URL, apiKey: bearerKey(req)!, fetch });
      const server = createMcpServer({ api, shutdown: d.shutdown });
      const transport = new StreamableHTTPServerTransport({ sessionIdGenerator: undefined });
      reply.hijack();
      reply.raw.once('close', () => {
        void transport.close();
        void server.close();
      });
      try {
        await server.connect(transport);
        await transport.handleRequest(req.raw, reply.raw, req.body);
      } catch (err) {
        req.log.error({ err }, 'mcp request failed');
        if (!reply.raw.headersSent) {
          reply.raw.writeHead(500, { 'content-type': 'application/json' });
          reply.raw.end(JSON.stringify({ jsonrpc: '2.0', error: { code: -32603, message: 'Internal error; it is logged.' }, id: null }));
        }
      }
    });

    // Stateless: no server-initiated stream to GET and no session to DELETE.
    const notAllowed = async (_req: unknown, reply: Parameters<typeof sendProblem>[0]) => {
      reply.header('allow', 'POST');
      return sendProblem(reply, 405, 'This MCP endpoint is stateless: send JSON-RPC messages with POST.');
    };
    mcp.get('/mcp', needs('requests:write'), notAllowed);
    mcp.delete('/mcp', needs('requests:write'), notAllowed);
    done();
  });
}
