import postgres from 'postgres';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateWebhookSecret } from '../../src/webhooks.js';
import { WebhookReceiver } from '../fakes/webhook-receiver.js';
import { dumpOnFailure, hubApi as api, killHubProcesses, startHubProcess as startHub, withTimeout } from '../helpers/hub-process.js';
import { freshDatabase, suffix, waitFor } from '../helpers/services.js';

let db: { url: string; drop(): Promise<void> };
let sql: postgres.Sql;
let receiver: WebhookReceiver;
const apiKey = `sb_e2e_${suffix()}${suffix()}`;
const secret = generateWebhookSecret();
const prefix = `sbe2e_${suffix()}`;

beforeAll(async () => {
  db = await freshDatabase();
  sql = postgres(db.url, { max: 2, onnotice: () => {} });
  receiver = await new WebhookReceiver().start(secret);
});

afterAll(async () => {
  await killHubProcesses();
  await receiver?.stop();
  await sql?.end({ timeout: 2 });
  await db?.drop();
});

describe('crash after commit', () => {
  it('a hub killed with SIGKILL after a commit and before the webhook is sent delivers the webhook after restart, once', async () => {
    dumpOnFailure();
    const env = {
      DATABASE_URL: db.url,
      SWITCHBOARD_QUEUE_PREFIX: prefix,
      SWITCHBOARD_API_KEY: apiKey,
      SWITCHBOARD_WEBHOOK_SECRET: secret,
    };
    const first = await startHub('hub-1 (failpoint)', { ...env, SWITCHBOARD_FAILPOINT: 'crash-after-commit' });

    const created = await api(first, apiKey, 'POST', '/v1/requests', {
      title: 'Deploy v2.3 to production?',
      recipients: [{ channel: 'web' }],
      callback_url: receiver.url,
      workflow_id: 'wf-crash',
    });
    expect(created.status).toBe(201);
    const id: string = created.body.id;

    // The answer commits, then the process dies before it can reply or relay anything.
    await expect(
      fetch(`${first.baseUrl}/v1/requests/${id}/responses`, {
        method: 'POST',
        headers: { authorization: `Bearer ${apiKey}`, 'content-type': 'application/json' },
        body: JSON.stringify({ value: 'approve', comment: 'ship it', responder: { id: 'ana', name: 'Ana' } }),
      }),
    ).rejects.toThrow();
    const died = await withTimeout(first.exit, 10_000, 'the failpoint hub to die');
    expect(died).toEqual({ code: null, signal: 'SIGKILL' });

    // The decision is durable; the webhook is only in the outbox.
    const [row] = await sql`select state, callback_status, callback_attempts, response from requests where id = ${id}`;
    expect(row).toMatchObject({ state: 'resolved', callback_status: 'pending', callback_attempts: 0 });
    expect(row!.response).toMatchObject({ value: 'approve', responder: { channel: 'api', id: 'SWITCHBOARD_API_KEY', name: 'Ana' } });
    const pendingCallbacks = await sql`select job, job_id from outbox where job = 'callback' and payload->>'requestId' = ${id}`;
    expect(pendingCallbacks).toHaveLength(1);
    await new Promise((r) => setTimeout(r, 300));
    expect(receiver.received).toHaveLength(0);

    // Restart without the failpoint: the outbox row is the backstop for the first attempt the dead
    // process never made; it falls due 20 s (webhook timeout + 5 s) after the commit.
    const second = await startHub('hub-2 (restart)', env);
    await waitFor(() => receiver.received.length >= 1, 40_000, 'the webhook after restart');
    const [hook] = receiver.received;
    expect(hook!.verified).toBe(true);
    expect(hook!.headers['webhook-id']).toBe(`msg_${id.replace(/^req_/, '')}`);
    expect(hook!.json).toMatchObject({
      type: 'request.resolved',
      data: {
        id,
        state: 'resolved',
        workflow_id: 'wf-crash',
        response: { value: 'approve', comment: 'ship it', responder: { channel: 'api', id: 'SWITCHBOARD_API_KEY', name: 'Ana' } },
      },
    });

    // Once: nothing more arrives, and the hub records a single delivered attempt.
    await new Promise((r) => setTimeout(r, 1500));
    expect(receiver.received).toHaveLength(1);
    const after = await api(second, apiKey, 'GET', `/v1/requests/${id}`);
    expect(after.body.state).toBe('resolved');
    expect(after.body.callback).toEqual({ url: receiver.url, status: 'delivered', attempts: 1 });
    const attempts = await sql`select attempt, status from webhook_attempts where request_id = ${id}`;
    expect(attempts).toEqual([{ attempt: 1, status: 200 }]);
    expect(await sql`select id from outbox where payload->>'requestId' = ${id} and job = 'callback'`).toHaveLength(0);

    // An answer after the restart gets the stored outcome, not a second decision.
    const late = await api(second, apiKey, 'POST', `/v1/requests/${id}/responses`, { value: 'reject', responder: { id: 'bo' } });
    expect(late.status).toBe(409);
    expect(late.body.detail).toBe('Already approved by Ana via the API.');
    await new Promise((r) => setTimeout(r, 300));
    expect(receiver.received).toHaveLength(1);
  }, 120_000);
});
