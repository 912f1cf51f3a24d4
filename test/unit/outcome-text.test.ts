import { describe, expect, it } from 'vitest';
import {
  answerReplyText,
  CHANNEL_TITLES,
  channelTitle,
  closedReason,
  outcomeLine,
  outcomeSentence,
  shortOutcome,
  verdictOf,
  type TextStyle,
} from '../../src/domain/outcome-text.js';
import { makeRequest } from '../helpers/fixtures.js';
import type { Request, RespondResult, Response } from '../../src/domain/types.js';

const request = makeRequest;

const response = (over: Partial<Response> = {}): Response => ({
  value: 'approve',
  comment: null,
  fields: {},
  responder: { channel: 'slack', id: 'U1', name: 'Ana' },
  responded_at: '2024-01-01T00:01:00.000Z',
  ...over,
});

describe('closedReason', () => {
  it('says who approved and through which channel', () => {
    expect(closedReason(request({ state: 'resolved', response: response() }))).toBe('Already approved by Ana via Slack.');
  });

  it('says rejected for a reject', () => {
    const r = request({ state: 'resolved', response: response({ value: 'reject', responder: { channel: 'telegram', id: '42', name: 'Bo' } }) });
    expect(closedReason(r)).toBe('Already rejected by Bo via Telegram.');
  });

  it('falls back to the responder id without a name', () => {
    const r = request({ state: 'resolved', response: response({ responder: { channel: 'discord', id: '9876' } }) });
    expect(closedReason(r)).toBe('Already approved by 9876 via Discord.');
  });

  it('names the API, SQS, the web page and email properly', () => {
    const via = (channel: Response['responder']['channel']) =>
      closedReason(request({ state: 'resolved', response: response({ responder: { channel, id: 'x', name: 'X' } }) }));
    expect(via('api')).toBe('Already approved by X via the API.');
    expect(via('sqs')).toBe('Already approved by X via SQS.');
    expect(via('web')).toBe('Already approved by X via the web page.');
    expect(via('email')).toBe('Already approved by X via email.');
  });

  it('quotes the option label for choices', () => {
    const r = request({
      state: 'resolved',
      type: 'choice',
      options: [{ value: 'eu', label: 'Europe' }, { value: 'us', label: 'US' }],
      response: response({ value: 'eu' }),
    });
    expect(closedReason(r)).toBe('Already answered "Europe" by Ana via Slack.');
  });

  it('says "answered" for text and forms, without repeating the answer', () => {
    const text = request({ state: 'resolved', type: 'text', options: [], response: response({ value: 'ship it' }) });
    expect(closedReason(text)).toBe('Already answered by Ana via Slack.');
    const form = request({ state: 'resolved', type: 'form', options: [], response: response({ value: null, fields: { a: 1 } }) });
    expect(closedReason(form)).toBe('Already answered by Ana via Slack.');
  });

  it('matches Approve/Reject labels case-insensitively', () => {
    const r = request({
      state: 'resolved',
      options: [{ value: 'yes', label: 'APPROVE' }, { value: 'no', label: 'reject' }],
      response: response({ value: 'no' }),
    });
    expect(closedReason(r)).toBe('Already rejected by Ana via Slack.');
  });

  it('explains expired and cancelled requests', () => {
    expect(closedReason(request({ state: 'expired' }))).toBe('This request has expired.');
    expect(closedReason(request({ state: 'expired', response: response({ responder: { channel: 'api', id: 'timeout', name: 'Timeout' } }) }))).toBe(
      'This request has expired. "Approve" was applied.',
    );
    expect(closedReason(request({ state: 'cancelled' }))).toBe('This request was cancelled.');
  });

  it('has a fallback for a closed request without a response', () => {
    expect(closedReason(request({ state: 'resolved' }))).toBe('This request is already resolved.');
  });
});

describe('channelTitle', () => {
  it('names every channel from one table', () => {
    expect(channelTitle('slack')).toBe('Slack');
    expect(channelTitle('telegram')).toBe('Telegram');
    expect(channelTitle('api')).toBe('the API');
    expect(channelTitle('sqs')).toBe('SQS');
    expect(channelTitle('web')).toBe('the web page');
    expect(channelTitle('email')).toBe('email');
  });
});

/** A style that shows where each hook was used. */
const marked: TextStyle = {
  escape: (t) => t.toUpperCase(),
  strong: (t) => `[${t}]`,
  person: (r) => (r.channel === 'slack' ? `@${r.id}` : undefined),
};

const choice = (over: Partial<Request> = {}) =>
  request({ type: 'choice', options: [{ value: 'a', label: 'Plan A' }, { value: 'b', label: 'Plan B', style: 'danger' }], ...over });

describe('verdictOf', () => {
  it('reads what an answer did from the request type and the option', () => {
    const approval = request();
    expect(verdictOf(approval, 'approve')).toBe('approved');
    expect(verdictOf(approval, 'reject')).toBe('rejected');
    const custom = request({ options: [{ value: 'go', label: 'Go' }, { value: 'defer', label: 'Defer' }, { value: 'stop', label: 'Stop', style: 'danger' }] });
    expect(verdictOf(custom, 'go')).toBe('approved');
    expect(verdictOf(custom, 'defer')).toBe('chosen');
    expect(verdictOf(custom, 'stop')).toBe('rejected');
    expect(verdictOf(choice(), 'b')).toBe('chosen');
    expect(verdictOf(request({ type: 'text', options: [] }), 'words')).toBe('answered');
    expect(verdictOf(request({ type: 'form', options: [] }), null)).toBe('submitted');
  });
});

