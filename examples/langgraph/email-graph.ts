// A small LangGraph agent with one human checkpoint, no LLM: it drafts an email, asks a person about
// it with an agent-inbox HumanInterrupt, then sends the draft (accept), sends the edited draft (edit),
// keeps the person's reply (respond) or drops it (ignore). `runWithSwitchboard` is the loop an agent
// runs: invoke → read `__interrupt__` → ask through Switchboard → resume with `new Command({ resume })`.
import { Annotation, Command, END, interrupt, isInterrupted, MemorySaver, START, StateGraph } from '@langchain/langgraph';
// In your project: import { askHuman, … } from 'switchboard/langgraph' (and the client from 'switchboard/client').
import type { Switchboard } from '../../src/client/index.js';
import { askHuman, type ActionRequest, type AskHumanOptions, type HumanInterrupt, type HumanResponse } from '../../src/integrations/langgraph.js';

export interface Email {
  to: string;
  subject: string;
  body: string;
  copies: number;
  urgent: boolean;
}

const EmailState = Annotation.Root({
  topic: Annotation<string>,
  draft: Annotation<Email | null>,
  review: Annotation<HumanResponse | null>,
  sent: Annotation<Email | null>,
  reply: Annotation<string | null>,
});
type State = typeof EmailState.State;

function write(state: State): Partial<State> {
  const email = { to: 'team@example.com', subject: `Update: ${state.topic}`, body: `Hello team,\n\nA short update on ${state.topic}.`, copies: 1, urgent: false };
  return { draft: email };
}

/** The question the agent asks before sending `email`. */
export function sendQuestion(topic: string, email: Email): HumanInterrupt {
  return {
    action_request: { action: 'send_email', args: email },
    config: { allow_accept: true, allow_edit: true, allow_respond: true, allow_ignore: true },
    description: `The agent wants to send this email about **${topic}**.`,
  };
}

function ask(state: State): Partial<State> {
  // Pauses the run here; resuming with Command({ resume }) makes this call return the HumanResponse.
  return { review: interrupt<HumanInterrupt, HumanResponse>(sendQuestion(state.topic, state.draft!)) };
}

function act(state: State): Partial<State> {
  const answer = state.review;
  switch (answer?.type) {
    case 'accept':
      return { sent: state.draft };
    case 'edit':
      // An edit's args are the action again, with the reviewer's arguments.
      return { sent: (answer.args as ActionRequest).args as Email };
    case 'response':
      return { reply: typeof answer.args === 'string' ? answer.args : null };
    default:
      return {};
  }
}

export function buildEmailGraph() {
  return new StateGraph(EmailState)
    .addNode('write', write)
    .addNode('ask', ask)
    .addNode('act', act)
    .addEdge(START, 'write')
    .addEdge('write', 'ask')
    .addEdge('ask', 'act')
    .addEdge('act', END)
    .compile({ checkpointer: new MemorySaver() });
}

/** Runs the graph on `threadId` until it finishes, answering each interrupt through Switchboard. */
export async function runWithSwitchboard(client: Pick<Switchboard, 'ask'>, topic: string, threadId: string, opts: AskHumanOptions): Promise<State> {
  const graph = buildEmailGraph();
  const config = { configurable: { thread_id: threadId } };
  let result: unknown = await graph.invoke({ topic }, config);
  while (isInterrupted<HumanInterrupt>(result)) {
    const pending = result.__interrupt__[0]!;
    // The thread and the interrupt's id name this question: asking again after a crash finds the same request.
    const resume = await askHuman(client, pending.value!, { workflow_id: threadId, checkpoint_id: pending.id, ...opts });
    result = await graph.invoke(new Command({ resume }), config);
  }
  return result as State;
}
