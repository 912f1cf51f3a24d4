// ask() against the hub as operators run it (its own process): it rides out the hub being killed and
// restarted while it waits, gives up with the request id on timeoutMs, and stops at once on abort.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Switchboard, WaitTimeoutError, type CreateRequestInput } from '../../src/client/index.js';
import { generateWebhookSecret } from '../../src/webhooks.js';
import { dumpOnFailure, hubApi, killHubProcesses, startHubProcess, withTimeout, type HubProcess } from '../helpers/hub-process.js';
import { freshDatabase, suffix, waitFor } from '../helpers/services.js';

let db: { url: string; drop(): Promise<void> };
let hub: HubProcess;
let env: Record<string, string>;
const apiKey = `sb_e2e_${suffix()}${suffix()}`;

beforeAll(async () => {
  db = await freshDatabase();
  env = {
    DATABASE_URL: db.url,
    SWITCHBOARD_QUEUE_PREFIX: `sbe2e_${suffix()}`,
    SWITCHBOARD_API_KEY: apiKey,
    SWITCHBOARD_WEBHOOK_SECRET: generateWebhookSecret(),
  };
  hub = await startHubProcess('hub-1', env);
});

afterAll(async () => {
  await killHubProcesses();
  await db?.drop();
});

/** A client whose fetch records what it asked for and which attempts failed without an answer. */
function watchedClient() {
  const longPolls: string[] = [];
  const failures: string[] = [];
  const watched: typeof fetch = async (input, init) => {
    const url = String(input instanceof Request ? input.url : input);
    if (url.includes('?wait=')) longPolls.push(url);
    try {
      return await fetch(input, init);
    } catch (err) {
      failures.push(String((err as Error).cause ?? err));
      throw err;
    }
  };
  return { sb: new Switchboard({ url: hub.baseUrl, apiKey, fetch: watched }), longPolls, failures };
}

const question = (workflow: string): CreateRequestInput => ({
  title: 'Deploy v2.3 to production?',
  recipients: [{ channel: 'web' }],
  workflow_id: workflow,
  checkpoint_id: 'cp-deploy',
});

async function requestOf(workflow: string): Promise<{ id: string; state: string }> {
  return waitFor(async () => {
    const page = await hubApi(hub, apiKey, 'GET', `/v1/requests?workflow_id=${workflow}`);
    return page.body.data?.[0];
  }, 10_000, `the request of ${workflow}`);
}

describe('ask() against a hub process', () => {
  it('survives the hub being killed and restarted on the same URL while it waits, then returns the answer', async () => {
    dumpOnFailure();
    const { sb, longPolls, failures } = watchedClient();
    let settled = false;
    const asked = sb.ask(question('wf-restart'), { timeoutMs: 120_000 }).finally(() => (settled = true));
    const { id } = await requestOf('wf-restart');
    await waitFor(() => longPolls.length > 0, 10_000, 'the client to long-poll');

    hub.proc.kill('SIGKILL');
    expect(await withTimeout(hub.exit, 10_000, 'the hub to die')).toEqual({ code: null, signal: 'SIGKILL' });
    // The long-poll broke, and the client keeps trying the dead address.
    await waitFor(() => failures.length >= 2, 10_000, 'the client to retry while the hub is down');
    expect(settled).toBe(false);

    hub = await startHubProcess('hub-2 (restart)', env, { port: Number(new URL(hub.baseUrl).port) });
    const answered = await hubApi(hub, apiKey, 'POST', `/v1/requests/${id}/responses`, { value: 'approve', comment: 'after the restart' });
    expect(answered.status).toBe(200);

    const result = await withTimeout(asked, 20_000, 'ask() to return the answer');
    expect(result).toMatchObject({ id, state: 'resolved', response: { value: 'approve', comment: 'after the restart' } });
    expect(failures.length).toBeGreaterThanOrEqual(2);
  }, 90_000);

  it('gives up after timeoutMs with a WaitTimeoutError naming the still-pending request', async () => {
    const { sb } = watchedClient();
    const started = Date.now();
    const err = await sb.ask(question('wf-timeout'), { timeoutMs: 1500 }).catch((e: unknown) => e);
    const elapsed = Date.now() - started;

    expect(err).toBeInstanceOf(WaitTimeoutError);
    const { id, state } = await requestOf('wf-timeout');
    expect(state).toBe('pending');
    expect((err as WaitTimeoutError).requestId).toBe(id);
    expect((err as WaitTimeoutError).message).toContain(id);
    expect(elapsed).toBeGreaterThanOrEqual(1500);
    expect(elapsed).toBeLessThan(2500);
    // The id is enough to resume.
    await hubApi(hub, apiKey, 'POST', `/v1/requests/${id}/cancel`, {});
    expect(await sb.wait(id, { timeoutMs: 5000 })).toMatchObject({ id, state: 'cancelled' });
  });

  it('stops at once when its signal aborts, with the signal\'s reason', async () => {
    const { sb, longPolls } = watchedClient();
    const controller = new AbortController();
    const asked = sb.ask(question('wf-abort'), { signal: controller.signal }).catch((e: unknown) => e);
    await waitFor(() => longPolls.length > 0, 10_000, 'the client to long-poll');

    const reason = new Error('the agent was stopped');
    const abortedAt = Date.now();
    controller.abort(reason);
    expect(await withTimeout(asked, 2000, 'ask() to stop')).toBe(reason);
    expect(Date.now() - abortedAt).toBeLessThan(500);
    expect((await requestOf('wf-abort')).state).toBe('pending');

    const plain = new AbortController();
    plain.abort();
    const err = await sb.ask(question('wf-abort'), { signal: plain.signal }).catch((e: unknown) => e);
    expect(err).toMatchObject({ name: 'AbortError' });
  });
});
