import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import postgres from 'postgres';
import { afterAll, beforeAll, describe, expect, it, onTestFailed } from 'vitest';
import { generateWebhookSecret } from '../../src/webhooks.js';
import { WebhookReceiver } from '../fakes/webhook-receiver.js';
import { freePort, freshDatabase, suffix, TEST_REDIS_URL, waitFor } from '../helpers/services.js';

// The hub as operators run it: `switchboard serve` in its own process, killed for real.

const REPO = fileURLToPath(new URL('../..', import.meta.url));

interface HubProcess {
  name: string;
  proc: ChildProcess;
  baseUrl: string;
  output: string[];
  exit: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  exited: { code: number | null; signal: NodeJS.Signals | null } | undefined;
}

const children: HubProcess[] = [];

/** Starts `node --import tsx src/cli.ts serve` with the given settings; resolves once /readyz says ready. */
async function startHub(name: string, env: Record<string, string>): Promise<HubProcess> {
  const port = await freePort();
  const baseUrl = `http://127.0.0.1:${port}`;
  const childEnv: NodeJS.ProcessEnv = { ...process.env };
  // Only what this test sets: no failpoint or channel settings leaking in from the outer environment.
  for (const k of Object.keys(childEnv)) {
    if (/^(SWITCHBOARD_|SLACK_|DISCORD_|TELEGRAM_|SMTP_|IMAP_|EMAIL_|SQS_)/.test(k)) delete childEnv[k];
  }
  Object.assign(childEnv, {
    PORT: String(port),
    HOST: '127.0.0.1',
    PUBLIC_URL: baseUrl,
    REDIS_URL: TEST_REDIS_URL,
    SWITCHBOARD_LOG_LEVEL: 'info',
    ...env,
  });
  const proc = spawn(process.execPath, ['--import', 'tsx', 'src/cli.ts', 'serve'], { cwd: REPO, env: childEnv, stdio: ['ignore', 'pipe', 'pipe'] });
  const output: string[] = [];
  proc.stdout!.setEncoding('utf8').on('data', (s: string) => output.push(s));
  proc.stderr!.setEncoding('utf8').on('data', (s: string) => output.push(s));
  const child: HubProcess = {
    name, proc, baseUrl, output, exited: undefined,
    exit: new Promise((resolve) => proc.once('exit', (code, signal) => {
      child.exited = { code, signal };
      resolve({ code, signal });
    })),
  };
  children.push(child);
  await waitFor(async () => {
    if (child.exited) throw new Error(`${name} exited early (${JSON.stringify(child.exited)}):\n${output.join('')}`);
    try {
      const res = await fetch(`${baseUrl}/readyz`);
      return res.status === 200;
    } catch {
      return false;
    }
  }, 45_000, `${name} to be ready`);
  return child;
}

/** On a failing test, show what the hub processes said. */
function dumpOnFailure(): void {
  onTestFailed(() => {
    for (const c of children) {
      process.stderr.write(`\n----- ${c.name} (pid ${c.proc.pid}, exit ${JSON.stringify(c.exited ?? 'running')}) -----\n${c.output.join('')}\n`);
    }
  });
}

async function api(hub: HubProcess, apiKey: string, method: string, path: string, body?: unknown) {
  const res = await fetch(`${hub.baseUrl}${path}`, {
    method,
    headers: { authorization: `Bearer ${apiKey}`, ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return { status: res.status, body: (await res.json()) as any };
}

const withTimeout = <T>(p: Promise<T>, ms: number, what: string) =>
  Promise.race([p, new Promise<never>((_, reject) => setTimeout(() => reject(new Error(`timed out after ${ms} ms: ${what}`)), ms))]);

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
  for (const c of children) {
    if (!c.exited) c.proc.kill('SIGKILL');
  }
  await Promise.all(children.map((c) => withTimeout(c.exit, 10_000, `${c.name} to exit`).catch(() => {})));
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
    expect(row!.response).toMatchObject({ value: 'approve', responder: { channel: 'api', id: 'ana', name: 'Ana' } });
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
        response: { value: 'approve', comment: 'ship it', responder: { channel: 'api', id: 'ana', name: 'Ana' } },
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

describe('graceful drain', () => {
  it('SIGTERM makes a running hub finish and exit 0 within a few seconds', async () => {
    dumpOnFailure();
    const hub = await startHub('hub-drain', {
      DATABASE_URL: db.url,
      SWITCHBOARD_QUEUE_PREFIX: `${prefix}_drain`,
      SWITCHBOARD_API_KEY: apiKey,
      SWITCHBOARD_WEBHOOK_SECRET: secret,
    });
    // Some work in the process first, so there are open connections and workers to close.
    const created = await api(hub, apiKey, 'POST', '/v1/requests', { title: 'Drain me', recipients: [{ channel: 'web' }] });
    expect(created.status).toBe(201);
    await waitFor(async () => (await api(hub, apiKey, 'GET', `/v1/requests/${created.body.id}`)).body.deliveries[0].status === 'delivered', 10_000, 'the web delivery');

    const started = Date.now();
    expect(hub.proc.kill('SIGTERM')).toBe(true);
    const exit = await withTimeout(hub.exit, 10_000, 'the hub to drain after SIGTERM');
    const took = Date.now() - started;
    expect(exit).toEqual({ code: 0, signal: null });
    expect(took).toBeLessThan(8_000);
    expect(hub.output.join('')).toContain('draining');
    await expect(fetch(`${hub.baseUrl}/healthz`)).rejects.toThrow();
  }, 90_000);
});
