// `switchboard mcp` as an MCP client runs it: a child process on stdio, configured by the environment.
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestHub, type TestHub } from '../helpers/harness.js';
import { mcpToolScenarios } from '../helpers/mcp-tools.js';
import { waitFor } from '../helpers/services.js';

const CLI = ['--import', 'tsx', 'src/cli.ts', 'mcp'];
/** The environment without the variables under test, so the machine's own settings cannot leak in. */
const baseEnv = () => Object.fromEntries(Object.entries(process.env).filter(([k, v]) => v !== undefined && !k.startsWith('SWITCHBOARD_'))) as Record<string, string>;

describe('switchboard mcp (stdio)', () => {
  let t: TestHub;
  let client: Client;
  let stderr = '';
  beforeAll(async () => {
    t = await startTestHub();
    const transport = new StdioClientTransport({
      command: process.execPath,
      args: CLI,
      env: { ...baseEnv(), SWITCHBOARD_URL: t.baseUrl, SWITCHBOARD_API_KEY: t.apiKey },
      stderr: 'pipe',
    });
    transport.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    client = new Client({ name: 'mcp-stdio-test', version: '1.0.0' });
    await client.connect(transport);
  }, 90_000);
  afterAll(async () => {
    await client?.close();
    await t?.stop();
  });

  mcpToolScenarios(() => ({ t, client }));

  it('logs to stderr only, naming the hub and never the key', async () => {
    await waitFor(() => stderr.includes(`switchboard mcp: serving on stdio for ${t.baseUrl}`), 10_000, 'the start line on stderr');
    expect(stderr).not.toContain(t.apiKey);
  });

  it('exits with 2 and says what is missing when SWITCHBOARD_URL or SWITCHBOARD_API_KEY is not set', async () => {
    const run = promisify(execFile);
    const failed = await run(process.execPath, CLI, { env: { ...baseEnv(), SWITCHBOARD_API_KEY: 'sb_secret_value' }, timeout: 60_000 }).then(
      () => ({ code: 0, stdout: '', stderr: '' }),
      (e: { code: number; stdout: string; stderr: string }) => e,
    );
    expect(failed.code).toBe(2);
    expect(failed.stdout).toBe('');
    expect(failed.stderr).toContain('mcp needs SWITCHBOARD_URL');
    expect(failed.stderr).not.toContain('SWITCHBOARD_API_KEY');
    expect(failed.stderr).not.toContain('sb_secret_value');
  }, 60_000);
});
