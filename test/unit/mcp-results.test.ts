// How the MCP tools word a request for a model, for the outcomes the end-to-end tests do not reach.
import { describe, expect, it } from 'vitest';
import { NetworkError, SwitchboardError } from '../../src/client/index.js';
import type { Request, Response } from '../../src/domain/types.js';
import { presentRequest } from '../../src/http/present.js';
import { errorResult, outcomeText, requestResult, structuredResult } from '../../src/mcp/results.js';
import { createTokens } from '../../src/tokens.js';
import { makeRequest } from '../helpers/fixtures.js';

const present = (r: Request, links = true) => presentRequest(r, 'https://hub.example', createTokens('unit-test-secret'), { links });
const ana = (over: Partial<Response>): Response => ({
  value: null, comment: null, fields: {}, responder: { channel: 'slack', id: 'U1', name: 'Ana' }, responded_at: '2024-01-01T00:01:00.000Z', ...over,
});
const closed = (over: Partial<Request>) => present(makeRequest({ state: 'resolved', closed_at: '2024-01-01T00:01:00.000Z', ...over }));
const textOf = (r: { content: unknown }) => (r.content as { text: string }[])[0]!.text;

describe('MCP tool results', () => {
  it('words each outcome with the answer and the comment', () => {
    expect(outcomeText(closed({ response: ana({ value: 'approve', comment: 'ship it' }) }))).toBe('Approved by Ana via Slack: ship it');
    expect(outcomeText(closed({ response: ana({ value: 'reject' }) }))).toBe('Rejected by Ana via Slack.');
    expect(outcomeText(closed({ type: 'text', options: [], response: ana({ value: 'use blue', comment: 'like the logo' }) }))).toBe(
      'Answered by Ana via Slack:\nuse blue\nComment: like the logo',
    );
    const form = closed({ type: 'form', options: [], fields: [{ name: 'size', label: 'Size', type: 'number' }], response: ana({ fields: { size: 3 } }) });
    expect(outcomeText(form)).toBe('Submitted by Ana via Slack:\nsize: 3');
    expect(outcomeText(present(makeRequest({ state: 'cancelled' })))).toBe('This request was cancelled.');
    const expired = present(makeRequest({ state: 'expired', timeout_seconds: 60, on_timeout: { value: 'reject' }, response: ana({ value: 'reject', responder: { channel: 'api', id: 'timeout' } }) }));
    expect(outcomeText(expired)).toBe('This request has expired. "Reject" was applied.');
  });

  it('gives structured content with the verdict, and approved only for approvals', () => {
    const approved = structuredResult(closed({ response: ana({ value: 'approve', comment: 'ok' }) }));
    expect(approved).toMatchObject({ state: 'resolved', type: 'approval', approved: true, outcome: { verdict: 'approved', value: 'approve', comment: 'ok', responder: { name: 'Ana' } } });
    expect(structuredResult(present(makeRequest({ state: 'cancelled' })))).toMatchObject({ state: 'cancelled', approved: false });
    expect(structuredResult(present(makeRequest({ state: 'cancelled' }))).outcome).toBeUndefined();
    const chosen = structuredResult(closed({ type: 'choice', options: [{ value: 'a', label: 'A' }, { value: 'b', label: 'B' }], response: ana({ value: 'b' }) }));
    expect(chosen).not.toHaveProperty('approved');
    expect(chosen.outcome?.verdict).toBe('chosen');
  });

  it('tells the model how to go on while a request is pending, with the answer page when the key may see it', () => {
    const pending = makeRequest();
    const result = requestResult(present(pending));
    expect(textOf(result)).toContain(`Still pending (id ${pending.id})`);
    expect(textOf(result)).toContain(`Call check_request with id "${pending.id}"`);
    expect(textOf(result)).toMatch(/The person can answer at https:\/\/hub\.example\/r\//);
    expect(result.structuredContent).toMatchObject({ id: pending.id, state: 'pending', web_url: expect.stringContaining('/r/') });
    expect(requestResult(present(pending, false)).structuredContent).not.toHaveProperty('web_url');
  });

  it('turns refusals and network failures into tool errors, and throws anything else on', () => {
    const refused = errorResult(new SwitchboardError(422, { title: 'Unprocessable Content', detail: 'The request is not valid.', errors: [{ path: 'title', message: 'required' }] }));
    expect(refused.isError).toBe(true);
    expect(textOf(refused)).toBe('Switchboard refused the call (422 Unprocessable Content): The request is not valid.\n- title: required');
    expect(textOf(errorResult(new NetworkError('connection refused')))).toBe('Could not reach Switchboard: connection refused');
    expect(textOf(errorResult(new NetworkError('connection reset'), 'req_1'))).toBe(
      'Could not reach Switchboard: connection reset\nThe request req_1 was created. Call check_request with id "req_1" to wait for the answer.',
    );
    expect(() => errorResult(new TypeError('a bug'))).toThrow('a bug');
  });
});
