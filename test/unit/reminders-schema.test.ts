import { describe, expect, it } from 'vitest';
import { reminderDueAt, reminderText } from '../../src/domain/reminders.js';
import { createRequestSchema, issuesToErrors } from '../../src/domain/request-schema.js';
import { buildRequest } from '../../src/store/new-request.js';
import { toRequest, type RequestRow } from '../../src/store/rows.js';

const base = { title: 'Deploy?', recipients: [{ channel: 'slack', to: 'C0APPROVALS' }] };
const errorsOf = (body: unknown) => {
  const r = createRequestSchema.safeParse(body);
  expect(r.success).toBe(false);
  return r.success ? [] : issuesToErrors(r.error);
};
const ok = (body: unknown) => {
  const r = createRequestSchema.safeParse(body);
  if (!r.success) throw new Error(JSON.stringify(issuesToErrors(r.error)));
  return r.data;
};

describe('reminder steps in a create body', () => {
  it('takes ascending steps before the timeout, with escalation recipients', () => {
    const steps = [{ after_seconds: 3600 }, { after_seconds: 14400, recipients: [{ channel: 'slack', to: 'U0MANAGER' }] }];
    expect(ok({ ...base, timeout_seconds: 86400, reminders: steps }).reminders).toEqual(steps);
    expect(ok(base).reminders).toBeUndefined();
  });

  it('names the step that is not after the previous one, or not before the timeout', () => {
    const body = { ...base, timeout_seconds: 600, reminders: [{ after_seconds: 300 }, { after_seconds: 300 }, { after_seconds: 600 }] };
    expect(errorsOf(body)).toEqual([
      { path: 'reminders.1.after_seconds', message: "must be greater than the previous step's (300)" },
      { path: 'reminders.2.after_seconds', message: 'must be less than timeout_seconds (600)' },
    ]);
  });

  it('refuses more than 10 steps, a step of 0 seconds, unknown keys and a bad escalation recipient', () => {
    const eleven = Array.from({ length: 11 }, (_, i) => ({ after_seconds: i + 1 }));
    expect(errorsOf({ ...base, reminders: eleven }).map((e) => e.path)).toEqual(['reminders']);
    expect(errorsOf({ ...base, reminders: [{ after_seconds: 0 }] }).map((e) => e.path)).toEqual(['reminders.0.after_seconds']);
    expect(errorsOf({ ...base, reminders: [{ after_seconds: 5, every: 3 }] }).map((e) => e.path)).toEqual(['reminders.0']);
    expect(errorsOf({ ...base, reminders: [{ after_seconds: 5, recipients: [{ channel: 'slack' }] }] })).toEqual([
      { path: 'reminders.0.recipients.0.to', message: 'required for this channel' },
    ]);
  });

  it('checks escalated web recipients with the others: names differ, and approvers may name them', () => {
    const web = { title: 'x', recipients: [{ channel: 'web', to: 'ana' }] };
    expect(errorsOf({ ...web, reminders: [{ after_seconds: 5, recipients: [{ channel: 'web', to: 'ana' }] }] })).toEqual([
      { path: 'reminders.0.recipients.0.to', message: 'web recipients need different names' },
    ]);
    ok({ ...web, approvers: ['web:boss'], reminders: [{ after_seconds: 5, recipients: [{ channel: 'web', to: 'boss' }] }] });
  });

  it('bounds recipients and escalations together', () => {
    const many = Array.from({ length: 30 }, (_, i) => ({ channel: 'slack', to: `C0ROOM${i}` }));
    expect(errorsOf({ title: 'x', recipients: many, reminders: [{ after_seconds: 5, recipients: many }] })).toEqual([
      { path: 'reminders', message: 'recipients and escalations together must be at most 50' },
    ]);
  });
});

describe('the stored schedule', () => {
  it('writes each step unsent, with an outbox row due at created_at + after_seconds', () => {
    const now = new Date('2026-12-02T09:00:00Z');
    const input = ok({ ...base, reminders: [{ after_seconds: 60 }, { after_seconds: 3600, recipients: [{ channel: 'web' }] }] });
    const n = buildRequest(input, 'key', undefined, () => false, now);
    expect(n.row.reminders).toEqual([{ after_seconds: 60, sent_at: null }, { after_seconds: 3600, recipients: [{ channel: 'web' }], sent_at: null }]);
    expect(n.jobs.filter((j) => j.job === 'remind')).toEqual([
      { job: 'remind', job_id: `remind-${n.row.id}.0`, payload: { requestId: n.row.id, step: 0 }, delay_until: '2026-12-02T09:01:00.000Z' },
      { job: 'remind', job_id: `remind-${n.row.id}.1`, payload: { requestId: n.row.id, step: 1 }, delay_until: '2026-12-02T10:00:00.000Z' },
    ]);
    // Escalation recipients are not delivered at create.
    expect(n.deliveries).toHaveLength(1);
  });

  it('shows each step with due_at and sent_at', () => {
    const row = { created_at: new Date('2026-12-02T09:00:00Z'), expires_at: null, closed_at: null, reminders: [{ after_seconds: 90, sent_at: '2026-12-02T09:01:31.000Z' }, { after_seconds: 600, sent_at: null }] };
    expect(toRequest(row as unknown as RequestRow).reminders).toEqual([
      { after_seconds: 90, due_at: '2026-12-02T09:01:30.000Z', sent_at: '2026-12-02T09:01:31.000Z' },
      { after_seconds: 600, due_at: '2026-12-02T09:10:00.000Z', sent_at: null },
    ]);
    expect(reminderDueAt('2026-12-02T23:59:00Z', 120)).toBe('2026-12-03T00:01:00.000Z');
  });
});

describe('reminder wording', () => {
  const now = new Date('2026-12-02T09:00:00Z');
  it('gives the deadline as a time today, with the date on another day, and nothing without one', () => {
    expect(reminderText({ expires_at: '2026-12-02T14:00:00.000Z' }, now)).toBe('Reminder: this request is still waiting for an answer — due 14:00 UTC');
    expect(reminderText({ expires_at: '2026-12-03T08:30:00.000Z' }, now)).toBe('Reminder: this request is still waiting for an answer — due 2026-12-03 08:30 UTC');
    expect(reminderText({ expires_at: null }, now)).toBe('Reminder: this request is still waiting for an answer');
  });
});
