import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApiKey } from '../../src/store/api-keys.js';
import { startTestHub, type TestHub } from '../helpers/harness.js';
import { mcpToolScenarios } from '../helpers/mcp-tools.js';
import { waitFor } from '../helpers/services.js';

const INITIALIZE = { jsonrpc: '2.0', id: 1, method: 'initialize', params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 'test', version: '1' } } };

describe('MCP over streamable HTTP at /mcp', () => {
  let t: TestHub;
  let client: Client;
  beforeAll(async () => {
    t = await startTestHub();
    client = new Client({ name: 'mcp-http-test', version: '1.0.0' });
    await client.connect(new StreamableHTTPClientTransport(new URL(`${t.baseUrl}/mcp`), { requestInit: { headers: { Authorization: `Bearer ${t.apiKey}` } } }));
  });
  afterAll(async () => {
    await client?.close();
    await t?.stop();
  });

  mcpToolScenarios(() => ({ t, client }));

  const post = (headers: Record<string, string>) =>
    fetch(`${t.baseUrl}/mcp`, { method: 'POST', headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream', ...headers }, body: JSON.stringify(INITIALIZE) });

  it('refuses a call without an API key, or with a wrong one, with 401 problem+json', async () => {
    const none = await post({});
    expect(none.status).toBe(401);
    expect(none.headers.get('content-type')).toContain('application/problem+json');
    expect(none.headers.get('www-authenticate')).toContain('Bearer');
    expect((await none.json()).detail).toContain('Authorization: Bearer');

    const wrong = await post({ authorization: 'Bearer sb_not_a_key' });
    expect(wrong.status).toBe(401);
    expect((await wrong.json()).detail).toBe('The API key is not valid or was revoked.');

    const connecting = new Client({ name: 'no-key', version: '1.0.0' });
    await expect(connecting.connect(new StreamableHTTPClientTransport(new URL(`${t.baseUrl}/mcp`)))).rejects.toThrow(/401/);
  });

  it('answers 403 to a key without requests:write, and 405 to GET and DELETE (it is stateless)', async () => {
    const { key } = await createApiKey(t.app.db, 'mcp-reader', ['requests:read']);
    const reader = await post({ authorization: `Bearer ${key}` });
    expect(reader.status).toBe(403);
    expect(await reader.json()).toMatchObject({ detail: 'This API key lacks the scope requests:write.', missing_scope: 'requests:write' });

    const get = await fetch(`${t.baseUrl}/mcp`, { headers: { authorization: `Bearer ${t.apiKey}`, accept: 'text/event-stream' } });
    expect(get.status).toBe(405);
    expect(get.headers.get('allow')).toBe('POST');
    const del = await fetch(`${t.baseUrl}/mcp`, { method: 'DELETE', headers: { authorization: `Bearer ${t.apiKey}` } });
    expect(del.status).toBe(405);
  });

  it('is listed in /openapi.json', async () => {
    const doc = await (await fetch(`${t.baseUrl}/openapi.json`)).json();
    expect(doc.paths['/mcp'].post.summary).toContain('request_approval');
  });
});

describe('MCP over HTTP while the hub shuts down', () => {
  it('a waiting call returns pending with the id at once instead of holding the shutdown', async () => {
    const t = await startTestHub();
    const client = new Client({ name: 'mcp-drain-test', version: '1.0.0' });
    try {
      await client.connect(new StreamableHTTPClientTransport(new URL(`${t.baseUrl}/mcp`), { requestInit: { headers: { Authorization: `Bearer ${t.apiKey}` } } }));
      const call = client.callTool({ name: 'request_approval', arguments: { title: 'Across a restart?', wait_seconds: 45 } }, undefined, { timeout: 60_000 });
      const { id } = await waitFor(async () => (await t.api('GET', '/v1/requests?state=pending')).body.data[0] as { id: string } | undefined, 20_000, 'the request');
      const stopping = Date.now();
      const stopped = t.stop();
      const result = await call;
      expect(Date.now() - stopping).toBeLessThan(10_000);
      expect(result.structuredContent).toMatchObject({ id, state: 'pending', instruction: expect.stringContaining('check_request') });
      await stopped;
      expect(Date.now() - stopping).toBeLessThan(15_000);
    } finally {
      await client.close();
    }
  }, 60_000);
});