describe('outcomeLine', () => {
  const at = '14:02';
  it('words each ending, with the time after what happened', () => {
    const r = request({ state: 'resolved', response: response() });
    expect(outcomeLine(r, { state: 'resolved', response: response() }, undefined, at)).toBe('Approved by Ana via Slack · 14:02');
    expect(outcomeLine(r, { state: 'resolved', response: response({ value: 'reject' }) })).toBe('Rejected by Ana via Slack');
    expect(outcomeLine(r, { state: 'expired', response: null }, undefined, at)).toBe('Expired · 14:02');
    expect(outcomeLine(r, { state: 'expired', response: response({ value: 'reject' }) }, undefined, at)).toBe('Expired · 14:02 — "Reject" applied');
    expect(outcomeLine(r, { state: 'cancelled', response: null }, undefined, at)).toBe('Cancelled · 14:02');
    expect(outcomeLine(choice(), { state: 'resolved', response: response({ value: 'b' }) })).toBe('"Plan B" — chosen by Ana via Slack');
    const text = request({ type: 'text', options: [] });
    expect(outcomeLine(text, { state: 'resolved', response: response({ value: 'ship it' }) })).toBe('Answered by Ana via Slack');
    const form = request({ type: 'form', options: [] });
    expect(outcomeLine(form, { state: 'resolved', response: response({ value: null }) })).toBe('Submitted by Ana via Slack');
  });

  it('names every approver of a quorum', () => {
    const ben = response({ responder: { channel: 'web', id: 'page', name: 'Ben' } });
    const r = request({ quorum: 2, votes: [response(), ben], state: 'resolved', response: ben });
    expect(outcomeLine(r, { state: 'resolved', response: ben })).toBe('Approved by Ana via Slack, Ben via the web page');
  });

  it("takes the channel's markup for names, labels and its own users", () => {
    const r = choice({ state: 'resolved' });
    const telegram = response({ value: 'b', responder: { channel: 'telegram', id: '42', name: 'Bo' } });
    expect(outcomeLine(r, { state: 'resolved', response: telegram }, marked)).toBe('[Plan B] — chosen by BO via Telegram');
    expect(outcomeLine(r, { state: 'resolved', response: response({ value: 'a' }) }, marked)).toBe('[Plan A] — chosen by @U1');
  });
});

describe('outcomeSentence and shortOutcome', () => {
  it('say how a request ended as a sentence and in a few words', () => {
    const resolved = request({ state: 'resolved', response: response({ responder: { channel: 'api', id: 'ci', name: 'CI' } }) });
    expect(outcomeSentence(resolved)).toBe('Approved by CI via the API.');
    expect(shortOutcome(resolved)).toBe('approved by CI via the API');
    const expired = request({ state: 'expired', response: response({ value: 'reject' }) });
    expect(outcomeSentence(expired, marked)).toBe('This request has expired. [Reject] was applied.');
    expect(shortOutcome(expired)).toBe('expired');
    expect(outcomeSentence(request({ state: 'expired' }))).toBe('This request has expired.');
    expect(outcomeSentence(request({ state: 'cancelled' }))).toBe('This request was cancelled.');
    expect(shortOutcome(choice({ state: 'resolved', response: response({ value: 'a' }) }))).toBe('"Plan A" — chosen by Ana via Slack');
  });
});

describe('answerReplyText', () => {
  const result = (status: RespondResult['status'], over: Partial<RespondResult> = {}, req: Partial<Request> = {}): RespondResult => ({
    status,
    request: request(req),
    ...over,
  });

  it('tells the person what became of their answer', () => {
    expect(answerReplyText(result('won'))).toBe('Thank you — your answer decided this request.');
    expect(answerReplyText(result('counted', {}, { quorum: 3, votes: [response()] }))).toBe('Your approval is counted: 1 of 3.');
    expect(answerReplyText(result('counted', { reason: 'Your vote was already counted.' }))).toBe('Your vote was already counted.');
    expect(answerReplyText(result('closed', {}, { state: 'resolved', response: response() }), marked)).toBe('Already approved by @U1.');
    expect(answerReplyText(result('forbidden'))).toBe('You are not an approver for this request.');
    expect(answerReplyText(result('invalid', { reason: 'value: must be one of: approve, reject' }))).toBe(
      'Your answer was not accepted: value: must be one of: approve, reject',
    );
    expect(answerReplyText(result('invalid', { errors: [{ path: 'fields.n', message: 'must be a number' }] }))).toBe(
      'Your answer was not accepted: fields.n: must be a number',
    );
  });
});

describe('CHANNEL_TITLES', () => {
  it('names every channel an answer can come from', () => {
    for (const channel of ['slack', 'discord', 'telegram', 'email', 'sqs', 'web', 'api'] as const) {
      expect(CHANNEL_TITLES[channel]).toMatch(/\S/);
      expect(channelTitle(channel)).toBe(CHANNEL_TITLES[channel]);
    }
  });
});
