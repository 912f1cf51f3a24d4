import postgres from 'postgres';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateWebhookSecret } from '../../src/webhooks.js';
import { dumpOnFailure, hubApi as api, killHubProcesses, startHubProcess, withTimeout, type HubProcess } from '../helpers/hub-process.js';
import { freshDatabase, suffix, waitFor } from '../helpers/services.js';

let db: { url: string; drop(): Promise<void> };
let sql: postgres.Sql;
const apiKey = `sb_e2e_${suffix()}${suffix()}`;

beforeAll(async () => {
  db = await freshDatabase();
  sql = postgres(db.url, { max: 2, onnotice: () => {} });
});

afterAll(async () => {
  await killHubProcesses();
  await sql?.end({ timeout: 2 });
  await db?.drop();
});

const startHub = (name: string) =>
  startHubProcess(name, {
    DATABASE_URL: db.url,
    SWITCHBOARD_QUEUE_PREFIX: `sbe2e_${suffix()}`,
    SWITCHBOARD_API_KEY: apiKey,
    SWITCHBOARD_WEBHOOK_SECRET: generateWebhookSecret(),
  });

type Outcome = { status: number; id?: string; retryAfter?: string | null } | { error: string };

/** Creates requests one after another on a keep-alive connection until the hub stops answering. */
async function createUntilRefused(hub: HubProcess, outcomes: Outcome[]): Promise<void> {
  for (;;) {
    try {
      const res = await fetch(`${hub.baseUrl}/v1/requests`, {
        method: 'POST',
        headers: { authorization: `Bearer ${apiKey}`, 'content-type': 'application/json' },
        body: JSON.stringify({ title: 'under load', recipients: [{ channel: 'web' }] }),
      });
      const body = (await res.json()) as { id?: string };
      outcomes.push({ status: res.status, id: body.id, retryAfter: res.headers.get('retry-after') });
    } catch (err) {
      const cause = (err as { cause?: { code?: string; message?: string } }).cause;
      outcomes.push({ error: cause?.code ?? cause?.message ?? String(err) });
      return;
    }
  }
}

describe('graceful drain', () => {
  it('SIGTERM makes a running hub finish and exit 0 within a few seconds', async () => {
    dumpOnFailure();
    const hub = await startHub('hub-drain');
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

  it('under load: what was accepted finishes, what was not is refused with a status, long-polls get 503 + Retry-After', async () => {
    dumpOnFailure();
    const hub = await startHub('hub-drain-load');
    const waiting = await api(hub, apiKey, 'POST', '/v1/requests', { title: 'Still waiting', recipients: [{ channel: 'web' }] });
    const longPoll = api(hub, apiKey, 'GET', `/v1/requests/${waiting.body.id}?wait=30`);

    const outcomes: Outcome[] = [];
    const clients = Array.from({ length: 8 }, () => createUntilRefused(hub, outcomes));
    await waitFor(() => outcomes.length >= 40, 20_000, 'creates under way');
    hub.proc.kill('SIGTERM');

    const polled = await longPoll;
    expect(polled.status).toBe(503);
    expect(polled.headers.get('retry-after')).toBe('1');
    expect(polled.body).toMatchObject({ status: 503, request: { id: waiting.body.id, state: 'pending' } });

    await withTimeout(Promise.all(clients), 15_000, 'every client to be refused');
    expect(await withTimeout(hub.exit, 10_000, 'the hub to exit')).toEqual({ code: 0, signal: null });

    const errors = outcomes.filter((o): o is { error: string } => 'error' in o);
    const answered = outcomes.filter((o): o is Exclude<Outcome, { error: string }> => 'status' in o);
    // Each client ends when the listener closes: a refused connection, or a reset of one still in the
    // kernel's accept queue (never read, so never acted on: the count below proves it).
    expect(errors).toHaveLength(8);
    expect(errors.filter((e) => e.error !== 'ECONNREFUSED' && e.error !== 'ECONNRESET')).toEqual([]);
    expect(answered.filter((o) => o.status !== 201 && o.status !== 503)).toEqual([]);
    expect(answered.filter((o) => o.status === 503).every((o) => o.retryAfter === '1')).toBe(true);
    expect(answered.some((o) => o.status === 503)).toBe(true);
    // Every 201 was stored, and nothing was stored that its client was not told about.
    const ids = answered.filter((o) => o.status === 201).map((o) => o.id!);
    const [row] = await sql<{ n: number }[]>`select count(*)::int as n from requests where title = 'under load'`;
    expect(row!.n).toBe(ids.length);
  }, 90_000);
});
