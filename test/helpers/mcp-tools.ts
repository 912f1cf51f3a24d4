// What Switchboard's MCP tools do, whichever transport carries them: run from
// test/e2e/mcp-stdio.test.ts (the CLI over stdio) and test/integration/mcp-http.test.ts (/mcp).
import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import type { Progress } from '@modelcontextprotocol/sdk/types.js';
import { expect, it } from 'vitest';
import type { TestHub } from './harness.js';
import { suffix, waitFor } from './services.js';

export interface McpSetup {
  t: TestHub;
  /** A connected MCP client. */
  client: Client;
}

type Structured = Record<string, any>;
const textOf = (result: object) => ((result as { content: unknown }).content as { type: string; text: string }[]).map((c) => c.text).join('\n');

/** The pending request titled `title`, once the tool has created it. */
async function pendingTitled(t: TestHub, title: string): Promise<{ id: string }> {
  return waitFor(async () => {
    const { body } = await t.api('GET', '/v1/requests?state=pending');
    return (body.data as { id: string; title: string }[]).find((r) => r.title === title);
  }, 20_000, `a pending request titled ${title}`);
}

async function answer(t: TestHub, id: string, body: Record<string, unknown>) {
  const res = await t.api('POST', `/v1/requests/${id}/responses`, { responder: { name: 'Ana' }, ...body });
  expect(res.status).toBe(200);
}

