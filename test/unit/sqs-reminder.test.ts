import { readFileSync } from 'node:fs';
import Ajv2020 from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';
import { describe, expect, it } from 'vitest';
import { renderReminder } from '../../channels/sqs/render.js';
import { makeRequest } from '../helpers/fixtures.js';

const ajv = new Ajv2020.default({ allErrors: true, strict: true, allowUnionTypes: true });
addFormats.default(ajv);
const reminderSchema = ajv.compile(JSON.parse(readFileSync(new URL('../../manifests/sqs/reminder.v1.schema.json', import.meta.url), 'utf8')) as object);

describe('switchboard.reminder.v1', () => {
  it('names the request and step, with its due time and the deadline, and matches its JSON Schema', () => {
    const request = makeRequest({
      workflow_id: 'wf-1',
      expires_at: '2026-12-02T14:00:00.000Z',
      reminders: [{ after_seconds: 60, due_at: '2026-12-02T09:01:00.000Z', sent_at: '2026-12-02T09:01:00.500Z' }],
    });
    const message = renderReminder(request, 0);
    const body = JSON.parse(message.body);
    expect(body).toEqual({
      type: 'switchboard.reminder.v1', request_id: request.id, step: 0, due_at: '2026-12-02T09:01:00.000Z',
      expires_at: '2026-12-02T14:00:00.000Z', text: expect.stringMatching(/^Reminder: this request is still waiting for an answer — due /),
    });
    expect(reminderSchema(body), JSON.stringify(reminderSchema.errors)).toBe(true);
    expect(message.attributes['switchboard.message_type']).toEqual({ DataType: 'String', StringValue: 'switchboard.reminder.v1' });
    expect(message.attributes['switchboard.workflow_id']).toEqual({ DataType: 'String', StringValue: 'wf-1' });
  });

  it('the schema refuses a message without its step', () => {
    expect(reminderSchema({ type: 'switchboard.reminder.v1', request_id: 'req_1', due_at: null, expires_at: null, text: 'x' })).toBe(false);
  });
});
