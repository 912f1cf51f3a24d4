import type { HumanInterrupt as LangGraphHumanInterrupt, HumanResponse as LangGraphHumanResponse } from '@langchain/langgraph/prebuilt';
import type { HITLRequest, HITLResponse } from 'langchain';
import { describe, expect, expectTypeOf, it } from 'vitest';
import type { CreateRequestInput } from '../../src/client/index.js';
import { createRequestSchema } from '../../src/domain/request-schema.js';
import {
  askHuman,
  hitlToRequest,
  interruptToRequest,
  outcomeToDecision,
  outcomeToHumanResponse,
  reviewWithSwitchboard,
  type AskingClient,
  type FinishedRequest,
  type HitlActionRequest,
  type HitlRequest,
  type HitlResponse,
  type HitlReviewConfig,
  type HumanInterrupt,
  type HumanInterruptConfig,
  type HumanResponse,
} from '../../src/integrations/langgraph.js';

const opts = { recipients: [{ channel: 'web' as const }] };
const ARGS = { to: 'a@example.com', count: 2, urgent: false, tags: ['x'] };
const ARG_FIELDS = 'to+count+urgent+tags';

function humanInterrupt(allow: string, args: Record<string, unknown> = ARGS, description = 'Send the **weekly** email?'): HumanInterrupt {
  const config: HumanInterruptConfig = {
    allow_accept: allow.includes('A'),
    allow_edit: allow.includes('E'),
    allow_respond: allow.includes('R'),
    allow_ignore: allow.includes('I'),
  };
  return { action_request: { action: 'send_email', args }, config, description };
}

/** The request body, checked against the server's schema, as "type options|fields". */
function summary(body: CreateRequestInput): string {
  const parsed = createRequestSchema.safeParse(body);
  if (!parsed.success) throw new Error(`the server would refuse it: ${parsed.error.message}`);
  if (body.type === 'approval') return `approval ${body.options!.map((o) => o.value).join('/')}`;
  if (body.type === 'form') {
    return `form ${body.fields!.map((f) => (f.name === 'decision' ? `decision[${f.options!.map((o) => o.value).join('/')}]` : f.name)).join('+')}`;
  }
  return body.type!;
}

const finished = (response: Partial<NonNullable<FinishedRequest['response']>> | null, state = 'resolved'): FinishedRequest => ({
  id: 'req_1',
  state,
  response: response && { value: null, comment: null, fields: {}, ...response },
});

describe('the structural types', () => {
  it('take the real LangGraph and LangChain values and give back what they resume with (checked by tsc)', () => {
    expectTypeOf<LangGraphHumanInterrupt>().toExtend<HumanInterrupt>();
    expectTypeOf<HumanResponse>().toExtend<LangGraphHumanResponse>();
    expectTypeOf<HITLRequest>().toExtend<HitlRequest>();
    expectTypeOf<HitlResponse>().toExtend<HITLResponse>();
    expectTypeOf<HitlResponse>().not.toExtend<{ decisions: { type: 'accept' }[] }>();
  });
});

