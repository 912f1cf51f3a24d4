import postgres from 'postgres';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateWebhookSecret } from '../../src/webhooks.js';
import { WebhookReceiver, type PlannedAnswer } from '../fakes/webhook-receiver.js';
import { dumpOnFailure, hubApi as api, killHubProcesses, startHubProcess, withTimeout, type HubProcess } from '../helpers/hub-process.js';
import { freshDatabase, suffix, waitFor } from '../helpers/services.js';

// SIGTERM while a BullMQ job is running: the job finishes inside SWITCHBOARD_DRAIN_SECONDS, and a job
// that would outlast it is left (outbox row and all) for another process, without delaying the exit.

let db: { url: string; drop(): Promise<void> };
let sql: postgres.Sql;
const receivers: WebhookReceiver[] = [];
const apiKey = `sb_e2e_${suffix()}${suffix()}`;
const secret = generateWebhookSecret();

beforeAll(async () => {
  db = await freshDatabase();
  sql = postgres(db.url, { max: 2, onnotice: () => {} });
});

afterAll(async () => {
  await killHubProcesses();
  for (const r of receivers) await r.stop();
  await sql?.end({ timeout: 2 });
  await db?.drop();
});

const startHub = (name: string, env: Record<string, string> = {}) =>
  startHubProcess(name, {
    DATABASE_URL: db.url,
    SWITCHBOARD_QUEUE_PREFIX: `sbe2e_${suffix()}`,
    SWITCHBOARD_API_KEY: apiKey,
    SWITCHBOARD_WEBHOOK_SECRET: secret,
    ...env,
  });

/**
 * A decided request whose webhook's first attempt (made in-process) gets a 500, so its retry runs as a
 * worker job; resolves once that job's call has reached the receiver, which answers as `retry` says.
 */
async function webhookJobInFlight(hub: HubProcess, retry: PlannedAnswer): Promise<{ id: string; receiver: WebhookReceiver }> {
  const receiver = await new WebhookReceiver().answer({ status: 500 }, retry).start(secret);
  receivers.push(receiver);
  const created = await api(hub, apiKey, 'POST', '/v1/requests', { title: 'Ship it?', recipients: [{ channel: 'web' }], callback_url: receiver.url });
  expect(created.status).toBe(201);
  const answered = await api(hub, apiKey, 'POST', `/v1/requests/${created.body.id}/responses`, { value: 'approve' });
  expect(answered.status).toBe(200);
  await waitFor(() => receiver.received.length >= 2, 30_000, 'the webhook retry job to call the receiver');
  return { id: created.body.id, receiver };
}

describe('drain: running jobs', () => {
  it('SIGTERM during a slow webhook job: the job finishes and is recorded, then the hub exits 0', async () => {
    dumpOnFailure();
    const hub = await startHub('hub-drain-job');
    const { id, receiver } = await webhookJobInFlight(hub, { status: 200, delayMs: 4000 });

    const signalled = Date.now();
    expect(hub.proc.kill('SIGTERM')).toBe(true);
    expect(await withTimeout(hub.exit, 30_000, 'the hub to exit')).toEqual({ code: 0, signal: null });
    const exited = Date.now();

    // It waited for the receiver's answer (4 s after the call) and stayed inside the 25 s default.
    expect(exited).toBeGreaterThanOrEqual(receiver.received[1]!.at + 4000);
    expect(exited - signalled).toBeLessThan(25_000);
    expect(receiver.received).toHaveLength(2);
    const [row] = await sql`select callback_status, callback_attempts from requests where id = ${id}`;
    expect(row).toMatchObject({ callback_status: 'delivered', callback_attempts: 2 });
    const attempts = await sql`select status from webhook_attempts where request_id = ${id} order by attempt`;
    expect(attempts.map((a) => a.status)).toEqual([500, 200]);
    expect(await sql`select 1 from outbox where job = 'callback' and payload->>'requestId' = ${id}`).toHaveLength(0);
  }, 120_000);

  it('a job outlasting SWITCHBOARD_DRAIN_SECONDS is left to be retried and the hub still exits 0 on time', async () => {
    dumpOnFailure();
    const hub = await startHub('hub-drain-deadline', { SWITCHBOARD_DRAIN_SECONDS: '3' });
    const { id } = await webhookJobInFlight(hub, { status: 200, hang: true });

    const signalled = Date.now();
    expect(hub.proc.kill('SIGTERM')).toBe(true);
    expect(await withTimeout(hub.exit, 30_000, 'the hub to exit')).toEqual({ code: 0, signal: null });
    const took = Date.now() - signalled;

    // It gave the job the whole budget, then left; the webhook timeout (15 s) never came into it.
    expect(took).toBeGreaterThanOrEqual(2500);
    expect(took).toBeLessThan(9000);
    expect(hub.output.join('')).toContain('drain time is up');
    // The retry is still owed: its outbox row stays for whichever process runs next.
    const [row] = await sql`select callback_status from requests where id = ${id}`;
    expect(row).toMatchObject({ callback_status: 'pending' });
    expect(await sql`select 1 from outbox where job = 'callback' and payload->>'requestId' = ${id}`).toHaveLength(1);
  }, 120_000);
});