export function mcpToolScenarios(setup: () => McpSetup): void {
  it('lists the three tools with their input and output schemas', async () => {
    const { tools } = await setup().client.listTools();
    expect(tools.map((tool) => tool.name).sort()).toEqual(['ask_human', 'check_request', 'request_approval']);
    const byName = Object.fromEntries(tools.map((tool) => [tool.name, tool]));
    expect(byName.request_approval!.inputSchema.required).toEqual(['title']);
    expect(Object.keys(byName.request_approval!.inputSchema.properties!)).toEqual(
      expect.arrayContaining(['title', 'body', 'context', 'recipients', 'approvers', 'timeout_seconds', 'on_timeout', 'wait_seconds']),
    );
    expect(byName.request_approval!.inputSchema.properties!.wait_seconds).toMatchObject({ minimum: 0, maximum: 50, default: 45 });
    expect(byName.ask_human!.inputSchema.required).toEqual(['question']);
    expect(byName.check_request!.inputSchema.required).toEqual(['id']);
    expect(byName.check_request!.outputSchema?.properties).toHaveProperty('outcome');
  });

  it('request_approval waits for the answer made through the API, with progress notifications', async () => {
    const { t, client } = setup();
    const title = `Deploy v2.${suffix()} to production?`;
    const progress: Progress[] = [];
    const call = client.callTool(
      { name: 'request_approval', arguments: { title, body: 'Ships the new billing code.', context: { commit: 'abc123' }, wait_seconds: 30 } },
      undefined,
      { onprogress: (p) => progress.push(p), timeout: 60_000 },
    );
    const { id } = await pendingTitled(t, title);
    await waitFor(() => progress.length > 0, 10_000, 'a progress notification');
    await answer(t, id, { value: 'approve', comment: 'ship it' });

    const result = await call;
    expect(result.isError).toBeFalsy();
    expect(textOf(result)).toContain('Approved by Ana via the API: ship it');
    const structured = result.structuredContent as Structured;
    expect(structured).toMatchObject({ id, state: 'resolved', type: 'approval', title, approved: true });
    expect(structured.outcome).toMatchObject({ verdict: 'approved', value: 'approve', comment: 'ship it', responder: { channel: 'api', name: 'Ana' } });
    expect(structured.web_url).toMatch(/\/r\//);
    expect(progress[0]!.message).toContain(id);
    expect(progress[0]!.total).toBe(30);
  });

  it('a call that outlasts wait_seconds returns pending with the id; check_request later returns the outcome', async () => {
    const { t, client } = setup();
    const title = `Rotate the keys ${suffix()}?`;
    const started = Date.now();
    const first = await client.callTool({ name: 'request_approval', arguments: { title, wait_seconds: 1 } });
    expect(Date.now() - started).toBeLessThan(15_000);
    const pending = first.structuredContent as Structured;
    expect(pending).toMatchObject({ state: 'pending', title, instruction: expect.stringContaining('check_request') });
    expect(textOf(first)).toContain(`Still pending (id ${pending.id})`);
    expect(textOf(first)).toContain(`Call check_request with id "${pending.id}"`);
    expect((await pendingTitled(t, title)).id).toBe(pending.id);

    await answer(t, pending.id, { value: 'reject', comment: 'not on a Friday' });
    const checked = await client.callTool({ name: 'check_request', arguments: { id: pending.id, wait_seconds: 5 } });
    expect(textOf(checked)).toContain('Rejected by Ana via the API: not on a Friday');
    expect(checked.structuredContent).toMatchObject({ id: pending.id, state: 'resolved', approved: false, outcome: { verdict: 'rejected', comment: 'not on a Friday' } });
  });

  it('ask_human asks in free text or with choices, and check_request waits for the answer', async () => {
    const { t, client } = setup();
    const question = `Which colour for the ${suffix()} button?`;
    const asked = await client.callTool({ name: 'ask_human', arguments: { question, wait_seconds: 0 } });
    const { id } = asked.structuredContent as Structured;
    expect(asked.structuredContent).toMatchObject({ state: 'pending', type: 'text', title: question });
    const checking = client.callTool({ name: 'check_request', arguments: { id, wait_seconds: 30 } }, undefined, { timeout: 60_000 });
    await answer(t, id, { value: 'blue, like the logo' });
    const checked = await checking;
    expect(textOf(checked)).toContain('Answered by Ana via the API: blue, like the logo');
    expect(checked.structuredContent).toMatchObject({ state: 'resolved', outcome: { verdict: 'answered', value: 'blue, like the logo' } });

    const choice = `Which region ${suffix()}?`;
    const picking = client.callTool({ name: 'ask_human', arguments: { question: choice, choices: ['eu-west', 'us-east'], wait_seconds: 30 } }, undefined, { timeout: 60_000 });
    const { id: choiceId } = await pendingTitled(t, choice);
    const { body } = await t.api('GET', `/v1/requests/${choiceId}`);
    expect(body).toMatchObject({ type: 'choice', options: [{ value: 'eu-west', label: 'eu-west' }, { value: 'us-east', label: 'us-east' }], recipients: [{ channel: 'web' }] });
    await answer(t, choiceId, { value: 'us-east' });
    const picked = await picking;
    expect(textOf(picked)).toContain('"us-east" — chosen by Ana via the API');
    expect(picked.structuredContent).toMatchObject({ state: 'resolved', type: 'choice', outcome: { verdict: 'chosen', value: 'us-east' } });
  });

  it('returns the API\'s refusals as tool errors the model can read', async () => {
    const { client } = setup();
    const missing = await client.callTool({ name: 'check_request', arguments: { id: 'req_doesnotexist0000000000', wait_seconds: 0 } });
    expect(missing.isError).toBe(true);
    expect(textOf(missing)).toMatch(/^Switchboard refused the call \(404 Not Found\): Request req_doesnotexist0000000000/);

    const invalid = await client.callTool({ name: 'request_approval', arguments: { title: 'Bad', timeout_seconds: 60, on_timeout: { value: 'maybe' }, wait_seconds: 0 } });
    expect(invalid.isError).toBe(true);
    expect(textOf(invalid)).toContain('422');
    expect(textOf(invalid)).toContain('- on_timeout.value: must be one of: approve, reject');

    const outOfRange = await client.callTool({ name: 'request_approval', arguments: { title: 'Too long a wait', wait_seconds: 600 } });
    expect(outOfRange.isError).toBe(true);
    expect(textOf(outOfRange)).toContain('wait_seconds');
  });
}