describe('interruptToRequest: every allow_* combination (A accept, E edit, R respond, I ignore)', () => {
  it.each([
    ['A', 'approval accept/ignore'],
    ['AI', 'approval accept/ignore'],
    ['R', 'text'],
    ['RI', 'form decision[response/ignore]+response'],
    ['E', `form ${ARG_FIELDS}`],
    ['EI', `form decision[edit/ignore]+${ARG_FIELDS}`],
    ['ER', `form decision[edit/response]+response+${ARG_FIELDS}`],
    ['ERI', `form decision[edit/response/ignore]+response+${ARG_FIELDS}`],
    ['AR', 'form decision[accept/response]+response'],
    ['ARI', 'form decision[accept/response/ignore]+response'],
    ['AE', `form decision[accept/edit]+${ARG_FIELDS}`],
    ['AEI', `form decision[accept/edit/ignore]+${ARG_FIELDS}`],
    ['AER', `form decision[accept/edit/response]+response+${ARG_FIELDS}`],
    ['AERI', `form decision[accept/edit/response/ignore]+response+${ARG_FIELDS}`],
  ])('%s → %s', (allow, expected) => {
    expect(summary(interruptToRequest(humanInterrupt(allow), opts))).toBe(expected);
  });

  it.each([
    ['', 'the review allows no decision: nothing to ask'],
    ['I', 'the review allows only "ignore": nothing to ask'],
  ])('"%s" has nothing to ask and says so', (allow, message) => {
    expect(() => interruptToRequest(humanInterrupt(allow), opts)).toThrow(message);
  });

  it('titles with the action, shows the description and the current arguments, and types the argument fields', () => {
    const body = interruptToRequest(humanInterrupt('AE'), { ...opts, workflow_id: 'wf', checkpoint_id: 'cp', context: { team: 'ops' } });
    expect(body).toMatchObject({ title: 'send_email', workflow_id: 'wf', checkpoint_id: 'cp', recipients: opts.recipients });
    expect(body.body).toBe('Send the **weekly** email?\n\nFields left blank keep the current values shown above.');
    expect(body.context).toEqual({ ...ARGS, team: 'ops' });
    expect(body.fields!.slice(1)).toEqual([
      { name: 'to', label: 'to', type: 'text' },
      { name: 'count', label: 'count', type: 'number' },
      { name: 'urgent', label: 'urgent', type: 'select', options: [{ value: 'true', label: 'true' }, { value: 'false', label: 'false' }] },
      { name: 'tags', label: 'tags (JSON)', type: 'textarea' },
    ]);
    expect(body.fields![0]).toMatchObject({ name: 'decision', required: true });
  });

  it('cuts a long action and description to the limits, and takes a title and body from the options', () => {
    const long = humanInterrupt('AI', ARGS, 'd'.repeat(9000));
    long.action_request.action = 'a'.repeat(300);
    const body = interruptToRequest(long, opts);
    expect(body.title).toHaveLength(200);
    expect(body.body!.length).toBeLessThanOrEqual(8000);
    expect(summary(body)).toBe('approval accept/ignore');
    expect(interruptToRequest(long, { ...opts, title: 'Send it?', body: 'Short.' })).toMatchObject({ title: 'Send it?', body: 'Short.' });
  });

  it('names argument fields as identifiers that never clash with decision and response, and reads them back to the arguments', () => {
    const args = { decision: 1, response: 'r', 'user-id': 'u', '2fa': true };
    const interrupt = humanInterrupt('AERI', args);
    const body = interruptToRequest(interrupt, opts);
    expect(body.fields!.map((f) => f.name)).toEqual(['decision', 'response', 'decision_2', 'response_2', 'user_id', '_2fa']);
    expect(body.fields!.slice(2).map((f) => f.label)).toEqual(['decision', 'response', 'user-id', '2fa']);
    const fields = { decision: 'edit', decision_2: 5, user_id: 'v', _2fa: 'false' };
    expect(outcomeToHumanResponse(interrupt, finished({ fields }))).toEqual({
      type: 'edit', args: { action: 'send_email', args: { decision: 5, response: 'r', 'user-id': 'v', '2fa': false } },
    });
  });

  it('puts more arguments than a form holds into one JSON field, and refuses an edit that is not a JSON object', () => {
    const args = Object.fromEntries(Array.from({ length: 25 }, (_, i) => [`arg${i}`, i]));
    const interrupt = humanInterrupt('AE', args);
    expect(summary(interruptToRequest(interrupt, opts))).toBe('form decision[accept/edit]+args');
    const edited = outcomeToHumanResponse(interrupt, finished({ fields: { decision: 'edit', args: '{"arg0": 100}' } }));
    expect(edited).toEqual({ type: 'edit', args: { action: 'send_email', args: { arg0: 100 } } });
    expect(() => outcomeToHumanResponse(interrupt, finished({ fields: { decision: 'edit', args: '[1]' } }))).toThrow('not as a JSON object');
    expect(() => outcomeToHumanResponse(interrupt, finished({ fields: { decision: 'edit', args: '{' } }))).toThrow('not as valid JSON');
  });

  it('explains a LangGraph Interrupt passed instead of its value', () => {
    const wrapper = { id: 'i1', value: humanInterrupt('A') } as unknown as HumanInterrupt;
    expect(() => interruptToRequest(wrapper, opts)).toThrow(/got: id, value \(pass the interrupt's `value`/);
  });
});

describe('outcomeToHumanResponse', () => {
  it('maps the approval buttons to accept and ignore (a lone accept is offered with ignore)', () => {
    expect(outcomeToHumanResponse(humanInterrupt('AI'), finished({ value: 'accept' }))).toEqual({ type: 'accept', args: null });
    expect(outcomeToHumanResponse(humanInterrupt('AI'), finished({ value: 'ignore' }))).toEqual({ type: 'ignore', args: null });
    expect(outcomeToHumanResponse(humanInterrupt('A'), finished({ value: 'ignore' }))).toEqual({ type: 'ignore', args: null });
  });

  it('maps a text answer, and a form response (its comment when the field is blank), to a response', () => {
    expect(outcomeToHumanResponse(humanInterrupt('R'), finished({ value: 'Not today.' }))).toEqual({ type: 'response', args: 'Not today.' });
    const form = humanInterrupt('ARI');
    expect(outcomeToHumanResponse(form, finished({ fields: { decision: 'response', response: 'Later.' } }))).toEqual({ type: 'response', args: 'Later.' });
    expect(outcomeToHumanResponse(form, finished({ fields: { decision: 'response' }, comment: 'In the comment.' }))).toEqual({ type: 'response', args: 'In the comment.' });
    expect(outcomeToHumanResponse(form, finished({ fields: { decision: 'response' } }))).toEqual({ type: 'response', args: '' });
  });

  it('types edited arguments back (numbers, booleans, JSON, text for what is not JSON) and keeps blank ones', () => {
    const interrupt = humanInterrupt('AERI');
    const edit = (fields: Record<string, string | number | boolean>) => outcomeToHumanResponse(interrupt, finished({ fields: { decision: 'edit', ...fields } })).args;
    expect(edit({ count: '7', urgent: 'true', tags: '["a","b"]' })).toEqual({ action: 'send_email', args: { to: 'a@example.com', count: 7, urgent: true, tags: ['a', 'b'] } });
    expect(edit({ count: 7, urgent: true, to: '', tags: 'plain words' })).toEqual({ action: 'send_email', args: { ...ARGS, count: 7, urgent: true, tags: 'plain words' } });
    expect(edit({})).toEqual({ action: 'send_email', args: ARGS });
  });

  it('reads an edit-only form (no decision field) as an edit', () => {
    expect(outcomeToHumanResponse(humanInterrupt('E'), finished({ fields: { to: 'b@example.com' } }))).toEqual({
      type: 'edit', args: { action: 'send_email', args: { ...ARGS, to: 'b@example.com' } },
    });
  });

  it('ignores when nobody answered, and applies an on_timeout value at expiry', () => {
    expect(outcomeToHumanResponse(humanInterrupt('AE'), finished(null, 'expired'))).toEqual({ type: 'ignore', args: null });
    expect(outcomeToHumanResponse(humanInterrupt('AE'), finished(null, 'cancelled'))).toEqual({ type: 'ignore', args: null });
    expect(outcomeToHumanResponse(humanInterrupt('AE'), finished({ value: 'accept' }, 'expired'))).toEqual({ type: 'accept', args: null });
  });

  it('refuses a pending request and an answer that is not one of the decisions', () => {
    expect(() => outcomeToHumanResponse(humanInterrupt('AI'), finished(null, 'pending'))).toThrow('request req_1 is still pending');
    expect(() => outcomeToHumanResponse(humanInterrupt('AI'), finished({ value: 'approve' }))).toThrow('request req_1 was answered "approve", which is not one of: accept, ignore');
  });
});

describe('LangChain humanInTheLoopMiddleware decisions', () => {
  const action: HitlActionRequest = { name: 'delete_file', args: { path: '/tmp/x', force: false }, description: 'Tool execution requires approval' };
  const review = (...allowedDecisions: HitlReviewConfig['allowedDecisions']): HitlReviewConfig => ({ actionName: 'delete_file', allowedDecisions });

  it('makes approve and reject an approval, with approve/reject options, asking "Run delete_file?"', () => {
    const body = hitlToRequest(action, review('approve', 'reject'), opts);
    expect(summary(body)).toBe('approval approve/reject');
    expect(body).toMatchObject({ title: 'Run delete_file?', body: 'Tool execution requires approval', context: action.args });
    expect(summary(hitlToRequest(action, review('approve'), opts))).toBe('approval approve/reject');
  });

  it('makes edit a form with a decision, a reason for rejecting and the arguments', () => {
    expect(summary(hitlToRequest(action, review('approve', 'edit', 'reject'), opts))).toBe('form decision[approve/edit/reject]+message+path+force');
    expect(summary(hitlToRequest(action, review('approve', 'edit'), opts))).toBe('form decision[approve/edit]+path+force');
    expect(summary(hitlToRequest(action, review('edit'), opts))).toBe('form path+force');
  });

  it('turns answers into approve, edit (with the action name) and reject (with its reason)', () => {
    const all = review('approve', 'edit', 'reject');
    expect(outcomeToDecision(action, review('approve', 'reject'), finished({ value: 'approve' }))).toEqual({ type: 'approve' });
    expect(outcomeToDecision(action, review('approve', 'reject'), finished({ value: 'reject', comment: 'No.' }))).toEqual({ type: 'reject', message: 'No.' });
    expect(outcomeToDecision(action, review('approve', 'reject'), finished({ value: 'reject' }))).toEqual({ type: 'reject' });
    expect(outcomeToDecision(action, all, finished({ fields: { decision: 'edit', force: 'true' } }))).toEqual({
      type: 'edit', editedAction: { name: 'delete_file', args: { path: '/tmp/x', force: true } },
    });
    expect(outcomeToDecision(action, all, finished({ fields: { decision: 'reject', message: 'Wrong file.' } }))).toEqual({ type: 'reject', message: 'Wrong file.' });
  });

  it('rejects, saying why, when nobody answered', () => {
    expect(outcomeToDecision(action, review('approve', 'reject'), finished(null, 'expired'))).toEqual({
      type: 'reject', message: 'No reviewer answered: Switchboard request req_1 expired.',
    });
  });
});

describe('askHuman and reviewWithSwitchboard', () => {
  /** A client whose every request is answered with `answer(body)`; it records the bodies and wait options. */
  function fakeClient(answer: (body: CreateRequestInput) => FinishedRequest['response']) {
    const asked: { body: CreateRequestInput; wait: unknown }[] = [];
    const client = {
      ask: (body: CreateRequestInput, wait: unknown) => {
        asked.push({ body, wait });
        return Promise.resolve({ id: `req_${asked.length}`, state: 'resolved', response: answer(body) });
      },
    } as unknown as AskingClient;
    return { client, asked };
  }
  const answered = (value: string | null, fields = {}) => ({ value, comment: null, fields });

  it('asks one request and passes signal and timeout to the wait, not the body', async () => {
    const { client, asked } = fakeClient(() => answered('accept'));
    const signal = new AbortController().signal;
    const response = await askHuman(client, humanInterrupt('AI'), { ...opts, workflow_id: 'wf', checkpoint_id: 'cp', signal, timeoutMs: 5000 });
    expect(response).toEqual({ type: 'accept', args: null });
    expect(asked).toHaveLength(1);
    expect(asked[0]!.wait).toEqual({ signal, timeoutMs: 5000 });
    expect(asked[0]!.body).toMatchObject({ workflow_id: 'wf', checkpoint_id: 'cp' });
    expect(asked[0]!.body).not.toHaveProperty('signal');
    expect(asked[0]!.body).not.toHaveProperty('timeoutMs');
  });

  it('answers a list of interrupts with a list, one request each under its own checkpoint_id', async () => {
    const { client, asked } = fakeClient((body) => answered(body.type === 'text' ? 'Fine.' : 'ignore'));
    const responses = await askHuman(client, [humanInterrupt('AI'), humanInterrupt('R')], { ...opts, workflow_id: 'wf', checkpoint_id: 'cp' });
    expect(responses).toEqual([{ type: 'ignore', args: null }, { type: 'response', args: 'Fine.' }]);
    expect(asked.map((a) => a.body.checkpoint_id)).toEqual(['cp#1', 'cp#2']);
  });

  it('reviews each tool call of a middleware interrupt under the review config of its name, decisions in order', async () => {
    const { client, asked } = fakeClient((body) => (body.type === 'approval' ? answered('approve') : answered(null, { decision: 'edit', n: 2 })));
    const result = await reviewWithSwitchboard(client, {
      actionRequests: [{ name: 'count', args: { n: 1 } }, { name: 'ping', args: {} }],
      reviewConfigs: [{ actionName: 'ping', allowedDecisions: ['approve', 'reject'] }, { actionName: 'count', allowedDecisions: ['approve', 'edit', 'reject'] }],
    }, { ...opts, workflow_id: 'wf', checkpoint_id: 'cp' });
    expect(result).toEqual({ decisions: [{ type: 'edit', editedAction: { name: 'count', args: { n: 2 } } }, { type: 'approve' }] });
    expect(asked.map((a) => [a.body.title, a.body.type, a.body.checkpoint_id])).toEqual([
      ['Run count?', 'form', 'cp#1'],
      ['Run ping?', 'approval', 'cp#2'],
    ]);
  });

  it('explains an interrupt value that is not a HITLRequest, asking nothing', async () => {
    const { client, asked } = fakeClient(() => answered('approve'));
    await expect(reviewWithSwitchboard(client, { id: 'i1', value: {} }, opts)).rejects.toThrow(/got: id, value \(pass the interrupt's `value`/);
    await expect(reviewWithSwitchboard(client, { action_request: {} }, opts)).rejects.toThrow('expected a HITLRequest { actionRequests: [{ name, args }], reviewConfigs }, got: action_request');
    expect(asked).toHaveLength(0);
  });
});
