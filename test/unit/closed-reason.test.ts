import { describe, expect, it } from 'vitest';
import { channelTitle, closedReason } from '../../src/domain/outcome-text.js';
import { makeRequest } from '../helpers/fixtures.js';
import type { Response } from '../../src/domain/types.js';

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
    expect(via('web')).toBe('Already approved by X via Web.');
    expect(via('email')).toBe('Already approved by X via Email.');
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

  it('uses the value when it is not an option, and plain "answered" for forms', () => {
    const text = request({ state: 'resolved', type: 'text', options: [], response: response({ value: 'ship it' }) });
    expect(closedReason(text)).toBe('Already answered "ship it" by Ana via Slack.');
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
      'This request has expired.',
    );
    expect(closedReason(request({ state: 'cancelled' }))).toBe('This request was cancelled.');
  });

  it('has a fallback for a closed request without a response', () => {
    expect(closedReason(request({ state: 'resolved' }))).toBe('This request is already resolved.');
  });
});

describe('channelTitle', () => {
  it('capitalises channel names, with special cases for api and sqs', () => {
    expect(channelTitle('slack')).toBe('Slack');
    expect(channelTitle('telegram')).toBe('Telegram');
    expect(channelTitle('api')).toBe('the API');
    expect(channelTitle('sqs')).toBe('SQS');
  });
});
