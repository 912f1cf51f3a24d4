import { Command, MemorySaver } from '@langchain/langgraph';
import { createAgent, FakeToolCallingModel, humanInTheLoopMiddleware, tool, ToolMessage } from 'langchain';
import { z } from 'zod';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runWithSwitchboard, sendQuestion, type Email } from '../../examples/langgraph/email-graph.js';
import { Switchboard } from '../../src/client/index.js';
import { askHuman, reviewWithSwitchboard } from '../../src/integrations/langgraph.js';
import { startTestHub, type TestHub } from '../helpers/harness.js';
import { suffix, waitFor } from '../helpers/services.js';

let t: TestHub;
let client: Switchboard;
beforeAll(async () => {
  t = await startTestHub();
  client = new Switchboard({ url: t.baseUrl, apiKey: t.apiKey });
});
afterAll(async () => t?.stop());

const web = { recipients: [{ channel: 'web' as const }] };
const DRAFT: Email = { to: 'team@example.com', subject: 'Update: billing', body: 'Hello team,\n\nA short update on billing.', copies: 1, urgent: false };

/** The workflow's pending requests once there are `n`, in checkpoint_id order (`#1`, `#2`: asked at once, created in any order). */
async function pendingRequests(workflowId: string, n = 1): Promise<any[]> {
  return waitFor(async () => {
    const list = await t.api('GET', `/v1/requests?state=pending&workflow_id=${workflowId}`);
    const data: any[] = list.body.data;
    return data.length === n ? data.sort((a, b) => a.checkpoint_id.localeCompare(b.checkpoint_id)) : undefined;
  }, 10_000, `${n} pending request(s) for ${workflowId}`);
}

async function answer(id: string, body: unknown): Promise<void> {
  const res = await t.api('POST', `/v1/requests/${id}/responses`, body);
  expect(res.status).toBe(200);
}

/** Runs the example graph on a fresh thread, answers its one request with `body`, and returns the final state and the request. */
async function runAnswering(body: unknown) {
  const thread = `thread-${suffix()}`;
  const run = runWithSwitchboard(client, 'billing', thread, web);
  const finishedEarly = run.then(() => { throw new Error('the run finished without asking'); });
  const [request] = await Promise.race([pendingRequests(thread), finishedEarly]);
  await answer(request.id, body);
  return { state: await run, request, thread };
}

describe('a LangGraph StateGraph (MemorySaver) answered through Switchboard', () => {
  it('asks with a form for the HumanInterrupt and resumes with accept: the draft is sent as it was', async () => {
    const { state, request, thread } = await runAnswering({ fields: { decision: 'accept' } });
    expect(request).toMatchObject({ type: 'form', title: 'send_email', workflow_id: thread, context: DRAFT });
    expect(request.checkpoint_id).toEqual(expect.any(String));
    expect(request.fields.map((f: any) => f.name)).toEqual(['decision', 'response', 'to', 'subject', 'body', 'copies', 'urgent']);
    expect(request.body).toContain('The agent wants to send this email about **billing**.');
    expect(state.review).toEqual({ type: 'accept', args: null });
    expect(state.sent).toEqual(DRAFT);
    expect(state.reply ?? null).toBeNull();
  });

  it('resumes with edit: the edited fields come back typed, blank ones keep their values', async () => {
    const { state } = await runAnswering({ fields: { decision: 'edit', to: 'ops@example.com', copies: '3', urgent: 'true' } });
    const edited = { ...DRAFT, to: 'ops@example.com', copies: 3, urgent: true };
    expect(state.review).toEqual({ type: 'edit', args: { action: 'send_email', args: edited } });
    expect(state.sent).toEqual(edited);
  });

  it('resumes with respond: the reply reaches the graph and nothing is sent', async () => {
    const { state } = await runAnswering({ fields: { decision: 'response', response: 'Wait until Monday, please.' } });
    expect(state.review).toEqual({ type: 'response', args: 'Wait until Monday, please.' });
    expect(state.reply).toBe('Wait until Monday, please.');
    expect(state.sent ?? null).toBeNull();
  });

  it('asking again for the same interrupt (an agent restarted) finds the answered request instead of making another', async () => {
    const { state, request, thread } = await runAnswering({ fields: { decision: 'accept' } });
    const again = await askHuman(client, sendQuestion('billing', DRAFT), { ...web, workflow_id: thread, checkpoint_id: request.checkpoint_id });
    expect(again).toEqual(state.review);
    const all = await t.api('GET', `/v1/requests?workflow_id=${thread}`);
    expect(all.body.data.map((r: any) => r.id)).toEqual([request.id]);
  });
});

describe('a LangChain agent with humanInTheLoopMiddleware, reviewed with reviewWithSwitchboard', () => {
  /** A createAgent whose scripted model calls delete_file and send_email once, then stops; `ran` records the tools that ran. */
  function emailAgent() {
    const ran: { name: string; args: unknown }[] = [];
    const deleteFile = tool((args) => (ran.push({ name: 'delete_file', args }), 'deleted'), { name: 'delete_file', description: 'Delete a file', schema: z.object({ path: z.string() }) });
    const sendEmail = tool((args) => (ran.push({ name: 'send_email', args }), 'sent'), { name: 'send_email', description: 'Send an email', schema: z.object({ to: z.string(), retries: z.number() }) });
    const model = new FakeToolCallingModel({
      toolCalls: [[{ name: 'delete_file', args: { path: '/etc/hosts' }, id: 'call_1' }, { name: 'send_email', args: { to: 'a@example.com', retries: 2 }, id: 'call_2' }], []],
    });
    const agent = createAgent({
      model,
      tools: [deleteFile, sendEmail],
      middleware: [humanInTheLoopMiddleware({ interruptOn: { delete_file: { allowedDecisions: ['approve', 'reject'] }, send_email: true } })],
      checkpointer: new MemorySaver(),
    });
    return { agent, ran };
  }

  /** Runs the agent to its interrupt, answers its two requests (delete_file's, send_email's) with `answers`, and resumes. */
  async function review(answers: [unknown, unknown]) {
    const { agent, ran } = emailAgent();
    const thread = `thread-${suffix()}`;
    const config = { configurable: { thread_id: thread } };
    const first = await agent.invoke({ messages: [{ role: 'user', content: 'Clean up and tell Ana.' }] }, config);
    const pending = first.__interrupt__![0]!;
    const decided = reviewWithSwitchboard(client, pending.value, { ...web, workflow_id: thread, checkpoint_id: pending.id });
    const requests = await Promise.race([pendingRequests(thread, 2), decided.then(() => { throw new Error('reviewed without asking'); })]);
    await answer(requests[0].id, answers[0]);
    await answer(requests[1].id, answers[1]);
    const final = await agent.invoke(new Command({ resume: await decided }), config);
    return { requests, ran, messages: final.messages, pendingId: pending.id };
  }

  it('asks one request per tool call (approval, form) and runs the approved and the edited call', async () => {
    const { requests, ran, pendingId } = await review([{ value: 'approve' }, { fields: { decision: 'edit', retries: 5 } }]);
    expect(requests.map((r) => [r.type, r.title, r.checkpoint_id])).toEqual([
      ['approval', 'Run delete_file?', `${pendingId}#1`],
      ['form', 'Run send_email?', `${pendingId}#2`],
    ]);
    expect(requests[1].fields.map((f: any) => f.name)).toEqual(['decision', 'message', 'to', 'retries']);
    expect(ran).toEqual([
      { name: 'delete_file', args: { path: '/etc/hosts' } },
      { name: 'send_email', args: { to: 'a@example.com', retries: 5 } },
    ]);
  });

  it('rejects with the reviewer\'s comment as the message the model sees, and runs nothing', async () => {
    const { ran, messages } = await review([{ value: 'reject', comment: 'Never touch /etc.' }, { fields: { decision: 'approve' } }]);
    expect(ran).toEqual([]);
    const rejected = messages.find((m) => ToolMessage.isInstance(m) && m.tool_call_id === 'call_1');
    expect(rejected?.content).toBe('Never touch /etc.');
  });
});
